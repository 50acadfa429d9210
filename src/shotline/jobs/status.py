"""The job state machine: a closed set of statuses, the moves between them, and the event each
move emits. ``JobStore.transition`` is the only code that changes a job's status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


FINISHED: frozenset[JobStatus] = frozenset(
    {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED}
)

# Where each status may go. A queued job can finish without running: a cache hit succeeds at
# once, a cancel or a reconcile after a crash ends it before any worker took it.
ALLOWED: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING} | FINISHED),
    JobStatus.RUNNING: FINISHED,
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELED: frozenset(),
}


class JobError(Exception):
    """Base of the job errors."""


class IllegalTransition(JobError, ValueError):
    """A move the state machine forbids, such as leaving a finished state."""

    def __init__(self, job_id: str, current: JobStatus, target: JobStatus) -> None:
        super().__init__(job_id, current, target)
        self.job_id = job_id
        self.current = current
        self.target = target

    def __str__(self) -> str:
        return f"job {self.job_id} cannot go from {self.current} to {self.target}"


class JobNotFound(JobError, KeyError):
    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id

    def __str__(self) -> str:
        return f"no job {self.job_id!r}"


class JobWaitExpired(JobError, TimeoutError):
    """A wait on a job gave up: its deadline passed, or nobody will ever run it. The job itself
    is left as it is (a worker may still take or finish it)."""

    def __init__(self, job_id: str, why: str) -> None:
        super().__init__(job_id, why)
        self.job_id = job_id
        self.why = why

    def __str__(self) -> str:
        return f"stopped waiting for job {self.job_id}: {self.why}"


class AmbiguousJob(JobError, ValueError):
    """A shortened job id that several jobs start with."""

    def __init__(self, prefix: str, matches: list[str]) -> None:
        super().__init__(prefix, matches)
        self.prefix = prefix
        self.matches = matches

    def __str__(self) -> str:
        shown = ", ".join(self.matches[:3]) + (", ..." if len(self.matches) > 3 else "")
        return f"{self.prefix!r} is the start of several jobs ({shown}): give more of the id"


def check_transition(job_id: str, current: JobStatus, target: JobStatus) -> None:
    if target not in ALLOWED[current]:
        raise IllegalTransition(job_id, current, target)


@dataclass(frozen=True)
class JobEvent:
    """One change of a job: a status move (``previous != status``) or progress within a status."""

    job_id: str
    seq: int  # 1, 2, 3 ... per job: the order readers replay them in
    status: JobStatus
    previous: JobStatus | None  # None for the event that created the job
    progress: float
    message: str
    at: datetime

    @property
    def is_transition(self) -> bool:
        return self.previous != self.status
