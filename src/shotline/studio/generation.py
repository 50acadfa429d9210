"""Generate from in/out (seed 000's core loop), and the follower that brings results back.

``Generator.start``: resolve the in and out points with the core's tolerance (a point in a gap sends
no frame), extract the exact source frames (stored as image assets, so any worker can read them and
the generated asset names them as parents), estimate frames and cost, check the user's credits,
submit the job (the engine reserves credits when it starts), record which clip the job fills, and
place a ``processing`` clip between in and out on a free video track above its sources (a new
track when none is free), linked to the clips that gave its frames.

``JobFollower``: jobs may run in other processes, so it follows the job event table (not only
in-process callbacks) and turns every change of a job it knows into a ``job`` event and a clip
update: success puts the media on the clip for everyone; failure shows the error (the engine has
refunded the credits by then). ``sync`` is idempotent and is also called right after placing, so
a job that finished before its clip existed (a cache hit) still lands.
"""

from __future__ import annotations

import logging
import math
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa

from shotline.assets.catalog import AssetKind
from shotline.db import create_tables, metadata
from shotline.jobs.records import JobRecord, jobs_table
from shotline.jobs.status import JobStatus
from shotline.media.errors import MediaError
from shotline.media.frames import extract_frame, save_png
from shotline.providers.conform import conform
from shotline.providers.contracts import Kind, VideoRequest, known_cost, request_from_params
from shotline.providers.errors import CapabilityError
from shotline.studio.derivatives import asset_of_url, media_url
from shotline.studio.errors import StudioError
from shotline.timeline.errors import ClipNotFound, EditError
from shotline.timeline.model import Clip, ClipStatus, SourceType, Timeline
from shotline.timeline.placement import free_track_above
from shotline.timeline.resolve import BoundaryFrames, FrameRef, resolve_frame
from shotline.timeline.timecode import before, frame_count

if TYPE_CHECKING:
    from shotline.app import Studio

log = logging.getLogger(__name__)

MAX_PROMPT = 4000  # characters; longer prompts are refused, never cut silently
FPS = Fraction(24)
DEFAULT_PROVIDERS = ("fal.ltx-2", "offline.interpolate")  # the seed's model when configured

generations_table = sa.Table(
    "studio_generations",
    metadata,
    sa.Column("job_id", sa.String(36), primary_key=True),
    sa.Column("project", sa.String(64), nullable=False),
    sa.Column("clip_id", sa.String(255), nullable=False),
    sa.Column("user", sa.String(64), nullable=False),
    sa.Column("done", sa.Boolean, nullable=False),  # the clip shows the job's final state
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_studio_generations_open", "done"),
)


class LiveTimelines(Protocol):
    """What generation needs of the live timeline service (``studio.collab``)."""

    def get(self, project: str) -> Timeline: ...

    def add_clip_system(
        self, project: str, clip: Clip, *, link_to: Sequence[str] = (),
        new_track_if_needed: bool = True,
    ) -> Clip: ...  # fmt: skip

    def update_clip(self, project: str, clip_id: str, **fields: Any) -> Clip: ...


@dataclass(frozen=True)
class Span:
    """An in/out selection resolved: the frames under its points (either may be missing)."""

    in_point: float
    out_point: float
    frames: BoundaryFrames

    @property
    def duration(self) -> float:
        return self.out_point - self.in_point


def plan(timeline: Timeline, in_point: float, out_point: float) -> Span:
    """The frames under in and out, topmost track first, with the core's tolerance (a point in a
    gap resolves to nothing: that frame is not sent)."""
    if not (math.isfinite(in_point) and math.isfinite(out_point)):
        raise GenerationError("in and out points must be finite numbers of seconds")
    if in_point < 0 or not before(in_point, out_point):
        raise GenerationError(
            f"the out point ({out_point}) must come after the in point ({in_point}), both >= 0"
        )
    # A generated clip still waiting for (or failed to get) its media shows nothing: look under
    # it, so the same span can be generated again while an earlier try runs.
    generated = SourceType.GENERATED
    visible = timeline.with_clips(
        c for c in timeline.clips if c.source is not None or c.source_type is not generated
    )
    first, last = resolve_frame(visible, in_point), resolve_frame(visible, out_point)
    return Span(in_point, out_point, BoundaryFrames(first=first, last=last))


@dataclass(frozen=True)
class JobNotice:
    """A job's state as the event stream shows it."""

    project: str
    job_id: str
    clip_id: str
    status: str
    progress: float
    message: str
    cost: Decimal | None
    error: str | None


Notify = Callable[[JobNotice], None]


@dataclass(frozen=True)
class Generation:
    """Which clip of which project a job fills."""

    job_id: str
    project: str
    clip_id: str
    user: str
    done: bool  # the clip shows the job's final state
    created_at: datetime


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class GenerationError(StudioError, ValueError):
    status = 422


class GenerationNotFound(GenerationError, LookupError):
    status = 404


class GenerationConflict(GenerationError):
    status = 409


class NotEnoughCredits(GenerationError):
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Started:
    job_id: str
    clip_id: str
    track_index: int
    in_point: float
    out_point: float
    frames: int  # frames the model makes (credits reserved for a paid provider)
    estimated_cost: Decimal
    credits: int  # frames reserved against the user's daily credits (0: free provider)
    provider: str
    first_frame: FrameRef | None
    last_frame: FrameRef | None
    status: str


@dataclass(frozen=True)
class Estimate:
    """What a generation of a span would make and cost, and where its clip would go, before
    anything is extracted, reserved or placed."""

    in_point: float
    out_point: float
    frames: int
    estimated_cost: Decimal
    credits: int  # frames it would take from the user's daily credits (0: free provider)
    provider: str
    track_index: int  # == track_count: a new video track on top
    track_count: int
    first_frame: FrameRef | None
    last_frame: FrameRef | None

    @property
    def new_track(self) -> bool:
        return self.track_index >= self.track_count


@dataclass(frozen=True)
class Retried:
    job_id: str
    clip_id: str
    retried_from: str
    credits: int
    status: str


def check_prompt(prompt: str) -> str:
    text = prompt.strip()
    if not text:
        raise GenerationError("the prompt is empty")
    if len(text) > MAX_PROMPT:
        raise GenerationError(
            f"the prompt is {len(text)} characters long; at most {MAX_PROMPT} are accepted"
        )
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise GenerationError("the prompt contains control characters")
    return text


class Generator:
    def __init__(
        self, studio: Studio, timelines: LiveTimelines, follower: JobFollower, folder: Path
    ) -> None:
        self.studio = studio
        self.timelines = timelines
        self.follower = follower
        self.folder = Path(folder)

    @property
    def catalog(self) -> Any:
        return self.studio.engine.catalog

    def _provider(self, provider: str | None, model: str | None) -> str:
        if provider is None:
            if model is not None:
                raise GenerationError("a model needs its provider")
            registry = self.studio.registry
            return next(p for p in DEFAULT_PROVIDERS if p in registry)
        return self.studio.provider_id(Kind.VIDEO, provider, model)

    def _frame_png(self, project: str, timeline: Timeline, ref: FrameRef, user: str) -> Path:
        clip = timeline.clip(ref.clip_id)
        sha = asset_of_url(ref.source) if ref.source else None
        if sha is None:
            if clip.source_type is SourceType.LOCAL:
                raise GenerationError(
                    f"clip {clip.name!r} under the selection is only on "
                    f"{clip.owner or 'its owner'}'s machine: upload it first"
                )
            raise GenerationError(f"clip {clip.name!r} under the selection has no media yet")
        path = self.catalog.local_path(sha)
        work = self.folder / uuid.uuid4().hex
        try:
            png = save_png(extract_frame(path, frame=ref.frame), work / "frame.png")
            asset = self.catalog.add_file(
                png, kind=AssetKind.IMAGE, mime="image/png", owner=user, parents=(sha,)
            )
        except MediaError as exc:
            raise GenerationError(f"cannot read a frame of clip {clip.name!r}: {exc}") from exc
        finally:
            for leftover in work.glob("*"):
                leftover.unlink()
            if work.exists():
                work.rmdir()
        return Path(self.catalog.local_path(asset.sha256))

    def _span(
        self, project: str, in_point: float | None, out_point: float | None
    ) -> tuple[Timeline, Span]:
        """The live timeline and what lies between in and out (given, else the shared ones)."""
        timeline = self.timelines.get(project)
        sel = timeline.selection
        start = sel.in_point if in_point is None else in_point
        end = sel.out_point if out_point is None else out_point
        if start is None or end is None:
            raise GenerationError("set an in point and an out point first")
        return timeline, plan(timeline, start, end)

    def start(
        self,
        project: str,
        user: str,
        prompt: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        in_point: float | None = None,
        out_point: float | None = None,
    ) -> Started:
        text = check_prompt(prompt)
        provider_id = self._provider(provider, model)
        timeline, span = self._span(project, in_point, out_point)
        first = None if span.frames.first is None else self._frame_png(
            project, timeline, span.frames.first, user)  # fmt: skip
        last = None if span.frames.last is None else self._frame_png(
            project, timeline, span.frames.last, user)  # fmt: skip
        request = self._request(text, span, timeline, first, last)
        info = self.studio.registry.get(provider_id).info
        conformed = conform(request, info).request
        assert isinstance(conformed, VideoRequest)
        try:  # the studio asks no one to accept an unknown price: only priced models run here
            estimate = known_cost(info.pricing, conformed, info.id)
        except CapabilityError as exc:
            raise GenerationError(str(exc)) from exc
        self._check_credits(user, conformed.frames if estimate > 0 else 0)

        engine = self.studio.engine
        job_id = engine.submit(request, provider_id, user=user)
        clip_id = f"clip-gen-{uuid.uuid4().hex[:12]}"
        self.follower.track(job_id, project, clip_id, user)
        clip = Clip(
            id=clip_id,
            name=f"AI: {text[:60]}",
            start=span.in_point,
            duration=span.duration,
            status=ClipStatus.PROCESSING,
            source_type=SourceType.GENERATED,
            owner=user,
            prompt=text,
            cost=float(estimate),
            extra={"jobId": job_id, "provider": provider_id},
        )
        try:
            placed = self.timelines.add_clip_system(
                project, clip, link_to=span.frames.source_clip_ids
            )
        except EditError as exc:
            engine.cancel(job_id)  # refunds whatever it reserved
            self.follower.forget(job_id)
            raise GenerationError(f"the clip cannot be placed: {exc}") from exc
        job = engine.get(job_id)
        self.follower.sync(job_id)  # it may have finished already (a cache hit)
        return Started(
            job_id=job_id,
            clip_id=clip_id,
            track_index=placed.track_index,
            in_point=span.in_point,
            out_point=span.out_point,
            frames=conformed.frames,
            estimated_cost=estimate,
            credits=job.frames,
            provider=provider_id,
            first_frame=span.frames.first,
            last_frame=span.frames.last,
            status=job.status.value,
        )

    def estimate(
        self,
        project: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        in_point: float | None = None,
        out_point: float | None = None,
    ) -> Estimate:
        """``start`` without its effects: the frames, price and credits of the span and the track
        its clip would take (the same placement rule: the lowest free track above its sources)."""
        provider_id = self._provider(provider, model)
        timeline, span = self._span(project, in_point, out_point)
        info = self.studio.registry.get(provider_id).info
        conformed = conform(self._request("estimate", span, timeline, None, None), info).request
        assert isinstance(conformed, VideoRequest)
        try:
            cost = known_cost(info.pricing, conformed, info.id)
        except CapabilityError as exc:
            raise GenerationError(str(exc)) from exc
        sources = [r.track_index for r in (span.frames.first, span.frames.last) if r is not None]
        track = free_track_above(timeline, span.in_point, span.out_point, max(sources, default=-1))
        return Estimate(
            in_point=span.in_point, out_point=span.out_point, frames=conformed.frames,
            estimated_cost=cost, credits=conformed.frames if cost > 0 else 0,
            provider=provider_id, track_index=track, track_count=len(timeline.tracks),
            first_frame=span.frames.first, last_frame=span.frames.last,
        )  # fmt: skip

    def retry(self, project: str, user: str, job_id: str) -> Retried:
        """Run a failed or canceled generation again, from its stored request, into the same
        clip. The one who retries pays, like any new generation (credits checked first)."""
        self.follower.clip_of(project, job_id)  # 404 unless this project's generation
        engine = self.studio.engine
        job = engine.get(job_id)
        if job.status not in (JobStatus.FAILED, JobStatus.CANCELED):
            raise GenerationConflict(
                f"generation {job_id[:8]} is {job.status.value}: only failed or canceled "
                "generations are retried"
            )
        clip_id = self.follower.clip_of(project, job_id)
        try:
            self.timelines.get(project).clip(clip_id)
        except ClipNotFound:
            raise GenerationConflict(
                f"the clip of generation {job_id[:8]} was deleted: generate it again instead"
            ) from None
        self._check_credits(user, job.frames)  # what it reserved when it was submitted
        new_id = engine.submit(request_from_params(job.params), job.provider, user=user,
                               retried_from=job.id)  # fmt: skip
        self.follower.track(new_id, project, clip_id, user)
        self.timelines.update_clip(project, clip_id, status=ClipStatus.PROCESSING.value,
                                   error=None, jobId=new_id, progress=0.0)  # fmt: skip
        self.follower.sync(new_id)
        new = engine.get(new_id)
        return Retried(job_id=new_id, clip_id=clip_id, retried_from=job.id, credits=new.frames,
                       status=new.status.value)  # fmt: skip

    def _request(
        self,
        prompt: str,
        span: Span,
        timeline: Timeline,
        first: Path | None,
        last: Path | None,
    ) -> VideoRequest:
        width, height = 1280, 720
        for ref in (span.frames.first, span.frames.last):
            clip = timeline.clip(ref.clip_id) if ref is not None else None
            if clip is not None and clip.width and clip.height and clip.height > clip.width:
                width, height = 720, 1280  # portrait sources make a portrait clip
        frames = max(1, frame_count(span.duration, FPS))
        return VideoRequest(prompt, frames=frames, fps=FPS, width=width, height=height,
                            first_frame=first, last_frame=last)  # fmt: skip

    def _check_credits(self, user: str, frames: int) -> None:
        if frames <= 0:
            return
        ledger = self.studio.engine.ledger
        balance = ledger.balance(user)
        if balance.remaining < frames:
            wait = max(1, int((ledger.resets_at() - ledger.now()).total_seconds()))
            raise NotEnoughCredits(
                f"this generation needs {frames} frame credits and {user} has "
                f"{balance.remaining} left today (they reset in {wait // 3600} h "
                f"{wait % 3600 // 60} min)",
                wait,
            )


class JobFollower:
    """Turns job changes into clip updates and ``job`` notices, for the jobs it tracks."""

    def __init__(
        self,
        studio: Studio,
        timelines: LiveTimelines,
        notify: Notify,
        *,
        poll_seconds: float = 0.1,
    ) -> None:
        self.studio = studio
        self.timelines = timelines
        self.notify = notify
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sync_lock = threading.Lock()
        create_tables(self.engine)

    @property
    def engine(self) -> sa.Engine:
        return self.studio.engine.store.engine

    # -- tracking -------------------------------------------------------------------------------

    def track(self, job_id: str, project: str, clip_id: str, user: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(generations_table.insert().values(
                job_id=job_id, project=project, clip_id=clip_id, user=user, done=False,
                created_at=datetime.now(UTC)))  # fmt: skip

    def forget(self, job_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(generations_table.delete().where(generations_table.c.job_id == job_id))

    def has_asset(self, project: str, sha: str) -> bool:
        """Whether a generation of ``project`` made asset ``sha`` (one indexed query)."""
        query = (
            sa.select(generations_table.c.job_id)
            .join(jobs_table, jobs_table.c.id == generations_table.c.job_id)
            .where(generations_table.c.project == project, jobs_table.c.result_asset == sha)
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def generations(self, project: str, limit: int = 500) -> list[Generation]:
        """The project's generations, newest first (the DAM lists them with their jobs)."""
        query = (
            sa.select(generations_table)
            .where(generations_table.c.project == project)
            .order_by(generations_table.c.created_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [Generation(r.job_id, r.project, r.clip_id, r.user, bool(r.done),
                           _aware(r.created_at)) for r in rows]  # fmt: skip

    def clip_of(self, project: str, job_id: str) -> str:
        """The clip a job of ``project`` fills; ``GenerationNotFound`` for any other job."""
        row = self._row(job_id)
        if row is None or row.project != project:
            raise GenerationNotFound(f"no generation {job_id[:40]!r} in project {project!r}")
        return str(row.clip_id)

    def _row(self, job_id: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(generations_table).where(generations_table.c.job_id == job_id)
            ).one_or_none()

    # -- the loop -------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        after = self.studio.engine.store.last_event_id()
        self.catch_up()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(after,), name="job-follower", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def catch_up(self) -> None:
        """Bring every open generation's clip up to date (after a restart, jobs went on)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(generations_table.c.job_id).where(generations_table.c.done.is_(False))
            ).all()
        for row in rows:
            self.sync(row.job_id)

    def _run(self, after: int) -> None:
        store = self.studio.engine.store
        while not self._stop.is_set():
            try:
                events = store.follow(after=after)
                for row_id, event in events:
                    after = row_id
                    self.sync(event.job_id)
            except Exception:  # keep following: one bad job must not stop the others
                log.exception("job follower step failed")
            self._stop.wait(self.poll_seconds)

    # -- one job --------------------------------------------------------------------------------

    def sync(self, job_id: str) -> None:
        """Show the job's current state on its clip and in a notice. Idempotent."""
        with self._sync_lock:
            row = self._row(job_id)
            if row is None or row.done:
                return
            job = self.studio.engine.get(job_id)
            shown = True
            try:
                fields = self._clip_fields(row.project, job)
                self.timelines.update_clip(row.project, row.clip_id, **fields)
            except ClipNotFound:
                # Not placed yet (the job finished first: the generator syncs again right after
                # placing it) or deleted since: either way the job is not done with its clip.
                shown = False
            except EditError as exc:  # e.g. the media no longer fits: say so, keep following
                log.warning("clip %s of job %s not updated: %s", row.clip_id, job_id, exc)
            if job.finished and shown:
                with self.engine.begin() as conn:
                    conn.execute(generations_table.update()
                                 .where(generations_table.c.job_id == job_id)
                                 .values(done=True))  # fmt: skip
            self.notify(JobNotice(
                project=row.project, job_id=job_id, clip_id=row.clip_id,
                status=job.status.value, progress=job.progress, message=job.message,
                cost=job.actual_cost if job.finished else job.estimated_cost,
                error=job.error_message if job.status is JobStatus.FAILED else None,
            ))  # fmt: skip

    def _clip_fields(self, project: str, job: JobRecord) -> dict[str, Any]:
        if job.status is JobStatus.SUCCEEDED and job.result_asset is not None:
            asset = self.studio.engine.catalog.get(job.result_asset)
            fields: dict[str, Any] = {
                "status": ClipStatus.READY.value,
                "cloudUrl": media_url(project, asset.sha256),
                "sourceDuration": asset.duration,
                "hasAudio": False,
                "cost": float(job.actual_cost or 0),
                "error": None,
            }
            if asset.fps is not None:
                fields["sourceFps"] = str(asset.fps)
            if asset.width and asset.height:
                fields["width"], fields["height"] = asset.width, asset.height
            row = self._row(job.id)
            clip = self.timelines.get(project).clip(row.clip_id)
            if asset.duration is not None and asset.duration < clip.duration + clip.trim_start:
                fields["duration"] = max(asset.duration - clip.trim_start, 1e-3)  # media is short
            return fields
        if job.status in (JobStatus.FAILED, JobStatus.CANCELED):
            reason = job.error_message or job.status.value
            return {"status": ClipStatus.FAILED.value, "error": reason}
        return {"status": ClipStatus.PROCESSING.value, "progress": job.progress}
