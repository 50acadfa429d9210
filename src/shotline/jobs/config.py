"""The knobs of the job engine, read from the app's ``Settings`` (or built directly in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class SettingsLike(Protocol):
    """The part of ``shotline.config.Settings`` the job engine reads."""

    @property
    def data_dir(self) -> Path: ...

    @property
    def database(self) -> str: ...

    @property
    def queue_poll_seconds(self) -> float: ...

    @property
    def cloud_concurrency(self) -> int: ...

    @property
    def cloud_rate_limit(self) -> int: ...

    @property
    def cpu_concurrency(self) -> int: ...

    @property
    def worker_stale_seconds(self) -> float: ...


@dataclass(frozen=True)
class JobsConfig:
    # Our tables; DBOS's system tables go beside them (see runtime.py). Out of the repr: the
    # URL may carry a password.
    database: str = field(repr=False)
    data_dir: Path  # work folders live under data_dir/work/<job_id>
    queue_poll_seconds: float = 0.05  # DBOS polls queues every 1 s by default: too slow for a UI
    # Cloud queues are polled less often: each poll of an idle queue costs a worker ~1 ms of CPU
    # and 3-5 queries, and a cloud job runs for seconds to minutes, so starting it up to this
    # much later is noise while polling 4 cloud queues every 50 ms was a fifth of a core.
    cloud_queue_poll_seconds: float = 0.5
    cloud_concurrency: int = 4  # jobs in flight per cloud service, across all workers
    cloud_rate_limit: int = 10  # job starts per cloud service per ``rate_period_seconds``
    rate_period_seconds: float = 1.0
    cpu_concurrency: int = 2  # CPU jobs at once per worker process
    # Remote polling: the first wait, growing by ``poll_backoff`` up to ``poll_max_seconds``.
    poll_seconds: float = 0.5
    poll_backoff: float = 1.5
    poll_max_seconds: float = 10.0
    # A remote job still unfinished this long after it started is failed (and canceled at the
    # provider): no wait is endless, and remote video queues can be slow.
    remote_timeout_seconds: float = 6 * 3600.0
    transient_retries: int = 3  # TransientError retries per call (submit, poll, fetch, generate)
    rate_limit_waits: int = 20  # RateLimited answers tolerated per call before failing
    progress_interval: float = 0.25  # at most one progress write per job per interval
    heartbeat_seconds: float = 1.0  # workers stamp their row this often
    stale_after_seconds: float = 15.0  # a worker silent this long is dead (heartbeat alone)
    reconcile_grace_seconds: float = 10.0  # a younger queued job may still be mid-submit

    @classmethod
    def from_settings(cls, settings: SettingsLike) -> JobsConfig:
        return cls(
            database=settings.database,
            data_dir=Path(settings.data_dir),
            queue_poll_seconds=settings.queue_poll_seconds,
            cloud_concurrency=settings.cloud_concurrency,
            cloud_rate_limit=settings.cloud_rate_limit,
            cpu_concurrency=settings.cpu_concurrency,
            stale_after_seconds=settings.worker_stale_seconds,
        )

    @property
    def work_root(self) -> Path:
        return self.data_dir / "work"
