"""Film runs for automation (seeds 001/002): create-and-run from an idea or a script, status with
the current step and recent log lines, picks, cost confirmation, resume, cancel, the finished
film, and "open on the timeline". The options are the CLI's ``shotline film`` options."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from shotline.film.runs import RunOptions, RunState
from shotline.studio.deps import Member, Services
from shotline.studio.films import FilmStatus
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


class FilmStatusOut(FilmOut):
    step: str  # the current (or last) step
    log: list[LogLine]  # recent lines, oldest first
    picks: dict[str, Any]

    @classmethod
    def of_status(cls, status: FilmStatus) -> FilmStatusOut:
        base = FilmOut.of(status.state, status.running).model_dump()
        return cls(**base, step=status.step, log=[LogLine(**line) for line in status.log],
                   picks=status.picks.model_dump())  # fmt: skip


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
