"""The live timeline: read it, send edit commands, undo/redo, set the shared selection (HTTP),
and the Yjs socket ``/yjs/{project}`` the browser's y-websocket (and Python clients) sync with.

A refused command answers with the core's reason (404 unknown clip, 409 overlap, 422 other rule)
and changes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shotline.studio.collab.commands import Command
from shotline.studio.collab.socket import ROOM_PREFIX, serve_socket
from shotline.studio.deps import Member, Services, get_services, member_of, user_from_scope
from shotline.studio.schemas import Body, Detail
from shotline.timeline import Timeline
from shotline.timeline.snapshot import to_dict

router = APIRouter(tags=["timeline"])
REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"model": Detail, "description": "unknown clip"},
    409: {"model": Detail, "description": "the edit would overlap another clip"},
    422: {"model": Detail, "description": "the edit breaks another timeline rule"},
}


class TimelineState(BaseModel):
    revision: int = Field(description="bumped by every structural write")
    timeline: dict[str, Any] = Field(description="the timeline in the seed's JSON save format")


class SelectionBody(Body):
    inPoint: float | None = Field(None, ge=0)
    outPoint: float | None = Field(None, ge=0)
    playhead: float | None = Field(None, ge=0)
    clear: bool = Field(False, description="drop in and out before setting what is given")


async def _state(services: Services, project: str, timeline: Timeline) -> TimelineState:
    revision = await services.timelines.arevision(project)
    return TimelineState(revision=revision, timeline=to_dict(timeline))


@router.get("/api/projects/{project}/timeline")
async def get_timeline(access: Member, services: Services) -> TimelineState:
    """The live timeline as every connected client sees it."""
    return await _state(services, access.project, await services.timelines.aget(access.project))


@router.post("/api/projects/{project}/timeline/commands", responses=REFUSALS)
async def post_command(command: Command, access: Member, services: Services) -> TimelineState:
    """Apply one edit command (add, move, moveToTrack, trim, split, delete, link, unlink,
    addTrack, removeTrack) for everyone; it enters your undo history."""
    timeline = await services.timelines.acommand(access.project, access.user.name, command)
    return await _state(services, access.project, timeline)


@router.post("/api/projects/{project}/timeline/undo", responses=REFUSALS)
async def undo(access: Member, services: Services) -> TimelineState:
    """Undo your last command (refused when someone changed what it touched since)."""
    timeline = await services.timelines.aundo(access.project, access.user.name)
    return await _state(services, access.project, timeline)


@router.post("/api/projects/{project}/timeline/redo", responses=REFUSALS)
async def redo(access: Member, services: Services) -> TimelineState:
    timeline = await services.timelines.aredo(access.project, access.user.name)
    return await _state(services, access.project, timeline)


@router.put("/api/projects/{project}/timeline/selection", responses=REFUSALS)
async def put_selection(body: SelectionBody, access: Member, services: Services) -> TimelineState:
    """Set the shared in/out points and playhead (values not given are kept)."""
    timeline = await services.timelines.aselect(
        access.project,
        in_point=body.inPoint,
        out_point=body.outPoint,
        playhead=body.playhead,
        clear=body.clear,
    )
    return await _state(services, access.project, timeline)


@router.websocket(ROOM_PREFIX + "{project}")
async def timeline_socket(websocket: WebSocket, project: str) -> None:
    """The project's Yjs document (y-websocket protocol, plus command messages)."""
    services = get_services(websocket)
    user = await run_in_threadpool(user_from_scope, services, websocket.scope)
    allowed = user is not None and await run_in_threadpool(member_of, services, user, project)
    if user is None or not allowed:
        await websocket.close(code=1008)  # before accept: the handshake gets HTTP 403
        return
    await websocket.accept()
    await serve_socket(
        services.timelines, ROOM_PREFIX + project, user.name, websocket.receive,
        websocket.send_bytes,
    )  # fmt: skip
