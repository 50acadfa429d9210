"""The narrow view of the engine a provider gets while it runs one job (a ``RunContext``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from shotline.jobs.records import JobStore
from shotline.jobs.status import JobStatus


class JobContext:
    """Work folder, throttled progress and a cancel flag backed by the job row.

    Progress is written at most once per ``interval`` (providers may report every frame), but
    the first report and completion (1.0) are always written.
    """

    def __init__(
        self,
        store: JobStore,
        job_id: str,
        workdir: Path,
        *,
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.job_id = job_id
        self._workdir = workdir
        self.interval = interval
        self.clock = clock
        self._last_write: float | None = None
        self._last_check: float | None = None
        self._cancelled = False

    @property
    def workdir(self) -> Path:
        self._workdir.mkdir(parents=True, exist_ok=True)
        return self._workdir

    def progress(self, fraction: float, message: str = "") -> None:
        now = self.clock()
        due = self._last_write is None or now - self._last_write >= self.interval
        if due or fraction >= 1.0:
            self._last_write = now
            self.store.set_progress(self.job_id, fraction, message)

    def cancelled(self) -> bool:
        # A read per call would hammer the database from a tight provider loop.
        now = self.clock()
        if not self._cancelled and (
            self._last_check is None or now - self._last_check >= self.interval
        ):
            self._last_check = now
            self._cancelled = self.store.get(self.job_id).status is JobStatus.CANCELED
        return self._cancelled
