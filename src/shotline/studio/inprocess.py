"""The studio served from a thread of this process, on 127.0.0.1 and a free port: what tests and
benchmarks need to talk to a real server (WebSockets, the Node client) without a second process;
and how they start the browser (Debian's Chromium) against it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import uvicorn

from shotline.studio.app import create_app
from shotline.studio.services import StudioServices

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (the Makefile installs it)
# Without these, the closed network here refuses Chromium's background connections, many at a
# time; autoplay without a gesture lets tests and benches play media.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def serve_in_thread(
    services: StudioServices, timeout: float = 30.0
) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Start the app: the server (set ``should_exit`` to stop it), its thread and its URL."""
    config = uvicorn.Config(
        create_app(services), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="studio-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the studio server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"
