"""A film waits on its jobs with a deadline: a job that sits on a queue nobody serves ends the wait
with the reason (``Generations.check_wait``), instead of polling forever. The generator sees the
engine only through ``Generations``, so a stand-in is enough to drive it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from shotline.film.generation import WAIT_SECONDS, Ask, Generator, Tally
from shotline.film.services import Generations
from shotline.jobs.engine import Prepared
from shotline.jobs.records import JobRecord
from shotline.jobs.status import JobStatus, JobWaitExpired
from shotline.providers.contracts import ImageRequest, Kind, ProviderInfo, Request

INFO = ProviderInfo("far.image", Kind.IMAGE, "m", queue="cloud-far")
QUEUED = JobRecord(
    id="job-1", kind="image", provider=INFO.id, model="m", user="u", prompt="p", params={},
    cache_key="k", queue=INFO.queue, status=JobStatus.QUEUED, progress=0.0, message="",
    priority=0, estimated_cost=Decimal(0), actual_cost=None, frames=0, external_id=None,
    created_at=datetime.now(UTC), started_at=None, finished_at=None, error_type=None,
    error_message=None, result_asset=None, retried_from=None, cache_hit=False, workflow_id=None,
)  # fmt: skip


class Unserved:
    """Generations whose one queue no live worker serves: every job stays queued."""

    def __init__(self, patience: int) -> None:
        self.patience = patience  # check_wait calls before the engine gives up
        self.checks: list[float] = []
        self.submitted = 0
        self.polls = 0

    def candidates(self, kind: Kind, wanted: Sequence[str]) -> list[str]:
        return [INFO.id] if kind is INFO.kind else []

    def provider_info(self, provider_id: str) -> ProviderInfo:
        return INFO

    def prepare(self, request: Request, provider_id: str) -> Prepared:
        return Prepared(INFO, request, "k", Decimal(0))

    def cached(self, key: str) -> JobRecord | None:
        return None

    def find_job(
        self, key: str, statuses: Iterable[JobStatus], *, error_types: Iterable[str] | None = None
    ) -> str | None:
        return None

    def submit(self, request: Request, provider_id: str, user: str) -> str:
        self.submitted += 1
        return QUEUED.id

    def label(self, job_id: str, origin: str, name: str) -> None:
        pass

    def get(self, job_id: str) -> JobRecord:
        self.polls += 1
        # A generator that never asks check_wait makes this test fail, not hang.
        if self.polls > 10 * self.patience:
            return replace(QUEUED, status=JobStatus.FAILED, error_type="Gone")
        return replace(QUEUED)

    def check_wait(self, job: JobRecord, started: float, timeout: float) -> None:
        self.checks.append(timeout)
        if len(self.checks) >= self.patience:
            raise JobWaitExpired(job.id, f"queued on {job.queue}, which no live worker serves")

    def asset_path(self, sha: str) -> Path:
        raise AssertionError("nothing succeeds here")

    def credits_left(self, user: str) -> int:
        return 0


def test_a_job_nobody_serves_ends_the_wait_with_the_reason() -> None:
    engine = Unserved(patience=3)
    generations: Generations = engine  # the stand-in is a whole Generations
    gen = Generator(generations, ["far"], "u", Tally())
    ask = Ask("keyframe", "keyframe 1 v1", ImageRequest("a moon", 64, 64))

    with pytest.raises(JobWaitExpired, match="cloud-far, which no live worker serves"):
        gen.run(gen.plan([ask]), "keyframes")

    assert engine.submitted == 1  # asked once, then waited; never submitted again
    assert engine.checks == [WAIT_SECONDS] * 3  # every poll of the unfinished job is bounded
