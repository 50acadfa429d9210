"""Running ``shotline serve`` as a user does (a subprocess on a free port), for the tests that
need the real command: the serve tests and the browser tests."""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from shotline.studio.csrf import CSRF_HEADER

PASSWORD_LINE = re.compile(r"created admin (\S+) with the one-time password (\S+)")
URL_LINE = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@contextmanager
def serve(
    data: Path, *extra: str, database: str | None = None, env: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """Run the server; yields (its URL, everything it printed before it was ready)."""
    environ = os.environ | {"SHOTLINE_DATA": str(data), "SHOTLINE_QUEUE_POLL": "0.05"}
    environ.pop("SHOTLINE_DATABASE_URL", None)
    if database is not None:
        environ["SHOTLINE_DATABASE_URL"] = database
    environ |= env or {}
    proc = subprocess.Popen(
        [sys.executable, "-m", "shotline", "serve", "--port", "0", "--data", str(data), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environ,
    )
    assert proc.stdout is not None
    printed = ""
    try:
        deadline = time.monotonic() + 60
        while (found := URL_LINE.search(printed)) is None:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, f"serve exited: {printed}"
            assert time.monotonic() < deadline, printed
            printed += line
        # Keep reading what it prints (a request log line each): a full pipe would freeze it.
        stream = proc.stdout
        threading.Thread(target=lambda: collections.deque(stream, maxlen=0), daemon=True).start()
        yield found.group(1), printed
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def log_in_with_printed_password(url: str, printed: str) -> None:
    match = PASSWORD_LINE.search(" ".join(printed.split()))
    assert match is not None, printed
    name, password = match.groups()
    with httpx.Client(base_url=url) as client:
        client.headers[CSRF_HEADER] = client.get("/api/auth/csrf").json()["csrf"]
        login = client.post("/api/auth/login", json={"name": name, "password": password})
        assert login.status_code == 200 and login.json()["is_admin"] is True
        assert client.get("/openapi.json").json()["info"]["title"] == "shotline studio"
