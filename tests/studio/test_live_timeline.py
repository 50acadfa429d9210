"""The live timeline over real sockets: Python clients on one project, commands over HTTP and the
socket, conflicts, reconnects, restarts, direct structural writes, undo/redo, access."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from pycrdt import Map
from websockets.exceptions import InvalidStatus

from shotline.studio.collab.client import CommandRefused, TimelineClient
from shotline.timeline import Clip, check_timeline
from shotline.timeline.snapshot import clip_to_dict
from tests.studio.conftest import PROJECT, LiveServer
from tests.studio.js_agent import JsAgent


def cookie(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def socket_url(server: LiveServer, project: str = PROJECT) -> str:
    return f"{server.ws_url}/yjs/{project}"


def clip(clip_id: str, start: float, duration: float, track: int = 0) -> dict[str, Any]:
    return clip_to_dict(Clip(id=clip_id, name=clip_id, start=start, duration=duration,
                             track_index=track, source=f"/media/{clip_id}.mp4"))  # fmt: skip


def command(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post(f"/api/projects/{PROJECT}/timeline/commands", json=body)


def start_of(client: TimelineClient, clip_id: str) -> float | None:
    fields = client.clip(clip_id)
    return None if fields is None else fields.get("startTime")


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_an_edit_from_one_client_is_seen_by_all(
    server: LiveServer, member: httpx.Client, admin: httpx.Client
) -> None:
    assert command(member, op="add", clip=clip("a", 0, 4)).status_code == 200

    async def scenario() -> None:
        async with (
            TimelineClient(socket_url(server), cookie(member)) as one,
            TimelineClient(socket_url(server), cookie(admin)) as two,
        ):
            assert start_of(one, "a") == start_of(two, "a") == 0.0
            answer = await one.command({"op": "move", "clipId": "a", "startTime": 2.5})
            assert answer["ok"] and answer["revision"] >= 2
            await two.until(lambda: start_of(two, "a") == 2.5)
            # over HTTP, seen by both sockets; ints come back as floats
            moved = command(admin, op="moveToTrack", clipId="a", trackIndex=1)
            assert moved.json()["timeline"]["clips"][0]["trackIndex"] == 1
            for client in (one, two):
                await client.until(lambda c=client: (c.clip("a") or {}).get("trackIndex") == 1.0)

    run(scenario)


def test_a_refused_command_gives_the_core_reason_and_changes_nothing(
    server: LiveServer, member: httpx.Client
) -> None:
    command(member, op="add", clip=clip("a", 0, 4))
    command(member, op="add", clip=clip("b", 5, 2))
    before = member.get(f"/api/projects/{PROJECT}/timeline").json()
    refused = command(member, op="move", clipId="b", startTime=3.0)
    assert refused.status_code == 409
    assert refused.json() == {"detail": "clip 'b' would overlap clip 'a' on track V1"}
    assert command(member, op="trim", clipId="nope", edge="end", to=1.0).status_code == 404
    bad = member.post(f"/api/projects/{PROJECT}/timeline/commands",
                      content=b'{"op": "move", "clipId": "b", "startTime": NaN}',
                      headers={"content-type": "application/json"})  # fmt: skip
    assert bad.status_code in (400, 422)
    assert command(member, op="move", clipId="b", startTime=-1.0).status_code == 422
    no_start = {k: v for k, v in clip("c", 9, 1).items() if k != "startTime"}
    missing = command(member, op="add", clip=no_start)
    assert missing.json() == {"detail": "clip 'c' (#1): field 'startTime' is required"}
    long_id = command(member, op="add", clip=clip("x" * 201, 9, 1))
    assert long_id.json() == {"detail": "a clip id has 1 to 200 characters, got 201"}
    assert command(member, op="explode", clipId="b").status_code == 422
    selection = member.put(f"/api/projects/{PROJECT}/timeline/selection",
                           json={"inPoint": 5.0, "outPoint": 1.0})  # fmt: skip
    assert selection.json() == {"detail": "out point 1.000s is before in point 5.000s"}
    assert member.get(f"/api/projects/{PROJECT}/timeline").json() == before

    async def scenario() -> None:
        async with TimelineClient(socket_url(server), cookie(member)) as one:
            with pytest.raises(CommandRefused, match="'b' would overlap clip 'a'"):
                await one.command({"op": "move", "clipId": "b", "startTime": 3.0})
            with pytest.raises(CommandRefused, match="startTime"):
                await one.command({"op": "move", "clipId": "b", "startTime": "soon"})
            with pytest.raises(CommandRefused, match="nothing to redo"):
                await one.command({"op": "redo"})

    run(scenario)
    assert member.get(f"/api/projects/{PROJECT}/timeline").json() == before


def test_concurrent_conflicting_moves_leave_no_overlap(
    server: LiveServer, member: httpx.Client, admin: httpx.Client
) -> None:
    command(member, op="add", clip=clip("a", 0, 2))
    command(member, op="add", clip=clip("b", 10, 2))

    async def scenario() -> None:
        async with (
            TimelineClient(socket_url(server), cookie(member)) as one,
            TimelineClient(socket_url(server), cookie(admin)) as two,
        ):
            for round_ in range(5):
                spot = 20.0 + round_ * 10
                results = await asyncio.gather(
                    one.command({"op": "move", "clipId": "a", "startTime": spot}),
                    two.command({"op": "move", "clipId": "b", "startTime": spot + 0.5}),
                    return_exceptions=True,
                )
                refused = [r for r in results if isinstance(r, CommandRefused)]
                assert len(refused) == 1 and "would overlap" in str(refused[0])
                revision = max(r["revision"] for r in results if isinstance(r, dict))
                for client in (one, two):
                    await client.until(
                        lambda c=client, r=revision: c.view.meta.get("revision", 0) >= r
                    )
                    a, b = client.clip("a") or {}, client.clip("b") or {}
                    assert abs(a["startTime"] - b["startTime"]) >= 2.0  # what each client sees

    run(scenario)
    check_timeline(server.services.timelines.get(PROJECT))  # and what the server holds


def test_a_reconnecting_client_catches_up(
    server: LiveServer, member: httpx.Client, admin: httpx.Client
) -> None:
    command(member, op="add", clip=clip("a", 0, 4))

    async def scenario() -> None:
        late = TimelineClient(socket_url(server), cookie(admin))
        await late.connect()
        assert start_of(late, "a") == 0.0
        await late.close()
        async with TimelineClient(socket_url(server), cookie(member)) as one:
            await one.command({"op": "move", "clipId": "a", "startTime": 7.0})
            await one.command({"op": "add", "clip": clip("b", 0, 1)})
        # nobody connected now: the room is gone, the document is not
        server.services.timelines.update_clip(PROJECT, "b", status="failed", error="no frames")
        await late.connect()  # same document, resynced
        try:
            assert start_of(late, "a") == 7.0
            assert (late.clip("b") or {}).get("error") == "no frames"
        finally:
            await late.close()

    run(scenario)


def test_state_survives_a_server_restart_after_a_squash(
    server: LiveServer, member: httpx.Client
) -> None:
    timelines = server.services.timelines
    timelines.squash_after = 0  # the project opens with its store squashing at every write
    for n, (name, track) in enumerate([("a", 0), ("b", 1), ("c", 0), ("d", 1), ("e", 0)]):
        command(member, op="add", clip=clip(name, n * 4.0, 4, track=track))
        timelines.flush(PROJECT)  # one stored update each: history to squash
    member.put(f"/api/projects/{PROJECT}/timeline/selection",
               json={"inPoint": 1.0, "outPoint": 6.0, "playhead": 2.0})  # fmt: skip
    before = member.get(f"/api/projects/{PROJECT}/timeline").json()
    timelines.close()  # documents dropped; the next use reloads the store
    with sqlite3.connect(timelines.store_path(PROJECT)) as db:
        (rows,) = db.execute("SELECT count(*) FROM yupdates").fetchone()
    assert rows <= 2  # of 6+ writes: squashed, the history is gone; the state must not be
    after = member.get(f"/api/projects/{PROJECT}/timeline").json()["timeline"]
    by_id = lambda data: {c["id"]: c for c in data.pop("clips")}  # noqa: E731 (order is free)
    assert by_id(after) == by_id(before["timeline"]) and after == before["timeline"]

    async def scenario() -> None:
        async with TimelineClient(socket_url(server), cookie(member)) as one:
            assert start_of(one, "b") == 4.0
            assert one.view.read_selection().out_point == 6.0

    run(scenario)


def test_direct_structural_writes_are_reverted_and_selection_writes_kept(
    server: LiveServer, member: httpx.Client, admin: httpx.Client
) -> None:
    command(member, op="add", clip=clip("a", 0, 4))

    async def scenario() -> None:
        async with (
            TimelineClient(socket_url(server), cookie(member)) as rogue,
            TimelineClient(socket_url(server), cookie(admin)) as other,
        ):
            with rogue.doc.transaction():
                rogue.clips["a"]["startTime"] = 99.0  # a move the core never saw
                rogue.clips["ghost"] = Map({"id": "ghost", "startTime": 0, "duration": 4})
                rogue.view.tracks.append({"id": "v9", "name": "V9"})
                rogue.view.selection["playhead"] = 3.0  # clients may do this
            for client in (rogue, other):
                await client.until(
                    lambda c=client: (
                        start_of(c, "a") == 0.0
                        and c.clip("ghost") is None
                        and len(c.view.tracks) == 2
                        and c.view.read_selection().playhead == 3.0
                    )
                )
        assert server.services.timelines.reverts(PROJECT) >= 1
        timeline = server.services.timelines.get(PROJECT)
        assert (timeline.clip("a").start, timeline.selection.playhead) == (0.0, 3.0)

    run(scenario)


def test_undo_and_redo_over_the_socket_are_per_user(
    server: LiveServer, member: httpx.Client, admin: httpx.Client
) -> None:
    async def scenario() -> None:
        async with (
            TimelineClient(socket_url(server), cookie(member)) as one,
            TimelineClient(socket_url(server), cookie(admin)) as two,
        ):
            await one.command({"op": "add", "clip": clip("a", 0, 2)})
            await two.command({"op": "add", "clip": clip("b", 5, 2)})
            await one.command({"op": "move", "clipId": "a", "startTime": 1.0})
            await one.command({"op": "undo"})
            await two.until(lambda: start_of(two, "a") == 0.0)
            await one.command({"op": "undo"})
            await two.until(lambda: two.clip("a") is None)
            assert two.clip("b") is not None  # the other user's clip stays
            await one.command({"op": "redo"})
            await two.until(lambda: start_of(two, "a") == 0.0)

    run(scenario)
    assert member.post(f"/api/projects/{PROJECT}/timeline/redo").status_code == 200
    assert server.services.timelines.get(PROJECT).clip("a").start == 1.0
    assert member.post(f"/api/projects/{PROJECT}/timeline/redo").json() == {
        "detail": "nothing to redo"
    }


def test_the_socket_refuses_anonymous_and_non_members(
    server: LiveServer, outsider: httpx.Client, anonymous: httpx.Client
) -> None:
    async def scenario() -> None:
        for who in (anonymous, outsider):
            with pytest.raises(InvalidStatus):
                await TimelineClient(socket_url(server), cookie(who)).connect()
        with pytest.raises(InvalidStatus):
            await TimelineClient(socket_url(server, "nope"), cookie(outsider)).connect()

    run(scenario)


def test_python_and_javascript_clients_share_one_project(
    server: LiveServer, member: httpx.Client, admin: httpx.Client
) -> None:
    command(member, op="add", clip=clip("a", 0, 4))
    command(member, op="add", clip=clip("b", 6, 2))
    js = JsAgent(server.ws_url + "/yjs", PROJECT, cookie(admin))
    try:
        synced = js.expect("synced")
        assert synced["clips"]["a"]["startTime"] == 0 and synced["clips"]["b"]["duration"] == 2

        async def scenario() -> None:
            async with (
                TimelineClient(socket_url(server), cookie(member)) as one,
                TimelineClient(socket_url(server), cookie(admin)) as two,
            ):
                # a Python command is seen by the JS client and the other Python client
                js.send(do="wait", tag="py", clipId="a", field="startTime", value=1.5)
                await one.command({"op": "move", "clipId": "a", "startTime": 1.5})
                await asyncio.to_thread(js.expect, "seen", tag="py")
                await two.until(lambda: start_of(two, "a") == 1.5)
                # a JS command is seen by both Python clients; a refused one has the reason
                js.send(do="command", id="j1", command={"op": "move", "clipId": "b", "delta": 1})
                answer = await asyncio.to_thread(js.expect, "answer", id="j1")
                assert answer["ok"] is True
                for client in (one, two):
                    await client.until(lambda c=client: start_of(c, "b") == 7.0)
                js.send(
                    do="command", id="j2", command={"op": "move", "clipId": "b", "startTime": 2}
                )
                refused = await asyncio.to_thread(js.expect, "answer", id="j2")
                reason = "clip 'b' would overlap clip 'a' on track V1"
                assert refused == {"event": "answer", "id": "j2", "ok": False, "error": reason}
                # a JS direct structural write is reverted; its playhead and presence stay
                js.send(do="write", root="clips", key="b", field="startTime", value=50)
                js.send(do="select", playhead=2.0)
                js.send(do="presence", state={"user": "admin", "color": "#fc0"})
                await one.until(lambda: one.view.read_selection().playhead == 2.0)
                await one.until(
                    lambda: any(s.get("user") == "admin" for s in one.awareness.states.values())
                )
                for client in (one, two):
                    await client.until(lambda c=client: start_of(c, "b") == 7.0)
                # a Python undo is seen by the JS client
                js.send(do="wait", tag="undo", clipId="a", field="startTime", value=0)
                await one.command({"op": "undo"})
                await asyncio.to_thread(js.expect, "seen", tag="undo")
                # the JS client drops off, misses an edit, reconnects and catches up
                js.send(do="disconnect")
                await asyncio.to_thread(js.expect, "disconnected")
                await one.command({"op": "move", "clipId": "a", "startTime": 0.5})
                js.send(do="connect")
                await asyncio.to_thread(js.expect, "resynced")
                js.send(do="wait", tag="back", clipId="a", field="startTime", value=0.5)
                await asyncio.to_thread(js.expect, "seen", tag="back")

        run(scenario)
        state = js.state()
        assert state["clips"]["b"]["startTime"] == 7 and state["selection"]["playhead"] == 2
    finally:
        js.close()


def test_a_command_for_another_projects_clip_is_unknown_here(
    server: LiveServer, member: httpx.Client
) -> None:
    server.services.projects.create("p2", "Project two", "member")
    other = member.post("/api/projects/p2/timeline/commands", json={"op": "add",
                        "clip": clip("theirs", 0, 2)})  # fmt: skip
    assert other.status_code == 200
    refused = command(member, op="move", clipId="theirs", startTime=3.0)
    assert (refused.status_code, refused.json()) == (404, {"detail": "no clip with id 'theirs'"})
    assert server.services.timelines.get("p2").clip("theirs").start == 0.0
    assert not server.services.timelines.get(PROJECT).has_clip("theirs")
