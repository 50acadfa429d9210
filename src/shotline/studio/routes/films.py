"""Film runs for automation (seeds 001/002): create-and-run from an idea or a script, status with
the current step and recent log lines, picks, cost confirmation, resume, cancel, the finished
film, and "open on the timeline". The options are the CLI's ``shotline film`` options."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from shotline.film.runs import RunOptions, RunState
from shotline.studio.deps import Member, Services
from shotline.studio.films import (
    GUIDE_BYTES,
    Checkpoints,
    FilmStatus,
    FilmTooLarge,
    SegmentProgress,
)
from shotline.studio.schemas import Body

router = APIRouter(prefix="/api/projects/{project}/films", tags=["films"])


class NewFilm(Body):
    idea: str | None = Field(None, min_length=1, max_length=4000)
    script: str | None = Field(None, max_length=1_000_000, description="script.yaml (or JSON)")
    segments: int = Field(10, ge=1, le=60)
    variants: int = Field(3, ge=1, le=8)
    providers: list[str] = Field(default_factory=lambda: ["offline"], max_length=10)
    budget: Decimal | None = Field(None, ge=0, description="most USD this run may spend")
    width: int = Field(1280, ge=64, le=3840)
    height: int = Field(720, ge=64, le=2160)
    fps: str = Field("24", max_length=16)
    yolo: bool = Field(False, description="unattended: variant 0 at every checkpoint")
    style: str | None = Field(None, max_length=500)
    yes: bool = Field(False, description="approve Phase 3's estimated cost up front")


class FilmOut(BaseModel):
    id: str
    phase: str
    message: str
    waiting: bool
    running: bool
    created_at: datetime
    updated_at: datetime
    options: dict[str, Any]
    approved: Decimal | None
    spent: Decimal
    outputs: list[str]  # names of the finished outputs (film, timeline, script, storyboard)
    report: dict[str, Any]

    @classmethod
    def of(cls, state: RunState, running: bool) -> FilmOut:
        options = state.options.model_dump(mode="json", exclude={"output"})
        return cls(
            id=state.id, phase=state.phase.value, message=state.message,
            waiting=state.phase.waiting, running=running, created_at=state.created_at,
            updated_at=state.updated_at, options=options, approved=state.approved,
            spent=state.spent, outputs=sorted(state.outputs), report=state.report,
        )  # fmt: skip


class LogLine(BaseModel):
    at: datetime
    step: str
    text: str


class SegmentOut(BaseModel):
    index: int  # 0-based; people see index + 1
    status: str  # waiting | queued | running | succeeded | failed | canceled
    progress: float
    message: str
    error: str | None
    cached: bool

    @classmethod
    def of(cls, segment: SegmentProgress) -> SegmentOut:
        return cls(index=segment.index, status=segment.status, progress=segment.progress,
                   message=segment.message, error=segment.error, cached=segment.cached)  # fmt: skip


class FilmStatusOut(FilmOut):
    step: str  # the current (or last) step
    log: list[LogLine]  # recent lines, oldest first
    picks: dict[str, Any]
    awaiting: list[str]  # at a checkpoint: the reference keys or boundaries still unpicked
    segments: list[SegmentOut]  # the video of each segment (the clip grid)

    @classmethod
    def of_status(cls, status: FilmStatus) -> FilmStatusOut:
        base = FilmOut.of(status.state, status.running).model_dump()
        return cls(**base, step=status.step, log=[LogLine(**line) for line in status.log],
                   picks=status.picks.model_dump(), awaiting=status.awaiting,
                   segments=[SegmentOut.of(s) for s in status.segments])  # fmt: skip


@router.post("", status_code=202, responses={422: {}})
def create_film(body: NewFilm, access: Member, services: Services) -> FilmOut:
    """Create a run and start it; follow it with ``film_run`` events or ``GET``."""
    options = RunOptions(
        idea=body.idea, segments=body.segments, variants=body.variants,
        providers=body.providers or ["offline"], budget=body.budget, width=body.width,
        height=body.height, fps=body.fps, yolo=body.yolo, style=body.style,
    )  # fmt: skip
    state = services.films.create(access.project, access.user.name, options,
                                  script=body.script, yes=body.yes)  # fmt: skip
    return FilmOut.of(state, services.films.running(state.id))


@router.get("")
def list_films(access: Member, services: Services) -> list[FilmOut]:
    return [
        FilmOut.of(s, services.films.running(s.id)) for s in services.films.runs(access.project)
    ]


@router.get("/{run}", responses={404: {}})
def film_status(run: str, access: Member, services: Services) -> FilmStatusOut:
    return FilmStatusOut.of_status(services.films.status(access.project, run))


class RefOut(BaseModel):
    key: str  # "character:mara"
    kind: str  # character | environment | prop
    label: str
    variants: list[str]  # image URLs, variant order
    pick: int | None  # the chosen variant
    guide: str | None  # the URL of the user's own image, when that is the pick


class KeyframeOut(BaseModel):
    boundary: int  # K0..KN in film order
    variants: list[str]
    pick: int | None
    references: list[str]  # reference keys in the order sent; past ``cap`` they are not sent


class CheckpointsOut(BaseModel):
    image_model: str | None
    cap: int  # references the image model takes per keyframe
    refs: list[RefOut]
    keyframes: list[KeyframeOut]


def _image_url(project: str, run: str, folder: Path, relative: str) -> str:
    """A run image's URL, versioned by its file so a re-drawn variant is never a stale cache."""
    version = (folder / relative).stat().st_mtime_ns
    return f"/api/projects/{quote(project)}/films/{quote(run)}/images/{relative}?v={version}"


def _checkpoints_out(project: str, run: str, folder: Path, found: Checkpoints) -> CheckpointsOut:
    def url(relative: str) -> str:
        return _image_url(project, run, folder, relative)

    refs = [
        RefOut(key=r.key, kind=r.kind, label=r.label, variants=[url(v) for v in r.variants],
               pick=r.pick if isinstance(r.pick, int) else None,
               guide=url(r.pick) if isinstance(r.pick, str) and (folder / r.pick).is_file()
               else None)
        for r in found.refs
    ]  # fmt: skip
    keyframes = [
        KeyframeOut(boundary=k.boundary, variants=[url(v) for v in k.variants], pick=k.pick,
                    references=k.references)
        for k in found.keyframes
    ]  # fmt: skip
    return CheckpointsOut(image_model=found.image_model, cap=found.cap, refs=refs,
                          keyframes=keyframes)  # fmt: skip


@router.get("/{run}/checkpoints", responses={404: {}, 422: {}})
def checkpoints(run: str, access: Member, services: Services) -> CheckpointsOut:
    """The reference and keyframe variants drawn so far with the current picks, and the image
    model's cap on references per keyframe (what the wizard's pickers show)."""
    found = services.films.checkpoints(access.project, run)
    folder = services.films.folder(access.project, run)
    return _checkpoints_out(access.project, run, folder, found)


@router.get("/{run}/images/{path:path}", responses={404: {}}, response_class=FileResponse)
def run_image(run: str, path: str, access: Member, services: Services) -> FileResponse:
    """A variant, guide or storyboard picture (versioned URLs: cached for good)."""
    file = services.films.image(access.project, run, path)
    return FileResponse(file, headers={"Cache-Control": "private, max-age=31536000, immutable"})


@router.put("/{run}/guides/{key}", responses={404: {}, 409: {}, 413: {}, 415: {}, 422: {}})
async def upload_guide(
    run: str, key: str, request: Request, access: Member, services: Services
) -> dict[str, Any]:
    """The user's own picture for a reference (the body is the image, PNG, JPEG or WebP); it
    becomes the pick for ``key`` in place of the drawn variants."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > GUIDE_BYTES:
        raise FilmTooLarge(f"a guide image is at most {GUIDE_BYTES // 2**20} MB")
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > GUIDE_BYTES:
            raise FilmTooLarge(f"a guide image is at most {GUIDE_BYTES // 2**20} MB")
    mime = request.headers.get("content-type", "")
    picks = await run_in_threadpool(
        services.films.guide, access.project, run, key, bytes(data), mime
    )
    return picks.model_dump()


class EstimateOut(BaseModel):
    phase: str
    cost: Decimal  # USD for what will be generated (cache hits are free)
    generate: int
    cached: int
    approximate: bool  # speech lengths guessed from the text
    text: str  # the estimate in words, as the CLI says it


@router.get("/{run}/estimate", responses={404: {}, 422: {}})
def estimate(run: str, access: Member, services: Services) -> EstimateOut:
    """What Phase 3 (speech, video, lip sync) will cost, before it runs: the cost confirmation."""
    found = services.films.estimate(access.project, run)
    return EstimateOut(phase=found.phase, cost=found.cost, generate=found.generate,
                       cached=found.cached, approximate=found.approximate,
                       text=found.describe())  # fmt: skip


class PicksIn(Body):
    what: Literal["refs", "keyframes"]
    choices: dict[str, int] = Field(
        max_length=500, description="refs: {'character:mara': 1}; keyframes: {'K3': 2}"
    )


@router.post("/{run}/picks", responses={404: {}, 409: {}, 422: {}})
def pick(run: str, body: PicksIn, access: Member, services: Services) -> dict[str, Any]:
    """Record checkpoint picks (the CLI's ``film pick``); then resume."""
    picks = services.films.pick(access.project, run, body.what,
                                [f"{k}={v}" for k, v in body.choices.items()])  # fmt: skip
    return picks.model_dump()


class ResumeIn(Body):
    yes: bool = Field(False, description="approve Phase 3's estimated cost")
    budget: Decimal | None = Field(None, ge=0)
    yolo: bool = False


@router.post("/{run}/resume", status_code=202, responses={404: {}, 409: {}})
def resume(run: str, body: ResumeIn, access: Member, services: Services) -> FilmOut:
    """Continue after picks, a cancel, a crash or a script edit (only what changed is made)."""
    state = services.films.resume(access.project, run, yes=body.yes, budget=body.budget,
                                  yolo=body.yolo)  # fmt: skip
    return FilmOut.of(state, services.films.running(run))


class ConfirmIn(Body):
    budget: Decimal | None = Field(None, ge=0)


@router.post("/{run}/confirm", status_code=202, responses={404: {}, 409: {}})
def confirm_cost(run: str, body: ConfirmIn, access: Member, services: Services) -> FilmOut:
    """Say yes to the estimated cost the run waits on, and continue."""
    state = services.films.resume(access.project, run, yes=True, budget=body.budget)
    return FilmOut.of(state, services.films.running(run))


@router.post("/{run}/cancel", responses={404: {}, 422: {}})
def cancel(run: str, access: Member, services: Services) -> FilmOut:
    """Stop at the next step; what finished stays cached, so a resume pays nothing twice."""
    state = services.films.cancel(access.project, run)
    return FilmOut.of(state, services.films.running(run))


@router.get("/{run}/film", responses={404: {}}, response_class=FileResponse)
def download(run: str, access: Member, services: Services) -> FileResponse:
    path = services.films.output(access.project, run)
    return FileResponse(path, media_type="video/mp4", filename=f"{run}.mp4")


class Opened(BaseModel):
    clips: int
    tracks: int


@router.post("/{run}/open", responses={404: {}})
def open_on_timeline(run: str, access: Member, services: Services) -> Opened:
    """The finished film's timeline becomes the project's live timeline, for everyone."""
    timeline = services.films.timeline(access.project, run, access.user.name)
    services.timelines.replace(access.project, timeline, access.user.name)
    return Opened(clips=len(timeline.clips), tracks=len(timeline.tracks))
