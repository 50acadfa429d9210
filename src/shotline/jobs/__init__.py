"""Durable generation jobs on DBOS: one job row and one workflow per generation, queues by
resource class, crash-safe remote submission, credits reserved, settled or refunded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shotline.lazy import exports

if TYPE_CHECKING:
    from shotline.jobs.config import JobsConfig
    from shotline.jobs.engine import GenerationEngine, credit_frames
    from shotline.jobs.records import JobRecord, JobStore
    from shotline.jobs.status import (
        FINISHED,
        IllegalTransition,
        JobError,
        JobEvent,
        JobNotFound,
        JobStatus,
    )
    from shotline.jobs.vram import VramOwner, VramTracker

# Imported on first use: importing one light submodule must not load the heavy ones.
__getattr__ = exports(
    __name__,
    {
        "JobsConfig": "shotline.jobs.config",
        "GenerationEngine": "shotline.jobs.engine",
        "credit_frames": "shotline.jobs.engine",
        "JobRecord": "shotline.jobs.records",
        "JobStore": "shotline.jobs.records",
        "FINISHED": "shotline.jobs.status",
        "IllegalTransition": "shotline.jobs.status",
        "JobError": "shotline.jobs.status",
        "JobEvent": "shotline.jobs.status",
        "JobNotFound": "shotline.jobs.status",
        "JobStatus": "shotline.jobs.status",
        "VramOwner": "shotline.jobs.vram",
        "VramTracker": "shotline.jobs.vram",
    },
)

__all__ = [
    "FINISHED",
    "GenerationEngine",
    "IllegalTransition",
    "JobError",
    "JobEvent",
    "JobNotFound",
    "JobRecord",
    "JobStatus",
    "JobStore",
    "JobsConfig",
    "VramOwner",
    "VramTracker",
    "credit_frames",
]
