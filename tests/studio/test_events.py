"""The event log: gap-free per-project sequences in SQL (also with concurrent writers, also
after a restart) and the WebSocket stream with its current state and replay after ``since``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from shotline.db import create_tables, make_engine
from shotline.studio.deps import SESSION_COOKIE
from shotline.studio.events import ClipEvent, EventLog, JobEvent, UploadEvent
from tests.dbs import database_url  # noqa: F401
from tests.studio.conftest import LiveServer


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:  # noqa: F811
    eng = make_engine(database_url)
    create_tables(eng)
    yield eng
    eng.dispose()


def test_sequences_are_per_project_gap_free_and_survive_a_restart(engine: Engine) -> None:
    log = EventLog(engine)
    assert log.publish("a", ClipEvent(clip_id="c1", status="processing")) == 1
    assert log.publish("b", ClipEvent(clip_id="c9", status="processing")) == 1
    assert log.publish("a", JobEvent(job_id="j1", status="running", progress=0.5)) == 2
    restarted = EventLog(engine)
    assert restarted.latest("a") == 2
    assert restarted.publish("a", UploadEvent(clip_id="c2", status="ready")) == 3
    replay = restarted.since("a", 1)
    assert [r.seq for r in replay] == [2, 3]
    assert isinstance(replay[0].event, JobEvent) and replay[0].event.progress == 0.5
    assert isinstance(replay[1].event, UploadEvent)


def test_concurrent_publishers_get_distinct_consecutive_numbers(engine: Engine) -> None:
    log = EventLog(engine)
    got: list[int] = []
    lock = threading.Lock()

    def publish(worker: int) -> None:
        for i in range(10):
            seq = log.publish("p", ClipEvent(clip_id=f"w{worker}-{i}", status="ready"))
            with lock:
                got.append(seq)

    threads = [threading.Thread(target=publish, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 41))
    assert [r.seq for r in log.since("p", 0)] == list(range(1, 41))


def stream(server: LiveServer, client: httpx.Client, query: str = "") -> ClientConnection:
    url = f"{server.ws_url}/api/projects/p1/events{query}"
    cookie = f"{SESSION_COOKIE}={client.cookies.get(SESSION_COOKIE, '')}"
    return connect(url, additional_headers={"Cookie": cookie}, open_timeout=10)


def receive(ws: ClientConnection) -> dict[str, Any]:
    message = json.loads(ws.recv(timeout=10))
    assert isinstance(message, dict)
    return message


def test_stream_sends_state_then_live_events(server: LiveServer, member: httpx.Client) -> None:
    log = server.services.events
    log.add_state_source("jobs", lambda project: [{"job_id": "j0", "project": project}])
    log.publish("p1", ClipEvent(clip_id="old", status="ready"))
    with stream(server, member) as ws:
        hello = receive(ws)
        assert hello["kind"] == "hello" and hello["seq"] == 1 and hello["since"] == 1
        assert hello["state"]["jobs"] == [{"job_id": "j0", "project": "p1"}]
        # i7media's sources: unfinished generations, uploads, running film runs (none here)
        assert {k: hello["state"][k] for k in ("generations", "uploads", "films")} == {
            "generations": [], "uploads": [], "films": []}  # fmt: skip
        log.publish("p1", JobEvent(job_id="j1", status="running", progress=0.25))
        log.publish("other", ClipEvent(clip_id="elsewhere", status="ready"))
        log.publish("p1", JobEvent(job_id="j1", status="succeeded", clip_id="c1"))
        first, second = receive(ws), receive(ws)
    assert (first["seq"], first["event"]["type"], first["event"]["progress"]) == (2, "job", 0.25)
    assert (second["seq"], second["event"]["status"]) == (3, "succeeded")


def test_a_reconnecting_client_replays_after_since(
    server: LiveServer, member: httpx.Client
) -> None:
    log = server.services.events
    for i in range(5):
        log.publish("p1", ClipEvent(clip_id=f"c{i}", status="ready"))
    with stream(server, member, "?since=2") as ws:
        hello = receive(ws)
        assert (hello["seq"], hello["since"]) == (5, 2)
        assert [receive(ws)["seq"] for _ in range(3)] == [3, 4, 5]
    # The same over HTTP for polling clients.
    polled = member.get("/api/projects/p1/events/log", params={"since": 3}).json()
    assert [(r["seq"], r["event"]["clip_id"]) for r in polled] == [(4, "c3"), (5, "c4")]


def test_streams_refuse_strangers(
    server: LiveServer, outsider: httpx.Client, anonymous: httpx.Client, member: httpx.Client
) -> None:
    for client in (outsider, anonymous):
        with pytest.raises(InvalidStatus) as refused, stream(server, client):
            pass
        assert refused.value.response.status_code == 403
    # A page from another site cannot open the stream with the member's cookie.
    url = f"{server.ws_url}/api/projects/p1/events"
    headers = {"Cookie": f"{SESSION_COOKIE}={member.cookies[SESSION_COOKIE]}"}
    with (
        pytest.raises(InvalidStatus),
        connect(url, additional_headers=headers, origin="http://evil.example"),
    ):  # type: ignore[arg-type]
        pass
    assert member.get("/api/projects/p1/events/log").json() == []


def test_a_page_from_this_server_may_open_the_stream(
    server: LiveServer, member: httpx.Client
) -> None:
    url = f"{server.ws_url}/api/projects/p1/events"
    headers = {"Cookie": f"{SESSION_COOKIE}={member.cookies[SESSION_COOKIE]}"}
    with connect(url, additional_headers=headers, origin=server.url) as ws:  # type: ignore[arg-type]
        assert receive(ws)["kind"] == "hello"
