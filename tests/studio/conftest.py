"""Studio fixtures: a live server (uvicorn on 127.0.0.1, port 0, in a background thread) over a
temporary data folder with the offline providers and the engine embedded, and logged-in clients.

- ``server``: the running ``LiveServer`` (``.url``, ``.ws_url``, ``.services``, ``.client()``).
- ``admin``, ``member`` (a member of project ``p1``), ``outsider`` (in no project): each an
  ``httpx.Client`` with its session cookie and the CSRF header already set.
- ``anonymous``: a client with a CSRF cookie and header but no session.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from shotline.app import build_server
from shotline.config import Settings
from shotline.studio.csrf import CSRF_COOKIE, CSRF_HEADER
from shotline.studio.inprocess import serve_in_thread
from shotline.studio.services import StudioServices

PASSWORD = "correct horse battery"
PROJECT = "p1"
# Test-only argon2 cost: the production defaults (64 MiB, 3 passes) make every login ~50 ms.
CHEAP = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def test_settings(data: Path, **values: object) -> Settings:
    return Settings.model_validate(
        {"SHOTLINE_DATA": str(data), "SHOTLINE_USER": "tester", "SHOTLINE_QUEUE_POLL": 0.02}
        | values
    )


@dataclass
class LiveServer:
    services: StudioServices
    url: str
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def client(self) -> httpx.Client:
        """An anonymous client holding a CSRF cookie, with the header set to match."""
        client = httpx.Client(base_url=self.url, timeout=30)
        self.clients.append(client)
        token = client.get("/api/auth/csrf").json()["csrf"]
        assert client.cookies.get(CSRF_COOKIE) == token
        client.headers[CSRF_HEADER] = token
        return client

    def login(self, name: str, password: str = PASSWORD) -> httpx.Client:
        client = self.client()
        answer = client.post("/api/auth/login", json={"name": name, "password": password})
        assert answer.status_code == 200, answer.text
        return client


@contextlib.contextmanager
def live_server(services: StudioServices) -> Iterator[LiveServer]:
    server, thread, url = serve_in_thread(services)
    live = LiveServer(services, url)
    try:
        yield live
    finally:
        for client in live.clients:
            client.close()
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[StudioServices]:
    """The server's services with the engine working the queues in this process."""
    built = build_server(test_settings(tmp_path / "data"), hasher=CHEAP)
    built.studio.engine.start()
    try:
        yield built
    finally:
        built.close()
        built.studio.engine.close()
        built.studio.engine.engine.dispose()


@pytest.fixture
def server(services: StudioServices) -> Iterator[LiveServer]:
    """A live server with users ``admin`` (admin), ``member`` (of ``p1``), ``outsider``."""
    accounts = services.accounts
    accounts.add("admin", PASSWORD, admin=True)
    accounts.add("member", PASSWORD)
    accounts.add("outsider", PASSWORD)
    services.projects.create(PROJECT, "Project one", "member")
    with live_server(services) as live:
        yield live


@pytest.fixture
def admin(server: LiveServer) -> httpx.Client:
    return server.login("admin")


@pytest.fixture
def member(server: LiveServer) -> httpx.Client:
    return server.login("member")


@pytest.fixture
def outsider(server: LiveServer) -> httpx.Client:
    return server.login("outsider")


@pytest.fixture
def anonymous(server: LiveServer) -> httpx.Client:
    return server.client()
