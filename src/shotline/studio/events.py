"""The project event log: typed events with a per-project monotonic sequence, kept in SQL.

``publish`` takes the project's next sequence number and stores the event in one transaction, so
numbers are gap-free per project and survive restarts, also with several writers (processes or
threads; a conditional UPDATE on the counter row serialises them). WebSocket streams read from
the table; ``publish`` only wakes the streams of this process, and a stream also looks again
every ``poll_seconds`` so events written by another process arrive too.

A reconnecting client sends the last sequence it saw (``?since=``): it first gets the current
state (from the registered state sources, e.g. running jobs), then every event after ``since``.
"""

from __future__ import annotations

import asyncio
import builtins
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from sqlalchemy.engine import Engine

from shotline.db import insert_ignoring_duplicates, metadata

event_counters = sa.Table(
    "studio_event_counters",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
)

events = sa.Table(
    "studio_events",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
)


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class JobEvent(_Event):
    """A generation job changed: status, progress, and on success the clip it filled."""

    type: Literal["job"] = "job"
    job_id: str
    status: str  # shotline.jobs.status.JobStatus value
    progress: float | None = None  # 0..1
    message: str = ""
    cost: Decimal | None = None  # dollars (estimated while running, actual when finished)
    clip_id: str | None = None
    error: str | None = None


class UploadEvent(_Event):
    type: Literal["upload"] = "upload"
    upload_id: str | None = None
    clip_id: str | None = None  # None: an upload from the DAM, on no clip
    status: Literal["converting", "uploading", "ready", "failed"]
    progress: float | None = None
    error: str | None = None


class TimelineSavedEvent(_Event):
    type: Literal["timeline_saved"] = "timeline_saved"
    save_id: str
    name: str
    by: str


class TimelineLoadedEvent(_Event):
    type: Literal["timeline_loaded"] = "timeline_loaded"
    save_id: str
    name: str
    by: str


class FilmRunEvent(_Event):
    type: Literal["film_run"] = "film_run"
    run_id: str
    step: str
    status: str
    log: str | None = None


class ClipEvent(_Event):
    type: Literal["clip"] = "clip"
    clip_id: str
    status: str
    error: str | None = None


class ExportEvent(_Event):
    """An export (MP4 render or interchange file) progressed or finished."""

    type: Literal["export"] = "export"
    export_id: str
    format: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float | None = None
    error: str | None = None


Event = Annotated[
    JobEvent
    | UploadEvent
    | TimelineSavedEvent
    | TimelineLoadedEvent
    | FilmRunEvent
    | ClipEvent
    | ExportEvent,
    Field(discriminator="type"),
]
EVENT: TypeAdapter[Event] = TypeAdapter(Event)


class EventRecord(BaseModel):
    """One published event with its place in the project's sequence."""

    kind: Literal["event"] = "event"
    project: str
    seq: int
    at: datetime
    event: Event


class StreamHello(BaseModel):
    """The first message of an event stream: the current state and the latest sequence."""

    kind: Literal["hello"] = "hello"
    project: str
    seq: int  # the latest sequence number at the time of the snapshot
    since: int  # events after this one follow
    state: dict[str, Any]


StateSource = Callable[[str], Any]  # project -> JSON-able snapshot (pydantic models allowed)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EventLog:
    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = _utc_now,
        poll_seconds: float = 1.0,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._state_sources: dict[str, StateSource] = {}

    # -- writing --------------------------------------------------------------------------------

    def publish(self, project: str, event: Event) -> int:
        """Store ``event`` as the project's next event; returns its sequence number."""
        payload = event.model_dump_json()
        with self.engine.begin() as conn:
            conn.execute(
                insert_ignoring_duplicates(conn.dialect, event_counters).values(
                    project=project, last_seq=0
                )
            )
            seq = conn.execute(
                event_counters.update()
                .where(event_counters.c.project == project)
                .values(last_seq=event_counters.c.last_seq + 1)
                .returning(event_counters.c.last_seq)
            ).scalar_one()
            conn.execute(
                events.insert().values(
                    project=project, seq=seq, at=self.clock(), type=event.type, payload=payload
                )
            )
        self._wake(project)
        return int(seq)

    def forget(self, project: str) -> None:
        """Drop a deleted project's events (its counter too: a new project starts at 1)."""
        with self.engine.begin() as conn:
            conn.execute(events.delete().where(events.c.project == project))
            conn.execute(event_counters.delete().where(event_counters.c.project == project))

    # -- reading --------------------------------------------------------------------------------

    def latest(self, project: str) -> int:
        with self.engine.connect() as conn:
            seq = conn.execute(
                sa.select(event_counters.c.last_seq).where(event_counters.c.project == project)
            ).scalar_one_or_none()
        return int(seq or 0)

    def since(self, project: str, seq: int = 0, limit: int = 1000) -> builtins.list[EventRecord]:
        """The project's events after ``seq``, oldest first (at most ``limit``)."""
        query = (
            sa.select(events)
            .where(events.c.project == project, events.c.seq > seq)
            .order_by(events.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            EventRecord(
                project=row.project,
                seq=row.seq,
                at=row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC),
                event=EVENT.validate_json(row.payload),
            )
            for row in rows
        ]

    # -- current state --------------------------------------------------------------------------

    def add_state_source(self, name: str, source: StateSource) -> None:
        """Register what a (re)connecting client gets first under ``state[name]``."""
        if name in self._state_sources:
            raise ValueError(f"state source {name!r} is already registered")
        self._state_sources[name] = source

    def state(self, project: str) -> dict[str, Any]:
        return {name: source(project) for name, source in self._state_sources.items()}

    def hello(self, project: str, since: int | None) -> StreamHello:
        latest = self.latest(project)
        start = latest if since is None else max(0, since)
        return StreamHello(project=project, seq=latest, since=start, state=self.state(project))

    # -- waking streams -------------------------------------------------------------------------

    def waiter(self, project: str) -> _Waiter:
        """Register before reading, then ``await waiter.wait()``: no publish is missed between
        the read and the wait."""
        return _Waiter(self, project)

    def _add(self, project: str, item: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters.setdefault(project, set()).add(item)

    def _remove(self, project: str, item: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            waiting = self._waiters.get(project)
            if waiting is not None:
                waiting.discard(item)
                if not waiting:
                    del self._waiters[project]

    def _wake(self, project: str) -> None:
        with self._lock:
            waiting = builtins.list(self._waiters.get(project, ()))
        for loop, flag in waiting:
            try:
                loop.call_soon_threadsafe(flag.set)
            except RuntimeError:  # that loop is closed: its stream is gone
                self._remove(project, (loop, flag))


class _Waiter:
    def __init__(self, log: EventLog, project: str) -> None:
        self.log = log
        self.project = project
        self.item = (asyncio.get_running_loop(), asyncio.Event())
        log._add(project, self.item)

    async def wait(self) -> None:
        """Until a publish in this process, or ``poll_seconds`` (another process may publish)."""
        try:
            await asyncio.wait_for(self.item[1].wait(), self.log.poll_seconds)
        except TimeoutError:
            pass
        finally:
            self.close()

    def close(self) -> None:
        self.log._remove(self.project, self.item)
