"""The project's event stream: a WebSocket that sends the current state, then every event after
``?since=``; and the same log over HTTP for polling clients (which also puts the typed event
models in the OpenAPI description)."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from shotline.studio.deps import Member, Services, get_services, member_of, user_from_scope
from shotline.studio.events import EventRecord, StreamHello

router = APIRouter(prefix="/api/projects/{project}", tags=["events"])

BATCH = 500


@router.get("/events/log")
def event_log(
    access: Member,
    services: Services,
    since: int = Query(0, ge=0, description="events after this sequence number"),
    limit: int = Query(BATCH, ge=1, le=BATCH),
) -> list[EventRecord]:
    return services.events.since(access.project, since, limit)


@router.get("/events/state")
def event_state(access: Member, services: Services) -> StreamHello:
    """What a (re)connecting stream gets first: the current state and the latest sequence."""
    return services.events.hello(access.project, None)


@router.websocket("/events")
async def event_stream(websocket: WebSocket, project: str, since: int | None = None) -> None:
    services = get_services(websocket)
    user = await run_in_threadpool(user_from_scope, services, websocket.scope)
    allowed = user is not None and await run_in_threadpool(member_of, services, user, project)
    if not allowed:
        await websocket.close(code=1008)  # before accept: the handshake gets HTTP 403
        return
    await websocket.accept()
    log = services.events
    # Listen for the client going away while we wait for events.
    gone = asyncio.ensure_future(_until_disconnect(websocket))
    waiter = log.waiter(project)
    try:
        hello = await run_in_threadpool(log.hello, project, since)
        await websocket.send_text(hello.model_dump_json())
        last = hello.since
        while True:
            records = await run_in_threadpool(log.since, project, last, BATCH)
            for record in records:
                await websocket.send_text(record.model_dump_json())
                last = record.seq
            if len(records) == BATCH:
                continue
            waiting = asyncio.ensure_future(waiter.wait())
            done, _ = await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
            if gone in done:
                waiting.cancel()
                break
            waiter = log.waiter(project)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left mid-send
    finally:
        waiter.close()
        gone.cancel()
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close()  # already closed when the client left first


async def _until_disconnect(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
