"""Studio server: requests per second on the main read routes, and memory per open project.

Run: ``.venv/bin/python bench/studio_reads.py``. Prints figures, no pass/fail (the issue sets no
target for these). The server runs in this process (uvicorn on 127.0.0.1, a free port); the
clients run in another process, so that they do not share the server's GIL.

- Requests per second, for each read route, from 1 client and from 8 concurrent clients. The
  peer measured in the same run is ``GET /api/auth/csrf``: public, no session lookup, no
  database, so each route's ratio to it is what its session check and its own work cost.
- Memory per open project: the server's resident set growth while K projects each have an open
  event stream (WebSocket) and their live timeline open, divided by K. (The memory of a project
  with a 2,000-clip timeline is measured by ``bench/collab_propagation.py``.)
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from shotline.app import build_server
from shotline.config import Settings
from shotline.studio.csrf import CSRF_HEADER
from shotline.studio.events import ClipEvent
from shotline.studio.inprocess import serve_in_thread

PASSWORD = "bench password"
PROJECT = "p1"
SECONDS = 2.0  # per route and client count
CONCURRENT = 8
OPEN_PROJECTS = 40


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def login(url: str) -> dict[str, str]:
    with httpx.Client(base_url=url) as http:
        http.headers[CSRF_HEADER] = http.get("/api/auth/csrf").json()["csrf"]
        http.post("/api/auth/login", json={"name": "editor", "password": PASSWORD})
        return dict(http.cookies.items())


def hammer(url: str, cookies: dict[str, str], path: str, clients: int, seconds: float) -> float:
    """Requests per second on ``path`` from ``clients`` threads with one connection each."""

    def one() -> int:
        count = 0
        with httpx.Client(base_url=url, cookies=cookies) as http:
            http.get(path).raise_for_status()
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                http.get(path).raise_for_status()
                count += 1
        return count

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(lambda _: one(), range(clients)))
    return total / (time.perf_counter() - began)


def hold_streams(url: str, cookies: dict[str, str], projects: list[str], ready: object) -> None:
    """Open one event stream per project and keep them until the parent ends the process."""
    from websockets.sync.client import connect

    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    sockets = []
    for project in projects:
        ws = connect(f"ws{url.removeprefix('http')}/api/projects/{project}/events",
                     additional_headers={"Cookie": header})  # fmt: skip
        ws.recv(timeout=30)  # the hello: the stream is set up on the server
        sockets.append(ws)
    ready.set()  # type: ignore[attr-defined]
    time.sleep(3600)


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="shotline-bench-studio-"))
    settings = Settings.model_validate({"SHOTLINE_DATA": str(data), "SHOTLINE_USER": "bench"})
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    services = build_server(settings, hasher=cheap)
    services.accounts.add("editor", PASSWORD, admin=False)
    services.projects.create(PROJECT, "Bench", "editor")
    for n in range(200):  # a realistic event log to page through
        services.events.publish(PROJECT, ClipEvent(clip_id=f"c{n}", status="ready"))
    server, thread, url = serve_in_thread(services)
    spawn = multiprocessing.get_context("spawn")
    try:
        cookies = login(url)
        routes = [
            "/api/auth/csrf",  # the peer: public, no session, no database
            "/api/auth/me",
            "/api/projects",
            f"/api/projects/{PROJECT}",
            "/api/credits",
            f"/api/projects/{PROJECT}/events/log?since=150",
            f"/api/projects/{PROJECT}/assets",
            "/api/providers",
        ]
        print(f"requests per second, {SECONDS:.0f} s per figure, clients in another process")
        with ProcessPoolExecutor(1, mp_context=spawn) as pool:
            peer: dict[int, float] = {}
            for path in routes:
                figures = []
                for clients in (1, CONCURRENT):
                    rate = pool.submit(hammer, url, cookies, path, clients, SECONDS).result()
                    peer.setdefault(clients, rate)
                    figures.append(f"{clients} client{'s' if clients > 1 else ''}: "
                                   f"{rate:6.0f}/s ({rate / peer[clients]:.2f}x peer)")  # fmt: skip
                print(f"GET {path:42s} " + "   ".join(figures))

        projects = [f"open{n}" for n in range(OPEN_PROJECTS)]
        for project in projects:
            services.projects.create(project, project, "editor")
        before = rss_mib()
        ready = spawn.Event()
        holder = spawn.Process(target=hold_streams, args=(url, cookies, projects, ready))
        holder.start()
        try:
            ready.wait(120)
            for project in projects:
                services.timelines.get(project)  # the live timeline open too
            time.sleep(1.0)
            grown = rss_mib() - before
        finally:
            holder.terminate()
            holder.join(10)
        print(
            f"server memory per open project (event stream + empty live timeline): "
            f"{grown / OPEN_PROJECTS * 1024:.0f} KiB ({grown:.1f} MiB over {OPEN_PROJECTS})"
        )
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        server.should_exit = True
        thread.join(10)
        services.close()  # renders, follower and workers, then the timelines
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
