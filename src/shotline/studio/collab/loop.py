"""The collab thread: one asyncio loop that owns every project document, its store and rooms.

A Y document and the rooms that broadcast its updates are not safe to touch from two threads at
once (the room's update stream wakes waiters on its own loop), yet edits arrive from HTTP
handlers, socket clients, job followers in worker threads and tests. So everything that touches
a document runs here, and callers on other threads or loops hand work over and wait for it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from anyio.abc import TaskGroup

T = TypeVar("T")
log = logging.getLogger(__name__)
CALL_TIMEOUT = 60.0


class CollabLoop:
    def __init__(self, name: str = "shotline-collab") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._started = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._task_group: TaskGroup | None = None
        self._on_close: list[Callable[[], Awaitable[None]]] = []
        self._failure: BaseException | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._thread is None:  # first use, or first use after a close
                self._started, self._loop, self._failure = threading.Event(), None, None
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            started = self._started
        started.wait()
        if self._loop is None:
            raise RuntimeError(f"the collab loop did not start: {self._failure}")
        return self._loop

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to whoever waits for the start
            self._failure = exc
            log.exception("the collab loop stopped")
        finally:
            self._started.set()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with anyio.create_task_group() as group:
            self._task_group = group
            self._loop = asyncio.get_running_loop()
            self._started.set()
            await self._stop.wait()
            for hook in reversed(self._on_close):
                try:
                    await hook()
                except Exception:
                    log.exception("closing the collab loop")
            group.cancel_scope.cancel()

    def on_close(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook`` on the loop when it closes (flush stores, stop rooms)."""
        self._on_close.append(hook)

    @property
    def task_group(self) -> TaskGroup:
        if self._task_group is None:
            raise RuntimeError("the collab loop is not running")
        return self._task_group

    def close(self, timeout: float = 30.0) -> None:
        with self._lock:
            thread, loop, stop = self._thread, self._loop, self._stop
            self._thread = None
        if thread is None or loop is None or stop is None:
            return
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout)

    # -- handing work over -----------------------------------------------------------------------

    def in_loop(self) -> bool:
        return threading.current_thread() is self._thread

    def call(self, work: Callable[[], Awaitable[T]], timeout: float = CALL_TIMEOUT) -> T:
        """Run ``work`` on the loop from any other thread and wait for its result."""
        if self.in_loop():
            raise RuntimeError("blocking call from the collab loop itself: await the work")
        loop = self.start()
        return asyncio.run_coroutine_threadsafe(_as_coroutine(work), loop).result(timeout)

    async def acall(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` on the loop from any loop (directly when already on it)."""
        if self.in_loop():
            return await work()
        loop = self.start()
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(work), loop)
        return await asyncio.wrap_future(future)


async def _as_coroutine(work: Callable[[], Awaitable[T]]) -> T:
    return await work()
