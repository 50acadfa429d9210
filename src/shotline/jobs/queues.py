"""One DBOS queue per resource class, so a slow GPU never holds up a cloud call and a cloud
service's limits apply to all workers together.

- ``cloud-<service>``: global concurrency and a start-rate limit per service account (shared by
  every worker: the limits are the provider's, not ours).
- ``local-gpu``: one job at a time per worker process (one GPU each); VRAM is cleared only when
  the model type changes (see vram.py).
- ``cpu``: render, transcode, speech; a few at once per worker process.

DBOS polls every queue from every worker (a thread per queue, 3-5 queries per poll, no wake-up on
enqueue), so polling is a large part of an idle or lightly loaded worker's cost. The local queues
are polled every ``queue_poll_seconds`` (jobs that take milliseconds to seconds, where start latency
shows); the cloud queues every ``cloud_queue_poll_seconds`` (jobs that take seconds to minutes).

Priorities: ours are "higher runs sooner", DBOS's are "lower runs sooner" (1 first), both FIFO
within a priority, so we map ours onto DBOS's range around a midpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from dbos import DBOS

from shotline.jobs.config import JobsConfig


class RateLimit(TypedDict):
    """At most ``limit`` job starts per ``period`` seconds: the shape of DBOS's queue limiter
    (its own TypedDict is not exported by the package)."""

    limit: int
    period: float


CLOUD_SERVICES = ("fal", "replicate", "runway", "llm")
LOCAL_GPU = "local-gpu"
CPU = "cpu"

PRIORITY_SPAN = 1_000_000  # our priorities lie in (-PRIORITY_SPAN, PRIORITY_SPAN)


@dataclass(frozen=True)
class QueueSpec:
    name: str
    global_concurrency: int | None = None
    worker_concurrency: int | None = None
    limiter: RateLimit | None = None
    poll_seconds: float | None = None  # None: the config's ``queue_poll_seconds``

    def polling_interval(self, config: JobsConfig) -> float:
        return config.queue_poll_seconds if self.poll_seconds is None else self.poll_seconds


def queue_specs(config: JobsConfig) -> list[QueueSpec]:
    limiter: RateLimit = {
        "limit": config.cloud_rate_limit,
        "period": config.rate_period_seconds,
    }
    specs = [
        QueueSpec(
            f"cloud-{service}",
            global_concurrency=config.cloud_concurrency,
            limiter=limiter,
            poll_seconds=config.cloud_queue_poll_seconds,
        )
        for service in CLOUD_SERVICES
    ]
    specs.append(QueueSpec(LOCAL_GPU, worker_concurrency=1))
    specs.append(QueueSpec(CPU, worker_concurrency=config.cpu_concurrency))
    return specs


def register_queues(config: JobsConfig, extra: tuple[QueueSpec, ...] = ()) -> list[str]:
    """Register (or update) every queue with DBOS; only valid after ``DBOS.launch()``."""
    names = []
    for spec in [*queue_specs(config), *extra]:
        DBOS.register_queue(
            spec.name,
            global_concurrency=spec.global_concurrency,
            worker_concurrency=spec.worker_concurrency,
            limiter=spec.limiter,
            polling_interval_sec=spec.polling_interval(config),
            on_conflict="always_update",  # the running configuration is the one that counts
        )
        names.append(spec.name)
    return names


def known_queue(name: str, extra: tuple[QueueSpec, ...] = ()) -> bool:
    fixed = {f"cloud-{s}" for s in CLOUD_SERVICES} | {LOCAL_GPU, CPU}
    return name in fixed or any(spec.name == name for spec in extra)


def dbos_priority(priority: int) -> int:
    """Our priority (higher sooner, 0 normal) as DBOS's (lower sooner, at least 1)."""
    if not -PRIORITY_SPAN < priority < PRIORITY_SPAN:
        raise ValueError(f"priority must lie strictly between ±{PRIORITY_SPAN}, not {priority}")
    return PRIORITY_SPAN - priority
