"""Generate from in/out (seed 000): a prompt for the project's selection becomes a linked,
``processing`` clip on a free track above its sources and a job; ``job`` events follow it."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from shotline.studio.deps import Member, Services
from shotline.studio.generation import NotEnoughCredits, Started
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
