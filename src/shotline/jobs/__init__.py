"""Durable generation jobs on DBOS: one job row and one workflow per generation, queues by
resource class, crash-safe remote submission, credits reserved, settled or refunded."""

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
