"""Our own record of every generation job, beside DBOS's workflow tables.

DBOS knows workflows; the studio needs jobs: who asked, what it cost, which asset came out, why it
failed. The ``jobs`` row is written before anything runs (prompt and parameters included, so a
retry can rebuild the request), and ``job_events`` is an append-only log other processes (the web
server) follow by ``id``. In-process listeners get the same events through ``subscribe``.
"""

from __future__ import annotations

import builtins
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shotline.assets.catalog import Money
from shotline.db import metadata
from shotline.jobs.status import (
    ALLOWED,
    FINISHED,
    AmbiguousJob,
    JobEvent,
    JobNotFound,
    JobStatus,
    check_transition,
)

log = logging.getLogger(__name__)

_ID_CHARS = re.compile(r"[0-9a-f-]+")  # job ids are UUIDs

jobs_table = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("provider", sa.String(255), nullable=False),
    sa.Column("model", sa.String(255), nullable=False),
    sa.Column("user", sa.String(255), nullable=False),
    sa.Column("prompt", sa.Text),
    sa.Column("params", sa.JSON, nullable=False),  # request_params of the conformed request
    sa.Column("cache_key", sa.String(64), nullable=False),
    sa.Column("queue", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Float, nullable=False, default=0.0),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("priority", sa.Integer, nullable=False, default=0),
    sa.Column("estimated_cost", Money),
    sa.Column("actual_cost", Money),
    sa.Column("frames", sa.Integer, nullable=False, default=0),  # credits reserved
    sa.Column("external_id", sa.String(255)),  # the provider's request id, saved before polling
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("error_type", sa.String(64)),
    sa.Column("error_message", sa.Text),
    sa.Column("result_asset", sa.String(64)),
    sa.Column("retried_from", sa.String(36)),
    sa.Column("cache_hit", sa.Boolean, nullable=False, default=False),
    sa.Column("workflow_id", sa.String(64)),
    sa.Index("ix_jobs_cache_key_status", "cache_key", "status"),
    sa.Index("ix_jobs_user_created", "user", "created_at"),
    sa.Index("ix_jobs_status", "status"),
)

job_events_table = sa.Table(
    "job_events",
    metadata,
    # A global, increasing id lets a follower ask for "everything after the last one I saw".
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("job_id", sa.String(36), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("previous", sa.String(16)),
    sa.Column("progress", sa.Float, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("job_id", "seq", name="uq_job_events_job_seq"),
)


# The statements of the hot path (every job runs them), built once: building a statement and
# its cache key costs more CPU than compiling it, which SQLAlchemy caches anyway. The SET clause
# of ``_UPDATE_IF_STATUS`` is the keys of the parameters it is executed with.
_UPDATE_IF_STATUS = (
    jobs_table.update()
    .where(
        jobs_table.c.id == sa.bindparam("row_id"),
        jobs_table.c.status == sa.bindparam("row_status"),
    )
    .returning(*jobs_table.c)
)
# One statement: the next seq is computed inside the INSERT and handed back by RETURNING.
_APPEND_EVENT = (
    job_events_table.insert()
    .values(
        seq=sa.select(sa.func.coalesce(sa.func.max(job_events_table.c.seq), 0) + 1)
        .where(job_events_table.c.job_id == sa.bindparam("event_job"))
        .scalar_subquery()
    )
    .returning(job_events_table.c.seq)
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone; we store UTC only
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class JobRecord:
    id: str
    kind: str
    provider: str
    model: str
    user: str
    prompt: str | None
    params: Mapping[str, Any]
    cache_key: str
    queue: str
    status: JobStatus
    progress: float
    message: str
    priority: int
    estimated_cost: Decimal | None
    actual_cost: Decimal | None
    frames: int
    external_id: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error_type: str | None
    error_message: str | None
    result_asset: str | None
    retried_from: str | None
    cache_hit: bool
    workflow_id: str | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def as_json(self) -> dict[str, Any]:
        """The record as JSON-ready data for scripts (``jobs show --json``): money as exact
        decimal strings, times as ISO 8601 in UTC."""
        data: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, JobStatus):
                value = value.value
            elif isinstance(value, Mapping):
                value = dict(value)
            data[name] = value
        return data


def _record(row: Mapping[Any, Any]) -> JobRecord:
    created = _aware(row["created_at"])
    assert created is not None  # NOT NULL column
    return JobRecord(
        id=row["id"],
        kind=row["kind"],
        provider=row["provider"],
        model=row["model"],
        user=row["user"],
        prompt=row["prompt"],
        params=row["params"],
        cache_key=row["cache_key"],
        queue=row["queue"],
        status=JobStatus(row["status"]),
        progress=row["progress"],
        message=row["message"],
        priority=row["priority"],
        estimated_cost=row["estimated_cost"],
        actual_cost=row["actual_cost"],
        frames=row["frames"],
        external_id=row["external_id"],
        created_at=created,
        started_at=_aware(row["started_at"]),
        finished_at=_aware(row["finished_at"]),
        error_type=row["error_type"],
        error_message=row["error_message"],
        result_asset=row["result_asset"],
        retried_from=row["retried_from"],
        cache_hit=bool(row["cache_hit"]),
        workflow_id=row["workflow_id"],
    )


def _event(row: Mapping[Any, Any]) -> JobEvent:
    at = _aware(row["at"])
    assert at is not None
    previous = row["previous"]
    return JobEvent(
        job_id=row["job_id"],
        seq=row["seq"],
        status=JobStatus(row["status"]),
        previous=None if previous is None else JobStatus(previous),
        progress=row["progress"],
        message=row["message"],
        at=at,
    )


Listener = Callable[[JobEvent], None]


class JobStore:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    # -- listeners ------------------------------------------------------------------------------

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback`` with every event this process writes; returns the unsubscriber."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def _emit(self, event: JobEvent) -> None:
        with self._lock:
            listeners = builtins.list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a broken listener must not fail the job that emitted
                log.exception("job event listener %r failed", listener)

    # -- writes ---------------------------------------------------------------------------------

    def create(
        self,
        *,
        kind: str,
        provider: str,
        model: str,
        user: str,
        prompt: str | None,
        params: Mapping[str, Any],
        cache_key: str,
        queue: str,
        priority: int = 0,
        estimated_cost: Decimal | None = None,
        frames: int = 0,
        message: str = "",
        retried_from: str | None = None,
        job_id: str | None = None,
    ) -> JobRecord:
        job_id = job_id or str(uuid.uuid4())
        now = self.clock()
        row = {
            "id": job_id,
            "kind": kind,
            "provider": provider,
            "model": model,
            "user": user,
            "prompt": prompt,
            "params": dict(params),
            "cache_key": cache_key,
            "queue": queue,
            "status": JobStatus.QUEUED.value,
            "progress": 0.0,
            "message": message,
            "priority": priority,
            "estimated_cost": estimated_cost,
            "actual_cost": None,
            "frames": frames,
            "created_at": now,
            "retried_from": retried_from,
            "cache_hit": False,
            "workflow_id": job_id,  # one workflow per job: a retry is a new job
        }
        with self.engine.begin() as conn:
            conn.execute(jobs_table.insert().values(**row))
            event = self._append(conn, job_id, JobStatus.QUEUED, None, 0.0, message, now)
        self._emit(event)
        return self.get(job_id)

    def transition(
        self,
        job_id: str,
        status: JobStatus,
        *,
        expect: JobStatus | None = None,
        message: str | None = None,
        error_type: str | None = None,
        error_message: str | None = None,
        result_asset: str | None = None,
        actual_cost: Decimal | None = None,
        cache_hit: bool | None = None,
        frames: int | None = None,
    ) -> JobRecord:
        """The one way a job changes status: validate, write the row and its event, then emit.

        Raises ``IllegalTransition`` for a move the state machine forbids (finished is final).
        The update is conditional on the status it moves from, so two writers racing to finish
        the same job cannot both win: the loser re-reads and is refused. ``expect`` is the
        status the caller believes the job is in: the update is then tried first without
        reading the row (one statement instead of two), falling back to the read if it was not.
        """
        values: dict[str, Any] = {
            k: v
            for k, v in {
                "error_type": error_type,
                "error_message": error_message,
                "result_asset": result_asset,
                "actual_cost": actual_cost,
                "cache_hit": cache_hit,
                "frames": frames,
                "message": message,
            }.items()
            if v is not None
        }
        values["status"] = status.value
        if status is JobStatus.SUCCEEDED:
            values["progress"] = 1.0
        while True:
            now = self.clock()
            if status is JobStatus.RUNNING:
                values["started_at"] = now
            if status in FINISHED:
                values["finished_at"] = now
            with self.engine.begin() as conn:
                if expect is not None and status in ALLOWED[expect]:
                    row = conn.execute(
                        _UPDATE_IF_STATUS,
                        {"row_id": job_id, "row_status": expect.value, **values},
                    ).one_or_none()
                    if row is not None:  # it was as expected: the row as written came back
                        event = self._append(
                            conn, job_id, status, expect, row.progress, row.message, now
                        )
                        record = _record(row._mapping)
                        break
                    expect = None  # it was not: read it, and check the move against that
                found = conn.execute(
                    sa.select(jobs_table).where(jobs_table.c.id == job_id)
                ).one_or_none()  # fmt: skip
                if found is None:
                    raise JobNotFound(job_id)
                current = JobStatus(found.status)
                check_transition(job_id, current, status)
                done = conn.execute(
                    jobs_table.update()
                    .where(jobs_table.c.id == job_id, jobs_table.c.status == current.value)
                    .values(**values)
                )
                if done.rowcount != 1:
                    continue  # another writer moved it first: re-read and re-check
                merged = {**found._mapping, **values}
                event = self._append(
                    conn, job_id, status, current, merged["progress"], merged["message"], now
                )
                # The row as just written (read and updated in one transaction): no re-read.
                record = _record(merged)
                break
        self._emit(event)
        return record

    def set_progress(self, job_id: str, fraction: float, message: str = "") -> JobEvent | None:
        """Record progress of a running job; ignored (None) once it is no longer running."""
        fraction = min(1.0, max(0.0, fraction))
        now = self.clock()
        with self.engine.begin() as conn:
            done = conn.execute(
                jobs_table.update()
                .where(jobs_table.c.id == job_id, jobs_table.c.status == JobStatus.RUNNING.value)
                .values(progress=fraction, message=message)
            )
            if done.rowcount != 1:
                return None
            running = JobStatus.RUNNING
            event = self._append(conn, job_id, running, running, fraction, message, now)
        self._emit(event)
        return event

    def set_external_id(self, job_id: str, external_id: str) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                jobs_table.update().where(jobs_table.c.id == job_id).values(external_id=external_id)
            )
        if done.rowcount != 1:
            raise JobNotFound(job_id)

    def _append(
        self,
        conn: Connection,
        job_id: str,
        status: JobStatus,
        previous: JobStatus | None,
        progress: float,
        message: str,
        at: datetime,
    ) -> JobEvent:
        # Callers hold the job row (just inserted or updated), so seq cannot race.
        seq = conn.execute(
            _APPEND_EVENT,
            {
                "job_id": job_id,
                "event_job": job_id,
                "status": status.value,
                "previous": None if previous is None else previous.value,
                "progress": progress,
                "message": message,
                "at": at,
            },
        ).scalar_one()
        return JobEvent(job_id, int(seq), status, previous, progress, message, at)

    # -- reads ----------------------------------------------------------------------------------

    def get(self, job_id: str) -> JobRecord:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(jobs_table).where(jobs_table.c.id == job_id)).one_or_none()
        if row is None:
            raise JobNotFound(job_id)
        return _record(row._mapping)

    def resolve(self, ref: str) -> str:
        """The id of the one job whose id is ``ref`` or starts with it (what ``jobs list``
        prints can be shortened to any unique prefix). Raises ``JobNotFound`` or
        ``AmbiguousJob``."""
        ref = ref.strip().lower()
        if not ref or not _ID_CHARS.fullmatch(ref):
            raise JobNotFound(ref)
        query = (
            sa.select(jobs_table.c.id)
            .where(jobs_table.c.id.startswith(ref, autoescape=True))
            .order_by(jobs_table.c.id)
            .limit(10)
        )
        with self.engine.connect() as conn:
            found = builtins.list(conn.execute(query).scalars())
        if ref in found:
            return ref
        if not found:
            raise JobNotFound(ref)
        if len(found) > 1:
            raise AmbiguousJob(ref, found)
        return str(found[0])

    def list(
        self,
        user: str | None = None,
        status: JobStatus | Iterable[JobStatus] | None = None,
        limit: int = 100,
    ) -> builtins.list[JobRecord]:
        """Newest first."""
        query = sa.select(jobs_table)
        if user is not None:
            query = query.where(jobs_table.c.user == user)
        if status is not None:
            wanted = [status] if isinstance(status, JobStatus) else builtins.list(status)
            query = query.where(jobs_table.c.status.in_([s.value for s in wanted]))
        query = query.order_by(jobs_table.c.created_at.desc(), jobs_table.c.id).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_record(r._mapping) for r in rows]

    def find_cached(self, cache_key: str) -> JobRecord | None:
        """The newest succeeded job with this cache key that produced an asset."""
        query = (
            sa.select(jobs_table)
            .where(
                jobs_table.c.cache_key == cache_key,
                jobs_table.c.status == JobStatus.SUCCEEDED.value,
                jobs_table.c.result_asset.is_not(None),
            )
            .order_by(jobs_table.c.finished_at.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _record(row._mapping)

    def find_by_key(
        self,
        cache_key: str,
        statuses: Iterable[JobStatus],
        *,
        error_types: Iterable[str] | None = None,
    ) -> str | None:
        """The oldest job with this cache key in one of ``statuses`` (and, when given, failed with
        one of ``error_types``): a pipeline adopts a live job instead of submitting again, and
        does not re-send a request a provider refused for good."""
        query = sa.select(jobs_table.c.id).where(
            jobs_table.c.cache_key == cache_key,
            jobs_table.c.status.in_([s.value for s in statuses]),
        )
        if error_types is not None:
            query = query.where(jobs_table.c.error_type.in_(list(error_types)))
        with self.engine.connect() as conn:
            return conn.execute(query.order_by(jobs_table.c.created_at).limit(1)).scalar()

    def events(self, job_id: str) -> builtins.list[JobEvent]:
        """One job's events, in order."""
        query = (
            sa.select(job_events_table)
            .where(job_events_table.c.job_id == job_id)
            .order_by(job_events_table.c.seq)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_event(r._mapping) for r in rows]

    def follow(self, after: int = 0, limit: int = 1000) -> builtins.list[tuple[int, JobEvent]]:
        """Every job's events written after row ``after``, as (row id, event): a follower in
        another process passes back the last id it saw."""
        query = (
            sa.select(job_events_table)
            .where(job_events_table.c.id > after)
            .order_by(job_events_table.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [(int(r.id), _event(r._mapping)) for r in rows]

    def last_event_id(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(sa.func.max(job_events_table.c.id))).scalar()
        return int(value or 0)
