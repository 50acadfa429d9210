"""The Yjs socket: pycrdt-websocket rooms on the collab loop, client sockets on the server's loop.

Each project's room borrows the project's live document (``ProjectTimeline.doc``) instead of
making its own, so that the document outlives the room: pycrdt-websocket drops a room when its
last client leaves (``auto_clean_rooms``), and the next client gets a new room over the same
document. Rooms have no store of their own: the project persists every update itself.

A client socket belongs to the web server's event loop while the rooms live on the collab loop,
so a ``BridgeChannel`` carries frames across: incoming frames are queued to the collab loop,
outgoing ones to the web server's loop, each in order. Command messages (``protocol``) are
answered here, with the user the socket was opened by.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
from pycrdt import create_update_message
from pycrdt.websocket import WebsocketServer, YRoom
from pycrdt.websocket.websocket_server import exception_logger
from pydantic import ValidationError

from shotline.studio.collab import protocol
from shotline.studio.collab.commands import COMMAND
from shotline.timeline import TimelineError

if TYPE_CHECKING:
    from shotline.studio.collab.service import TimelineService

log = logging.getLogger(__name__)
ROOM_PREFIX = "/yjs/"


def project_of(room: str) -> str:
    return room.removeprefix(ROOM_PREFIX).strip("/")


class CollabRoom(YRoom):
    """A room whose broadcast hands each update to bridged clients directly.

    pycrdt-websocket starts one task per client per update to send it; a ``BridgeChannel`` only
    queues the frame for another loop, so a task each is pure overhead with 50 clients. (This
    overrides a private method of pycrdt-websocket 0.16, pinned below 0.17 in pyproject.)
    """

    async def _broadcast_updates(self) -> None:
        group = self._task_group
        assert group is not None
        async with self._update_receive_stream:
            async for update in self._update_receive_stream:
                if group.cancel_scope.cancel_called:
                    return
                if self.clients:
                    message = create_update_message(update)
                    for client in list(self.clients):
                        if isinstance(client, BridgeChannel):
                            client.push(message)
                        else:
                            group.start_soon(client.send, message)


class Rooms(WebsocketServer):
    """pycrdt-websocket's server, giving each room its project's live document."""

    def __init__(self, service: TimelineService) -> None:
        super().__init__(rooms_ready=True, auto_clean_rooms=True,
                         exception_handler=exception_logger, log=log)  # fmt: skip
        self.service = service

    async def get_room(self, name: str) -> YRoom:
        if name not in self.rooms:
            live = await self.service.open(project_of(name))
            if name not in self.rooms:  # another client may have made it meanwhile
                self.rooms[name] = CollabRoom(ready=True, ydoc=live.doc,
                                         exception_handler=exception_logger, log=log)  # fmt: skip
        room = self.rooms[name]
        await self.start_room(room)
        return room

    async def close(self) -> None:
        if self.running:
            await self.stop()


class BridgeChannel:
    """A client socket as a pycrdt ``Channel`` on the collab loop."""

    def __init__(
        self,
        path: str,
        user: str,
        service: TimelineService,
        send: Callable[[bytes], None],
    ) -> None:
        self._path = path
        self.user = user
        self.project = project_of(path)
        self.service = service
        self._send = send
        self._inbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._collab = service.loop.start()

    @property
    def path(self) -> str:
        return self._path

    def feed(self, message: bytes | None) -> None:
        """From the web server's loop: a frame from the client (None: it went away)."""
        self._collab.call_soon_threadsafe(self._inbox.put_nowait, message)

    def __aiter__(self) -> BridgeChannel:
        return self

    async def __anext__(self) -> bytes:
        return await self.recv()

    async def send(self, message: bytes) -> None:
        self._send(message)

    def push(self, message: bytes) -> None:
        """``send`` without awaiting (it never waits: the frame is queued for the other loop)."""
        self._send(message)

    async def recv(self) -> bytes:
        while True:
            message = await self._inbox.get()
            if message is None:
                raise StopAsyncIteration
            if not protocol.is_command(message):
                return message
            await self.send(protocol.encode(await self._answer(message)))

    async def _answer(self, message: bytes) -> dict[str, Any]:
        request: Any = None
        try:
            request = protocol.decode(message)
            if not isinstance(request, dict):
                raise ValueError("a command is a JSON object")
            body = {k: v for k, v in request.items() if k != "id"}
            op = body.get("op")
            if op in ("undo", "redo"):
                await self.service.step(self.project, self.user, redo=op == "redo")
            else:
                command = COMMAND.validate_python(body)
                await self.service.apply_command(self.project, self.user, command)
            revision = (await self.service.open(self.project)).revision
            return {"id": _request_id(request), "ok": True, "revision": revision}
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "command"
            reason = f"{where}: {first.get('msg', 'invalid')}"
            return {"id": _request_id(request), "ok": False, "error": reason}
        except (TimelineError, ValueError, UnicodeDecodeError) as exc:
            return {"id": _request_id(request), "ok": False, "error": str(exc)}


class Courier:
    """Carries frames from the collab loop to one web-server loop: one wake-up per burst.

    An update for 50 clients is 50 frames; waking the other loop once for all of them instead of
    once each (``call_soon_threadsafe`` writes to its self-pipe every time) saves most of the cost.
    """

    _by_loop: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Courier]] = (
        weakref.WeakKeyDictionary()
    )
    _made: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._lock = threading.Lock()
        self._items: list[tuple[asyncio.Queue[bytes], bytes]] = []
        self._scheduled = False

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> Courier:
        with cls._made:
            courier = cls._by_loop.get(loop)
            if courier is None:
                courier = cls._by_loop[loop] = cls(loop)
            return courier

    def post(self, queue: asyncio.Queue[bytes], message: bytes) -> None:
        with self._lock:
            self._items.append((queue, message))
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self.loop.call_soon_threadsafe(self._deliver)
        except RuntimeError:  # that loop is closed: its sockets are gone
            with self._lock:
                self._items.clear()
                self._scheduled = False

    def _deliver(self) -> None:
        with self._lock:
            items, self._items = self._items, []
            self._scheduled = False
        for queue, message in items:
            queue.put_nowait(message)


def _request_id(request: Any) -> Any:
    value = request.get("id") if isinstance(request, dict) else None
    return value if isinstance(value, str | int) else None


async def serve_socket(
    service: TimelineService,
    path: str,
    user: str,
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send_bytes: Callable[[bytes], Awaitable[None]],
) -> None:
    """Serve one accepted client socket (on the web server's loop) until either side ends."""
    courier = Courier.of(asyncio.get_running_loop())
    outbox: asyncio.Queue[bytes] = asyncio.Queue()

    def to_client(message: bytes) -> None:  # called on the collab loop
        courier.post(outbox, message)

    channel = BridgeChannel(path, user, service, to_client)

    async def pump_out() -> None:
        while True:
            await send_bytes(await outbox.get())

    async def pump_in() -> None:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes")
            if data:
                channel.feed(data)

    serving = asyncio.ensure_future(service.loop.acall(lambda: service.serve_channel(channel)))
    incoming = asyncio.ensure_future(pump_in())
    outgoing = asyncio.ensure_future(pump_out())
    try:
        await asyncio.wait({serving, incoming, outgoing}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        channel.feed(None)
        for task in (incoming, outgoing):
            task.cancel()
        with anyio.move_on_after(5):
            await asyncio.wait({serving})
        if not serving.done():
            serving.cancel()
