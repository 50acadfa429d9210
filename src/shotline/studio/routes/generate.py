"""Generate from in/out (seed 000): a prompt for the project's selection becomes a linked,
``processing`` clip on a free track above its sources and a job; ``job`` events follow it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from shotline.jobs.records import JobRecord
from shotline.jobs.status import JobStatus
from shotline.providers.contracts import Kind, ProviderInfo
from shotline.providers.registry import family
from shotline.studio.deps import Member, Services
from shotline.studio.generation import (
    DEFAULT_PROVIDERS,
    Estimate,
    Generation,
    NotEnoughCredits,
    Retried,
    Started,
)
from shotline.studio.schemas import Body
from shotline.timeline.resolve import FrameRef

router = APIRouter(prefix="/api/projects/{project}", tags=["generate"])


class GenerateIn(Body):
    prompt: str = Field(max_length=100_000, description="what happens between in and out")
    provider: str | None = Field(None, max_length=200, description="e.g. fal, offline")
    model: str | None = Field(None, max_length=200, description="e.g. ltx-2")
    in_point: float | None = Field(None, ge=0, description="seconds; default: the shared in")
    out_point: float | None = Field(None, ge=0, description="seconds; default: the shared out")


class FrameOut(BaseModel):
    clip_id: str
    frame: int  # index of the source frame sent to the model
    source_time: float  # seconds into the source
    snapped: bool  # the point was just outside the clip and took its edge frame

    @classmethod
    def of(cls, ref: FrameRef | None) -> FrameOut | None:
        if ref is None:
            return None
        return cls(clip_id=ref.clip_id, frame=ref.frame, source_time=float(ref.source_time),
                   snapped=ref.snapped)  # fmt: skip


class GenerateOut(BaseModel):
    job_id: str
    clip_id: str
    track_index: int
    in_point: float
    out_point: float
    frames: int
    estimated_cost: Decimal
    credits: int
    provider: str
    status: str
    first_frame: FrameOut | None  # None: a gap at the in point, no first frame sent
    last_frame: FrameOut | None

    @classmethod
    def of(cls, started: Started) -> GenerateOut:
        return cls(
            job_id=started.job_id, clip_id=started.clip_id, track_index=started.track_index,
            in_point=started.in_point, out_point=started.out_point, frames=started.frames,
            estimated_cost=started.estimated_cost, credits=started.credits,
            provider=started.provider, status=started.status,
            first_frame=FrameOut.of(started.first_frame),
            last_frame=FrameOut.of(started.last_frame),
        )  # fmt: skip


@router.post("/generate", status_code=202, responses={404: {}, 409: {}, 422: {}, 429: {}})
def generate(body: GenerateIn, access: Member, services: Services) -> GenerateOut:
    try:
        started = services.generator.start(
            access.project, access.user.name, body.prompt, provider=body.provider,
            model=body.model, in_point=body.in_point, out_point=body.out_point,
        )  # fmt: skip
    except NotEnoughCredits as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from exc
    return GenerateOut.of(started)


class CancelOut(BaseModel):
    job_id: str
    status: str


@router.post("/generations/{job_id}/cancel", responses={404: {}})
def cancel_generation(job_id: str, access: Member, services: Services) -> CancelOut:
    """Stop a generation: its credits come back and its clip shows it was canceled."""
    services.follower.clip_of(access.project, job_id)  # 404 unless this project's job
    job = services.studio.engine.cancel(job_id)
    services.follower.sync(job_id)
    return CancelOut(job_id=job.id, status=job.status.value)


class VideoModelOut(BaseModel):
    """A video model the studio can generate with: the dropdown's one entry per model."""

    provider: str  # the full id to send as ``provider`` (e.g. fal.ltx-2, offline.interpolate)
    family: str
    model: str
    label: str
    pricing: str  # the price rule in words
    offline: bool
    default: bool  # what ``generate`` uses without a provider

    @classmethod
    def of(cls, info: ProviderInfo, default: bool) -> VideoModelOut:
        return cls(
            provider=info.id, family=family(info.id), model=info.model,
            label=info.label or info.id, pricing=info.pricing.describe(), offline=info.offline,
            default=default,
        )  # fmt: skip


@router.get("/generate/models")
def video_models(access: Member, services: Services) -> list[VideoModelOut]:
    """The configured video models, the default first."""
    registry = services.studio.registry
    default = next((p for p in DEFAULT_PROVIDERS if p in registry), None)
    found = [VideoModelOut.of(p.info, p.info.id == default) for p in registry.of_kind(Kind.VIDEO)]
    return sorted(found, key=lambda m: (not m.default, m.provider))


class GenerationEstimateOut(BaseModel):
    in_point: float
    out_point: float
    frames: int
    estimated_cost: Decimal
    credits: int  # frame credits it would take (0: a free provider)
    provider: str
    track_index: int  # the video track its clip would go on
    new_track: bool  # no track above its sources is free: a new one is added on top
    first_frame: FrameOut | None
    last_frame: FrameOut | None

    @classmethod
    def of(cls, estimate: Estimate) -> GenerationEstimateOut:
        return cls(
            in_point=estimate.in_point, out_point=estimate.out_point, frames=estimate.frames,
            estimated_cost=estimate.estimated_cost, credits=estimate.credits,
            provider=estimate.provider, track_index=estimate.track_index,
            new_track=estimate.new_track, first_frame=FrameOut.of(estimate.first_frame),
            last_frame=FrameOut.of(estimate.last_frame),
        )  # fmt: skip


@router.get("/generate/estimate", responses={404: {}, 422: {}})
def estimate_generation(
    access: Member,
    services: Services,
    provider: str | None = Query(None, max_length=200),
    model: str | None = Query(None, max_length=200),
    in_point: float | None = Query(None, ge=0, description="seconds; default: the shared in"),
    out_point: float | None = Query(None, ge=0, description="seconds; default: the shared out"),
) -> GenerationEstimateOut:
    """Frames, cost and credits of generating the span, and where its clip would go; nothing is
    reserved or placed."""
    found = services.generator.estimate(
        access.project, provider=provider, model=model, in_point=in_point, out_point=out_point
    )
    return GenerationEstimateOut.of(found)


class GenerationOut(BaseModel):
    """One generation of the project as the activity panel lists it."""

    job_id: str
    clip_id: str
    user: str
    prompt: str | None
    provider: str
    model: str
    status: str
    progress: float
    message: str
    estimated_cost: Decimal | None
    actual_cost: Decimal | None
    frames: int  # frame credits it took (0: free, or refunded after a failure)
    error: str | None
    retried_from: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, gen: Generation, job: JobRecord) -> GenerationOut:
        return cls(
            job_id=job.id, clip_id=gen.clip_id, user=gen.user, prompt=job.prompt,
            provider=job.provider, model=job.model, status=job.status.value,
            progress=job.progress, message=job.message, estimated_cost=job.estimated_cost,
            actual_cost=job.actual_cost, frames=job.frames,
            error=job.error_message if job.status is JobStatus.FAILED else None,
            retried_from=job.retried_from, created_at=gen.created_at,
            finished_at=job.finished_at,
        )  # fmt: skip


@router.get("/generations")
def list_generations(
    access: Member, services: Services, limit: int = Query(50, ge=1, le=500)
) -> list[GenerationOut]:
    """The project's generations, newest first: running ones and the recent past."""
    engine = services.studio.engine
    return [
        GenerationOut.of(gen, engine.get(gen.job_id))
        for gen in services.follower.generations(access.project, limit)
    ]


class RetryOut(BaseModel):
    job_id: str
    clip_id: str
    retried_from: str
    credits: int  # frame credits the new try reserved
    status: str

    @classmethod
    def of(cls, retried: Retried) -> RetryOut:
        return cls(job_id=retried.job_id, clip_id=retried.clip_id,
                   retried_from=retried.retried_from, credits=retried.credits,
                   status=retried.status)  # fmt: skip


@router.post("/generations/{job_id}/retry", status_code=202, responses={404: {}, 409: {}, 429: {}})
def retry_generation(job_id: str, access: Member, services: Services) -> RetryOut:
    """Run a failed or canceled generation again into its clip; it takes credits again (from
    whoever retries), as a new generation would."""
    try:
        retried = services.generator.retry(access.project, access.user.name, job_id)
    except NotEnoughCredits as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from exc
    return RetryOut.of(retried)
