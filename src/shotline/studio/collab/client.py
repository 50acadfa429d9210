"""A Python client of a project's live timeline (automation, tests, the propagation bench).

Speaks what the browser's y-websocket speaks: sync and awareness, plus the command messages of
``protocol``. ``async with TimelineClient(url, cookie) as client:`` connects and waits for the
first sync; ``client.doc`` is the synced document, ``await client.command({...})`` sends an edit
and returns the server's answer, and ``await client.until(check)`` waits for a state.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

from pycrdt import (
    Awareness,
    Doc,
    Map,
    TransactionEvent,
    YMessageType,
    YSyncMessageType,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    read_message,
)
from websockets.asyncio.client import ClientConnection, connect

from shotline.studio.collab import protocol
from shotline.studio.collab.ydoc import TimelineDoc

CLIENT_ORIGIN = "client-local"


class CommandRefused(Exception):
    """The server refused a command; the message is its reason."""


class TimelineClient:
    def __init__(self, url: str, cookie: str | None = None, *, timeout: float = 10.0) -> None:
        self.url = url
        self.cookie = cookie
        self.timeout = timeout
        self.doc: Doc[Any] = Doc()
        self.view = TimelineDoc(self.doc)
        self.awareness = Awareness(self.doc)
        self.synced = asyncio.Event()
        self._changed = asyncio.Event()
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._answers: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._applying = 0  # > 0 while a server message is applied: those updates stay here
        self._sending: set[asyncio.Future[None]] = set()
        self.doc.observe(self._on_local_update)

    async def __aenter__(self) -> TimelineClient:
        await self.connect()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        headers = {"Cookie": self.cookie} if self.cookie else None
        self._socket = await connect(self.url, additional_headers=headers, max_size=None)
        self.synced.clear()
        self._reader = asyncio.create_task(self._read())
        await self._socket.send(create_sync_message(self.doc))
        await asyncio.wait_for(self.synced.wait(), self.timeout)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            self._reader = None
        if self._socket is not None:
            await self._socket.close()
            self._socket = None

    @property
    def clips(self) -> Map[Any]:
        return self.view.clips

    def clip(self, clip_id: str) -> dict[str, Any] | None:
        return self.view.clip_fields(clip_id)

    # -- sending ---------------------------------------------------------------------------------

    async def command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Send one command (``{"op": "move", ...}`` or ``{"op": "undo"}``); the server's answer,
        or ``CommandRefused`` with its reason."""
        if self._socket is None:
            raise RuntimeError("not connected")
        request_id = f"r{next(self._ids)}"
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[request_id] = answer
        await self._socket.send(protocol.encode({"id": request_id, **command}))
        try:
            result = await asyncio.wait_for(answer, self.timeout)
        finally:
            self._answers.pop(request_id, None)
        if not result.get("ok"):
            raise CommandRefused(str(result.get("error")))
        return result

    def set_presence(self, state: dict[str, Any]) -> None:
        self.awareness.set_local_state(state)
        update = self.awareness.encode_awareness_update([self.doc.client_id])
        if self._socket is not None:
            self._spawn(self._socket.send(create_awareness_message(update)))

    def _on_local_update(self, event: TransactionEvent) -> None:
        # Only what this client writes itself goes out (what the server sent is already there).
        if self._socket is not None and self._applying == 0:
            self._spawn(self._socket.send(create_update_message(event.update)))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    # -- receiving -------------------------------------------------------------------------------

    async def _read(self) -> None:
        assert self._socket is not None
        async for message in self._socket:
            if not isinstance(message, bytes) or not message:
                continue
            if message[0] == YMessageType.SYNC:
                self._applying += 1
                try:
                    reply = handle_sync_message(message[1:], self.doc)
                finally:
                    self._applying -= 1
                if message[1] == YSyncMessageType.SYNC_STEP2:
                    self.synced.set()
                if reply is not None:
                    await self._socket.send(reply)
                self._changed.set()
            elif message[0] == YMessageType.AWARENESS:
                self.awareness.apply_awareness_update(read_message(message[1:]), "remote")
                self._changed.set()
            elif protocol.is_command(message):
                answer = protocol.decode(message)
                waiting = self._answers.get(str(answer.get("id")))
                if waiting is not None and not waiting.done():
                    waiting.set_result(answer)

    async def until(self, check: Callable[[], bool], timeout: float | None = None) -> None:
        """Wait until ``check()`` holds for the synced document (or time out)."""

        async def wait() -> None:
            while not check():
                self._changed.clear()
                if check():
                    return
                await self._changed.wait()

        await asyncio.wait_for(wait(), self.timeout if timeout is None else timeout)
