"""Film runs for automation (seeds 001 and 002): create-and-run, status with the current step and
recent log lines, picks at checkpoints, cost confirmation, cancel, the finished film, and "open on
the timeline".

Runs are the CLI's runs (``film/runs.py`` folders under the data folder) driven by the same
functions the CLI uses (``Run.create``, ``pick_refs``/``pick_keyframes``, ``FilmPipeline``), so a
run started here can be inspected or resumed with ``shotline film`` and the other way round. The
server adds what HTTP needs: which project a run belongs to (a small table), a log of progress
lines kept beside the run (``studio-log.jsonl``), ``film_run`` notices, and a cancel flag checked
at every progress step (the pipeline stops there; finished generations stay cached, so a resume
pays nothing twice).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import mimetypes
import re
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import yaml
from PIL import Image, UnidentifiedImageError

from shotline.assets.catalog import AssetKind
from shotline.db import create_tables, metadata
from shotline.film.budget import Estimate
from shotline.film.checkpoints import (
    PickError,
    current_picks,
    pick_keyframes,
    pick_refs,
    reference_specs,
    waiting_for,
)
from shotline.film.context import FilmContext
from shotline.film.generation import Generator, Tally
from shotline.film.pipeline import boundary_references
from shotline.film.progress import Silent
from shotline.film.render import phase3_estimate
from shotline.film.runs import Phase, Picks, Run, RunNotFound, RunOptions, RunState
from shotline.jobs.labels import labels_table
from shotline.jobs.records import jobs_table
from shotline.providers.contracts import Kind
from shotline.savefile import load_timeline
from shotline.story.errors import ScriptError
from shotline.story.script import Script, load_script, parse_script, save_script
from shotline.studio.derivatives import media_url
from shotline.studio.errors import StudioError
from shotline.timeline.model import ClipKind, SourceType, Timeline

if TYPE_CHECKING:
    from shotline.app import Studio

log = logging.getLogger(__name__)

LOG_FILE = "studio-log.jsonl"
RECENT = 50
GUIDE_BYTES = 25 * 1024 * 1024  # a guide is one still picture
GUIDE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
# What a client may fetch from a run folder: the pictures people choose between, never the rest.
RUN_IMAGE = re.compile(
    r"(?:(?:references|keyframes)/(?:guides/)?[A-Za-z0-9._-]+\.(?:png|jpe?g|webp)|storyboard\.png)"
)

film_runs_table = sa.Table(
    "studio_film_runs",
    metadata,
    sa.Column("run_id", sa.String(128), primary_key=True),
    sa.Column("project", sa.String(64), nullable=False),
    sa.Column("user", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_studio_film_runs_project", "project", "created_at"),
)


class FilmError(StudioError, ValueError):
    status = 422


class FilmNotFound(FilmError, LookupError):
    status = 404


class FilmBusy(FilmError):
    status = 409


class FilmUnsupported(FilmError):
    status = 415


class FilmTooLarge(FilmError):
    status = 413


class Canceled(Exception):
    """Raised from a progress callback to stop a run at its next step."""


@dataclass(frozen=True)
class FilmNotice:
    project: str
    run_id: str
    step: str
    status: str  # the run's phase
    log: str | None


Notify = Callable[[FilmNotice], None]


@dataclass(frozen=True)
class SegmentProgress:
    """One segment's video, for the clip grid: its latest job, or ``waiting`` before one."""

    index: int  # 0-based
    status: str  # waiting | queued | running | succeeded | failed | canceled
    progress: float
    message: str
    error: str | None
    cached: bool


@dataclass(frozen=True)
class FilmStatus:
    state: RunState
    running: bool
    step: str
    log: list[dict[str, Any]]
    picks: Picks
    awaiting: list[str]  # what the checkpoint still needs: reference keys or boundary indices
    segments: list[SegmentProgress]


@dataclass(frozen=True)
class RefCheckpoint:
    key: str  # "character:mara"
    kind: str
    label: str
    variants: list[str]  # run-relative image paths, variant order
    pick: int | str | None  # a variant, a guide image's run-relative path, or none yet


@dataclass(frozen=True)
class KeyframeCheckpoint:
    boundary: int
    variants: list[str]
    pick: int | None
    references: list[str]  # the reference keys it is drawn from, in the order they are sent


@dataclass(frozen=True)
class Checkpoints:
    """Everything a person chooses between at the two checkpoints, and the image model's cap
    on references per keyframe (the ones past it are not sent)."""

    image_model: str | None
    cap: int
    refs: list[RefCheckpoint]
    keyframes: list[KeyframeCheckpoint]


class _RunLog:
    """The pipeline's ``Progress``: lines into the run's log file and notices; a cancel check."""

    def __init__(self, runs: FilmRuns, project: str, run: Run) -> None:
        self.runs, self.project, self.run = runs, project, run
        self.step_name = ""

    def _line(self, step: str, text: str) -> None:
        if self.runs.cancel_requested(self.run.id):
            raise Canceled("canceled")
        self.step_name = step
        self.runs.record(self.project, self.run, step, text)

    def phase(self, title: str) -> None:
        self._line(title, title)

    def step(self, label: str, done: int, total: int) -> None:
        self._line(label, f"{label} {done}/{total}")

    def note(self, text: str) -> None:
        self._line(self.step_name or "note", text)


class FilmRuns:
    def __init__(self, studio: Studio, data_dir: Path, notify: Notify, *, workers: int = 1) -> None:
        self.studio = studio
        self.data_dir = Path(data_dir)
        self.notify = notify
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="film")
        self._running: set[str] = set()
        self._cancel: set[str] = set()
        self._lock = threading.Lock()
        self._recent: dict[str, deque[dict[str, Any]]] = {}
        create_tables(studio.engine.store.engine)

    @property
    def engine(self) -> sa.Engine:
        return self.studio.engine.store.engine

    def close(self) -> None:
        with self._lock:
            self._cancel.update(self._running)
        self._pool.shutdown(wait=True)

    # -- runs of a project ----------------------------------------------------------------------

    def _run(self, project: str, run_id: str) -> Run:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(film_runs_table.c.project).where(film_runs_table.c.run_id == run_id)
            ).one_or_none()
        if row is None or row.project != project:
            raise FilmNotFound(f"no film run {run_id!r} in project {project!r}")
        try:
            return Run.find(self.data_dir, run_id)
        except RunNotFound as exc:
            raise FilmNotFound(str(exc)) from exc

    def runs(self, project: str) -> list[RunState]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(film_runs_table.c.run_id)
                .where(film_runs_table.c.project == project)
                .order_by(film_runs_table.c.created_at.desc())
            ).all()
        states = []
        for row in rows:
            with contextlib.suppress(RunNotFound, FileNotFoundError):
                states.append(Run.find(self.data_dir, row.run_id).load())
        return states

    def create(
        self,
        project: str,
        user: str,
        options: RunOptions,
        *,
        script: str | None = None,
        yes: bool = False,
    ) -> RunState:
        """Start a run from ``options.idea`` or a script's text (YAML or JSON, validated first)."""
        if (options.idea is None) == (script is None):
            raise FilmError("give an idea or a script (one of them)")
        loaded = None
        if script is not None:
            try:
                loaded = parse_script(yaml.safe_load(script), "the script")
            except yaml.YAMLError as exc:
                raise FilmError(f"the script is not YAML or JSON: {exc}") from exc
            except ScriptError as exc:
                raise FilmError(f"the script is not valid: {exc}") from exc
        options = options.model_copy(update={"user": user, "output": None})
        label = loaded.title if loaded is not None else options.idea or "film"
        run = Run.create(self.data_dir, options, label)
        if loaded is not None:
            save_script(loaded, run.script_path)
        with self.engine.begin() as conn:
            conn.execute(film_runs_table.insert().values(
                run_id=run.id, project=project, user=user, created_at=datetime.now(UTC),
            ))  # fmt: skip
        self.record(project, run, "created", f"run created by {user}")
        self._start(project, run, yes=yes)
        return run.load()

    def _start(self, project: str, run: Run, *, yes: bool) -> None:
        with self._lock:
            if run.id in self._running:
                raise FilmBusy(f"film run {run.id} is already running")
            self._running.add(run.id)
            self._cancel.discard(run.id)
        self._pool.submit(self._execute, project, run, yes)

    def _execute(self, project: str, run: Run, yes: bool) -> None:
        progress = _RunLog(self, project, run)
        try:
            pipeline = self.studio.film_pipeline(run, progress=progress, approve=lambda _: yes)
            state = pipeline.execute()
            self.record(project, run, state.phase.value, state.message or state.phase.value)
        except Canceled:
            run.update(phase=Phase.FAILED, message="canceled")
            self.record(project, run, "canceled", "canceled; resume to continue from here")
        except Exception as exc:  # the pipeline saved the failure in the run; tell the clients
            log.info("film run %s stopped: %s", run.id, exc)
            state = run.load()
            self.record(project, run, state.phase.value, state.message or str(exc))
        finally:
            with self._lock:
                self._running.discard(run.id)
                self._cancel.discard(run.id)

    # -- log ------------------------------------------------------------------------------------

    def record(self, project: str, run: Run, step: str, text: str) -> None:
        line = {"at": datetime.now(UTC).isoformat(), "step": step, "text": text}
        with self._lock:
            recent = self._recent.setdefault(run.id, deque(maxlen=RECENT))
            recent.append(line)
            with open(run.path(LOG_FILE), "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        phase = run.load().phase.value
        self.notify(FilmNotice(project, run.id, step, phase, text))

    def _recent_lines(self, run: Run) -> list[dict[str, Any]]:
        with self._lock:
            if run.id in self._recent:
                return list(self._recent[run.id])
        file = run.path(LOG_FILE)
        if not file.is_file():
            return []
        lines = file.read_text(encoding="utf-8").splitlines()[-RECENT:]
        return [json.loads(line) for line in lines if line.strip()]

    # -- actions --------------------------------------------------------------------------------

    def running(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._running

    def cancel_requested(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._cancel

    def status(self, project: str, run_id: str) -> FilmStatus:
        run = self._run(project, run_id)
        lines = self._recent_lines(run)
        state, picks = run.load(), run.picks()
        script = self._script(run, strict=False)
        count = len(script.segments) if script is not None else state.options.segments
        return FilmStatus(
            state=state,
            running=self.running(run.id),
            step=lines[-1]["step"] if lines else "",
            log=lines,
            picks=picks,
            awaiting=waiting_for(state, script, picks) if script is not None else [],
            segments=self._segments(run, count),
        )

    def _script(self, run: Run, *, strict: bool = True) -> Script | None:
        """The run's script; ``strict=False`` (status) reads a broken hand edit as none yet."""
        if not run.script_path.is_file():
            return None
        try:
            return load_script(run.script_path)
        except ScriptError as exc:
            if strict:
                raise FilmError(f"the run's script is not valid: {exc}") from exc
            return None

    def _segments(self, run: Run, count: int) -> list[SegmentProgress]:
        """The latest video job of each segment, from the labels the pipeline gives its jobs."""
        query = (
            sa.select(labels_table.c.name, jobs_table.c.status, jobs_table.c.progress,
                      jobs_table.c.message, jobs_table.c.error_message, jobs_table.c.cache_hit)
            .join(jobs_table, jobs_table.c.id == labels_table.c.job_id)
            .where(labels_table.c.origin == f"film run {run.id}",
                   labels_table.c.name.like("video segment %"))
            .order_by(jobs_table.c.created_at)
        )  # fmt: skip
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        latest: dict[int, Any] = {}
        for row in rows:
            number = row.name.rpartition(" ")[2]
            if number.isdigit():
                latest[int(number) - 1] = row
        out = []
        for index in range(count):
            job = latest.get(index)
            if job is None:
                out.append(SegmentProgress(index, "waiting", 0.0, "", None, False))
                continue
            out.append(SegmentProgress(index, job.status, float(job.progress or 0.0),
                                       job.message or "", job.error_message,
                                       bool(job.cache_hit)))  # fmt: skip
        return out

    # -- checkpoints ----------------------------------------------------------------------------

    def _image_model(self, state: RunState) -> tuple[str | None, int]:
        engine = self.studio.engine
        found = engine.candidates(Kind.IMAGE, state.options.providers)
        if not found:
            return None, 0
        return found[0], engine.provider_info(found[0]).capabilities.max_references

    def checkpoints(self, project: str, run_id: str) -> Checkpoints:
        """The variants of every reference and keyframe drawn so far, with the current picks
        (a pick made before its variants were drawn again does not count)."""
        run = self._run(project, run_id)
        state = run.load()
        model, cap = self._image_model(state)
        script = self._script(run)
        if script is None:
            return Checkpoints(model, cap, [], [])
        picks = current_picks(run.picks(), state.variant_basis)
        count = state.options.variants
        refs = [
            RefCheckpoint(spec.key, spec.kind, spec.label,
                          _variants(run, "references", spec.key.replace(":", "-"), count),
                          picks.refs.get(spec.key))
            for spec in reference_specs(script)
        ]  # fmt: skip
        keyframes = [
            KeyframeCheckpoint(boundary, _variants(run, "keyframes", f"K{boundary:02d}", count),
                               picks.keyframes.get(str(boundary)),
                               boundary_references(script, boundary, max(cap, 1)))
            for boundary in range(len(script.segments) + 1)
        ]  # fmt: skip
        return Checkpoints(model, cap, refs, keyframes)

    def folder(self, project: str, run_id: str) -> Path:
        return self._run(project, run_id).folder

    def image(self, project: str, run_id: str, relative: str) -> Path:
        """A variant, guide or storyboard picture of the run (nothing else of its folder)."""
        run = self._run(project, run_id)
        path = run.path(*relative.split("/"))
        if not RUN_IMAGE.fullmatch(relative) or not path.is_file():
            raise FilmNotFound(f"film run {run.id} has no image {relative[:200]!r}")
        return path

    def guide(self, project: str, run_id: str, key: str, data: bytes, mime: str) -> Picks:
        """The user's own picture for a reference: it stands in for the drawn variants (the
        CLI's ``film pick RUN refs KEY=IMAGE``)."""
        run = self._run(project, run_id)
        if self.running(run.id):
            raise FilmBusy(f"film run {run.id} is running; add a guide when it waits")
        suffix = GUIDE_TYPES.get(mime.split(";")[0].strip().lower())
        if suffix is None:
            raise FilmUnsupported(f"a guide image is PNG, JPEG or WebP, not {mime[:80]!r}")
        if len(data) > GUIDE_BYTES:
            raise FilmTooLarge(f"a guide image is at most {GUIDE_BYTES // 2**20} MB")
        try:
            with Image.open(io.BytesIO(data)) as picture:
                picture.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise FilmError("the guide is not a readable image (PNG, JPEG or WebP)") from exc
        script = self._script(run)
        if script is None:
            raise FilmError("this run has no script yet")
        with tempfile.TemporaryDirectory() as folder:
            upload = Path(folder, f"guide{suffix}")
            upload.write_bytes(data)
            try:
                picks = pick_refs(run, script, run.load().options.variants, [f"{key}={upload}"])
            except PickError as exc:
                raise FilmError(str(exc)) from exc
        self.record(project, run, "pick", f"guide image for {key}")
        return picks

    def estimate(self, project: str, run_id: str) -> Estimate:
        """Phase 3's price before it runs, guessed from the script (what a person confirms)."""
        run = self._run(project, run_id)
        script = self._script(run)
        if script is None:
            raise FilmError("this run has no script yet")
        state = run.load()
        engine = self.studio.engine
        gen = Generator(engine, state.options.providers, state.options.user, Tally())
        film = FilmContext(engine, run, state, gen, Silent(), None, None)
        try:
            return phase3_estimate(film, script)
        except LookupError as exc:  # no provider of a kind Phase 3 needs
            raise FilmError(str(exc)) from exc

    def pick(self, project: str, run_id: str, what: str, choices: list[str]) -> Picks:
        """The CLI's ``film pick``: KEY=VARIANT assignments (refs) or K3=2 (keyframes)."""
        run = self._run(project, run_id)
        if self.running(run.id):
            raise FilmBusy(f"film run {run.id} is running; pick when it waits")
        if not run.script_path.is_file():
            raise FilmError("this run has no script yet")
        script = load_script(run.script_path)
        variants = run.load().options.variants
        try:
            if what == "refs":
                for choice in choices:  # a non-number would be read as a path on the server
                    if not re.fullmatch(r"[vV]?\d+", choice.partition("=")[2].strip()):
                        raise FilmError(f"{choice!r}: pick a variant number (KEY=1); guide "
                                        "images are given with the CLI")  # fmt: skip
                return pick_refs(run, script, variants, choices)
            if what == "keyframes":
                return pick_keyframes(run, script, variants, choices)
        except PickError as exc:
            raise FilmError(str(exc)) from exc
        raise FilmError(f"pick refs or keyframes, not {what!r}")

    def resume(
        self,
        project: str,
        run_id: str,
        *,
        yes: bool = False,
        budget: Decimal | None = None,
        yolo: bool = False,
    ) -> RunState:
        """``film resume``: after picks, a cost confirmation (``yes``), a cancel or a crash."""
        run = self._run(project, run_id)
        if budget is not None and budget < 0:
            raise FilmError("the budget cannot be negative")
        with self._lock:
            if run.id in self._running:
                raise FilmBusy(f"film run {run.id} is already running")
        state = run.load()
        if budget is not None:
            state.options.budget = budget
        if yolo:
            state.options.yolo = True
        run.save(state)
        self.record(project, run, "resume", "resumed" + (" with cost approved" if yes else ""))
        self._start(project, run, yes=yes)
        return run.load()

    def cancel(self, project: str, run_id: str) -> RunState:
        run = self._run(project, run_id)
        with self._lock:
            if run.id not in self._running:
                raise FilmError(f"film run {run.id} is not running")
            self._cancel.add(run.id)
        return run.load()

    def output(self, project: str, run_id: str, name: str = "film") -> Path:
        run = self._run(project, run_id)
        state = run.load()
        path = state.outputs.get(name)
        if state.phase is not Phase.DONE or path is None or not Path(path).is_file():
            raise FilmNotFound(f"film run {run.id} has no finished {name} yet ({state.phase})")
        return Path(path)

    def timeline(self, project: str, run_id: str, user: str) -> Timeline:
        """The finished film's timeline with its media stored as assets and each ``cloudUrl``
        pointing at the project's media route, ready to become the project's live timeline."""
        path = self.output(project, run_id, "timeline")
        timeline = load_timeline(path)
        catalog = self.studio.engine.catalog
        clips = []
        for clip in timeline.clips:
            if clip.source and "://" not in clip.source and not clip.source.startswith("/api/"):
                media = (path.parent / clip.source).resolve()
                if not media.is_relative_to(path.parent.resolve()) or not media.is_file():
                    raise FilmError(f"clip {clip.id!r} of the film has no media at {clip.source}")
                # The file's own type (the narration is a WAV), by its name as it was written.
                default = "audio/mp4" if clip.kind is ClipKind.AUDIO else "video/mp4"
                mime = mimetypes.guess_type(media.name)[0] or default
                kind = AssetKind.AUDIO if clip.kind is ClipKind.AUDIO else AssetKind.VIDEO
                asset = catalog.add_file(media, kind=kind, mime=mime, owner=user,
                                         duration=clip.source_duration)  # fmt: skip
                clip = clip.with_(source=media_url(project, asset.sha256),
                                  source_type=SourceType.CLOUD)  # fmt: skip
            clips.append(clip)
        return timeline.with_clips(clips)

    def wait(self, project: str, run_id: str, timeout: float = 120.0) -> RunState:
        """Block until the run stops (done, waiting, failed): tests and scripts."""
        import time

        deadline = time.monotonic() + timeout
        run = self._run(project, run_id)
        while self.running(run.id):
            if time.monotonic() > deadline:
                raise TimeoutError(f"film run {run.id} still running after {timeout} s")
            time.sleep(0.05)
        return run.load()


def _variants(run: Run, folder: str, stem: str, count: int) -> list[str]:
    """Run-relative paths of the variants drawn so far (the pipeline's copies for people)."""
    found = []
    for variant in range(count):
        for suffix in IMAGE_SUFFIXES:
            if run.path(folder, f"{stem}-v{variant}{suffix}").is_file():
                found.append(f"{folder}/{stem}-v{variant}{suffix}")
                break
    return found
