"""A film run on disk: one folder per run, its state in small JSON files written atomically.

Files, not a table: a run folder is self-describing (copy it, read it, edit its ``script.yaml``
by hand) and every process sees the same state without a schema migration. The generation jobs
themselves stay in the database, where the engine keeps them; the folder only records what the
user decided (options, picks, approvals) and where the pipeline stopped.

Layout::

    <data>/films/<run id>/
        run.json        options, phase, what is awaited, the last report, output paths
        script.yaml     the script (hand-editable: ``film resume`` re-renders what changed)
        picks.json      the user's choices at the two checkpoints
        references/ keyframes/ audio/ segments/   copies of the artifacts, for people to look at
        film.mp4 timeline.json storyboard.png     the outputs
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from shotline.files import write_atomic

RUNS_FOLDER = "films"
STATE_FILE = "run.json"
PICKS_FILE = "picks.json"
SCRIPT_FILE = "script.yaml"
LOCK_FILE = ".lock"


class RunNotFound(LookupError):
    def __init__(self, run: str, root: Path) -> None:
        super().__init__(run, root)
        self.run, self.root = run, root

    def __str__(self) -> str:
        return f"no film run {self.run!r} (runs live in {self.root})"


class RunBusy(RuntimeError):
    """Another process holds the run (a ``resume`` or ``pick`` still going)."""

    def __init__(self, run: str, holder: str) -> None:
        super().__init__(run, holder)
        self.run, self.holder = run, holder

    def __str__(self) -> str:
        who = self.holder or "another process"
        return f"run {self.run} is in use by {who}: wait for it to end, or stop it first"


class Phase(StrEnum):
    CREATED = "created"
    WRITING = "writing"
    REFERENCES = "references"
    AWAITING_PICK_REFS = "awaiting_pick_refs"
    KEYFRAMES = "keyframes"
    AWAITING_PICK_KEYFRAMES = "awaiting_pick_keyframes"
    AWAITING_APPROVAL = "awaiting_approval"  # Phase 3's estimate needs a yes or a --budget
    RENDERING = "rendering"
    INTERRUPTED = "interrupted"  # Ctrl-C: its jobs stay queued, ``film resume`` continues
    DONE = "done"
    FAILED = "failed"

    @property
    def waiting(self) -> bool:
        return self in (Phase.AWAITING_PICK_REFS, Phase.AWAITING_PICK_KEYFRAMES,
                        Phase.AWAITING_APPROVAL)  # fmt: skip


class RunOptions(BaseModel):
    idea: str | None = None
    segments: int = Field(10, ge=1, le=60)
    variants: int = Field(3, ge=1, le=8)
    providers: list[str] = Field(default_factory=lambda: ["offline"])
    budget: Decimal | None = None  # USD this run may spend on new generations, all phases
    width: int = 1280
    height: int = 720
    fps: str = "24"
    yolo: bool = False
    style: str | None = None
    output: str | None = None  # where the film is copied when done (``-o``)
    user: str = "local"


class RunState(BaseModel):
    id: str
    created_at: datetime
    updated_at: datetime
    phase: Phase = Phase.CREATED
    message: str = ""  # what the run waits for, or why it failed
    options: RunOptions
    approved: Decimal | None = None  # the Phase 3 estimate the user said yes to
    spent: Decimal = Decimal(0)  # paid for new generations so far (cache hits are free)
    assembly_key: str | None = None  # inputs of the last assembly: equal inputs, no re-render
    sheet_key: str | None = None  # the same for the storyboard
    outputs: dict[str, str] = Field(default_factory=dict)
    report: dict[str, Any] = Field(default_factory=dict)  # the last invocation's accounting
    # The data folder whose database and assets hold the run's jobs (its cache). A run folder
    # copied elsewhere still belongs to it: resuming against another folder would pay again.
    data_dir: str | None = None
    # Per reference key / keyframe boundary: a digest of the cache keys of its variants as last
    # generated. A pick remembers the digest it was made against, so a re-drawn artifact (its
    # prompt or references edited) asks for a new pick instead of keeping the old index.
    variant_basis: dict[str, str] = Field(default_factory=dict)


class Picks(BaseModel):
    """Checkpoint choices. A reference pick is a variant index or a guide image path (the user's
    own picture, copied into the run folder); keyframe picks are variant indices by boundary."""

    refs: dict[str, int | str] = Field(default_factory=dict)
    keyframes: dict[str, int] = Field(default_factory=dict)
    basis: dict[str, str] = Field(default_factory=dict)  # key -> RunState.variant_basis at the pick


def _slug(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:28].rstrip("-") or "film"


def runs_root(data_dir: Path) -> Path:
    return data_dir / RUNS_FOLDER


class Run:
    """One run folder; every write is atomic, so a crash never leaves half a state file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.absolute()  # paths in timelines and ffmpeg lists must not be relative

    @property
    def id(self) -> str:
        return self.folder.name

    def path(self, *parts: str) -> Path:
        return self.folder.joinpath(*parts)

    @property
    def script_path(self) -> Path:
        return self.path(SCRIPT_FILE)

    # -- state ----------------------------------------------------------------------------------

    def load(self) -> RunState:
        return RunState.model_validate_json(self.path(STATE_FILE).read_text())

    def save(self, state: RunState) -> RunState:
        state.updated_at = datetime.now(UTC)
        write_atomic(self.path(STATE_FILE), state.model_dump_json(indent=2).encode())
        return state

    def update(self, **changes: Any) -> RunState:
        state = self.load()
        for name, value in changes.items():
            setattr(state, name, value)
        return self.save(state)

    def picks(self) -> Picks:
        file = self.path(PICKS_FILE)
        return Picks.model_validate_json(file.read_text()) if file.is_file() else Picks()

    def save_picks(self, picks: Picks) -> None:
        data = json.dumps(picks.model_dump(), indent=2, sort_keys=True).encode()
        write_atomic(self.path(PICKS_FILE), data)

    def home(self, state: RunState) -> Path:
        """The data folder the run's jobs live in: as recorded, else (runs made before it was
        recorded) the one its folder sits in."""
        if state.data_dir:
            return Path(state.data_dir)
        return self.folder.parent.parent

    # -- one process at a time --------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, command: str) -> Iterator[None]:
        """Hold the run for one command, so two ``resume``/``pick`` never interleave.

        An advisory ``flock`` on a file in the run folder: the kernel drops it when the process
        ends however it ends (Ctrl-C, ``kill -9``), so a dead holder never blocks the run. The
        file names the holder for the message the next one gets.
        """
        path = self.path(LOCK_FILE)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
                raise RunBusy(self.id, holder) from None
            since = datetime.now(UTC).strftime("%H:%M:%S UTC")
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} ({command}, since {since})".encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def remove(self) -> None:
        """Delete the run folder (its copies of artifacts; the cached assets stay in the data
        folder's store for other runs). Refused while another process holds the run."""
        with self.lock("film rm"):
            shutil.rmtree(self.folder)

    @classmethod
    def create(cls, data_dir: Path, options: RunOptions, label: str) -> Run:
        now = datetime.now(UTC)
        run_id = f"{_slug(label)}-{now:%Y%m%d}-{secrets.token_hex(3)}"
        run = cls(runs_root(data_dir) / run_id)
        run.folder.mkdir(parents=True)
        home = str(data_dir.absolute())
        run.save(RunState(id=run_id, created_at=now, updated_at=now, options=options,
                          data_dir=home))  # fmt: skip
        return run

    @classmethod
    def find(cls, data_dir: Path, run: str) -> Run:
        """A run by id, unique id prefix, or folder path."""
        root = runs_root(data_dir)
        direct = Path(run)
        if (direct / STATE_FILE).is_file():
            return cls(direct.resolve())
        if (root / run / STATE_FILE).is_file():
            return cls(root / run)
        matches = sorted(p for p in root.glob(f"{run}*") if (p / STATE_FILE).is_file())
        if len(matches) == 1:
            return cls(matches[0])
        raise RunNotFound(run, root)

    @classmethod
    def all(cls, data_dir: Path) -> list[Run]:
        root = runs_root(data_dir)
        found = (
            [cls(p) for p in root.iterdir() if (p / STATE_FILE).is_file()] if root.is_dir() else []
        )
        return sorted(found, key=lambda r: r.load().created_at)
