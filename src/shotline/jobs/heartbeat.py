"""Worker liveness, so the work of a dead worker is picked up by a live one.

Each worker process has a unique DBOS executor id, and DBOS recovers at launch only the pending
workflows of its own id. Each worker therefore stamps a ``job_workers`` row every second; any
worker that finds a peer dead hands that peer's pending workflows back to their queues (DBOS's
recovery is idempotent: two workers doing it at once re-enqueue each workflow once).

A peer is dead when it runs on this host and its process is gone (caught at once, which is what
a restart after ``kill -9`` needs), or when its stamp is older than ``stale_after_seconds``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from dbos import DBOS
from sqlalchemy.engine import Engine

from shotline.db import metadata
from shotline.jobs.records import utc_now

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


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:  # a killed child its parent has not reaped yet is a zombie: dead for us
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


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
    ) -> None:
        self.engine = engine
        self.executor_id = executor_id
        self.interval = interval
        self.stale_after = stale_after
        self.recover = recover or _recover_with_dbos
        self.clock = clock
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

    def beat(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                workers_table.update()
                .where(workers_table.c.executor_id == self.executor_id)
                .values(seen_at=self.clock())
            )

    def dead_peers(self) -> list[str]:
        limit = self.clock() - timedelta(seconds=self.stale_after)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(workers_table).where(workers_table.c.executor_id != self.executor_id)
            ).all()
        dead = []
        for row in rows:
            seen = row.seen_at if row.seen_at.tzinfo else row.seen_at.replace(tzinfo=UTC)
            gone_here = row.host == self.host and not process_alive(row.pid)
            if gone_here or seen < limit:
                dead.append(row.executor_id)
        return dead

    def sweep(self) -> list[str]:
        """Hand dead peers' pending workflows back to the queues; returns the dead ids."""
        dead = self.dead_peers()
        if dead:
            log.info("recovering the workflows of dead workers %s", ", ".join(dead))
            self.recover(dead)
            with self.engine.begin() as conn:
                conn.execute(workers_table.delete().where(workers_table.c.executor_id.in_(dead)))
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


def _recover_with_dbos(executor_ids: list[str]) -> None:
    DBOS._recover_pending_workflows(executor_ids)  # re-enqueues, so any worker may take them
