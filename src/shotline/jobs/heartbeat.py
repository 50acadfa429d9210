"""Worker liveness, so the work of a dead worker is picked up by a live one.

Each worker process has a unique DBOS executor id, and DBOS recovers at launch only the pending
workflows of its own id. Each worker therefore stamps a ``job_workers`` row every second; any
worker that finds a peer dead hands that peer's pending workflows back to their queues (DBOS's
recovery is idempotent: two workers doing it at once re-enqueue each workflow once).

A peer is dead when its stamp is older than ``stale_after_seconds``, or when it said so itself
on a clean shutdown. The stamp alone decides: a process id says nothing across containers that
share a host name (each has its own pid 1), so a pid check would declare live peers dead and
run their work twice. The row also lists the queues the worker serves, so a wait can say
whether anyone will ever take a queued job.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shotline.db import metadata
from shotline.jobs.records import utc_now
from shotline.jobs.runtime import recover_workflows_of

log = logging.getLogger(__name__)

workers_table = sa.Table(
    "job_workers",
    metadata,
    sa.Column("executor_id", sa.String(255), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
)

# The queues each worker takes jobs from (a table of its own: ``create_tables`` adds tables, it
# does not alter existing ones).
worker_queues_table = sa.Table(
    "job_worker_queues",
    metadata,
    sa.Column("executor_id", sa.String(255), primary_key=True),
    sa.Column("queue", sa.String(64), primary_key=True),
)


class Heartbeat:
    def __init__(
        self,
        engine: Engine,
        executor_id: str,
        *,
        interval: float = 1.0,
        stale_after: float = 15.0,
        recover: Callable[[list[str]], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
        queues: Iterable[str] = (),
    ) -> None:
        self.engine = engine
        self.executor_id = executor_id
        self.interval = interval
        self.stale_after = stale_after
        self.recover = recover or recover_workflows_of
        self.clock = clock
        self.queues = sorted(set(queues))
        self.host = socket.gethostname()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                workers_table.insert().values(
                    executor_id=self.executor_id, host=self.host, pid=os.getpid(),
                    started_at=now, seen_at=now,
                )
            )  # fmt: skip
            if self.queues:
                conn.execute(
                    worker_queues_table.insert(),
                    [{"executor_id": self.executor_id, "queue": q} for q in self.queues],
                )

    def beat(self) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                workers_table.update()
                .where(workers_table.c.executor_id == self.executor_id)
                .values(seen_at=self.clock())
            )
        if done.rowcount == 0:  # a peer declared us dead (we were silent too long): say so
            log.error(
                "worker %s was declared dead by a peer (no heartbeat for %.0f s); its pending "
                "work was handed to others",
                self.executor_id,
                self.stale_after,
            )
            self.register()

    def dead_peers(self) -> list[str]:
        """Peers whose last stamp is older than ``stale_after`` (the stamp alone decides)."""
        limit = self.clock() - timedelta(seconds=self.stale_after)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(workers_table.c.executor_id, workers_table.c.seen_at).where(
                    workers_table.c.executor_id != self.executor_id
                )
            ).all()
        return [row.executor_id for row in rows if _aware(row.seen_at) < limit]

    def sweep(self) -> list[str]:
        """Hand dead peers' pending workflows back to the queues; returns the dead ids."""
        dead = self.dead_peers()
        if dead:
            log.info("recovering the workflows of dead workers %s", ", ".join(dead))
            self.recover(dead)
            with self.engine.begin() as conn:
                conn.execute(workers_table.delete().where(workers_table.c.executor_id.in_(dead)))
                conn.execute(
                    worker_queues_table.delete().where(worker_queues_table.c.executor_id.in_(dead))
                )
        return dead

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="shotline-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        beats = 0
        while not self._stop.wait(self.interval):
            try:
                self.beat()
                beats += 1
                if beats % 5 == 0:
                    self.sweep()
            except Exception:  # a database hiccup must not kill the heartbeat for good
                log.exception("worker heartbeat failed")

    def stop(self) -> None:
        """Stop stamping (before DBOS goes down, so no sweep runs against a stopped DBOS)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def mark_dead(self) -> None:
        """Declare this worker gone: whatever it left pending is recovered by the next sweep of
        any worker, with no wait for staleness."""
        self.stop()
        with self.engine.begin() as conn:
            conn.execute(
                workers_table.update()
                .where(workers_table.c.executor_id == self.executor_id)
                .values(seen_at=datetime(1970, 1, 1, tzinfo=UTC))
            )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the zone


def serving(engine: Engine, queue: str, stale_after: float, clock: Callable[[], datetime] = utc_now
            ) -> list[str]:  # fmt: skip
    """The live workers (fresh stamps) that take jobs from ``queue``."""
    limit = clock() - timedelta(seconds=stale_after)
    query = (
        sa.select(workers_table.c.executor_id, workers_table.c.seen_at)
        .join(worker_queues_table, worker_queues_table.c.executor_id == workers_table.c.executor_id)
        .where(worker_queues_table.c.queue == queue)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return sorted(row.executor_id for row in rows if _aware(row.seen_at) >= limit)
