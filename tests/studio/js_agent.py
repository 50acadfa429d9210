"""Drives ``js/agent.mjs`` (yjs@13 + y-websocket@3 under Node) from a test: JSON lines both ways."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

JS = Path(__file__).resolve().parent / "js"


class JsAgent:
    def __init__(self, base: str, room: str, cookie: str, connections: int = 1) -> None:
        node = shutil.which("node")
        if node is None:
            pytest.skip("node is not installed")
        if not (JS / "node_modules" / "y-websocket").is_dir():
            pytest.fail(f"the JavaScript client is not installed: run `make` (npm ci in {JS})")
        self.process = subprocess.Popen(
            [node, "agent.mjs", base, room, cookie, str(connections)],
            cwd=JS, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1,
        )  # fmt: skip
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip():
                self.events.put(json.loads(line))

    def send(self, **request: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def expect(self, event: str, timeout: float = 20.0, **match: Any) -> dict[str, Any]:
        """The next event of this kind whose fields match (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                stderr = self.process.stderr.read() if self.process.poll() is not None else ""
                raise AssertionError(f"no {event!r} {match} from the JS client {stderr}")
            try:
                got = self.events.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if got.get("event") == event and all(got.get(k) == v for k, v in match.items()):
                return got

    def state(self) -> dict[str, Any]:
        self.send(do="state")
        return self.expect("state")

    def close(self) -> None:
        if self.process.poll() is None:
            self.send(do="quit")
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
