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

import json
import re
import secrets
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


class RunNotFound(LookupError):
    def __init__(self, run: str, root: Path) -> None:
        super().__init__(run, root)
        self.run, self.root = run, root

    def __str__(self) -> str:
        return f"no film run {self.run!r} (runs live in {self.root})"


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


class Picks(BaseModel):
    """Checkpoint choices. A reference pick is a variant index or a guide image path (the user's
    own picture, copied into the run folder); keyframe picks are variant indices by boundary."""

    refs: dict[str, int | str] = Field(default_factory=dict)
    keyframes: dict[str, int] = Field(default_factory=dict)


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

    @classmethod
    def create(cls, data_dir: Path, options: RunOptions, label: str) -> Run:
        now = datetime.now(UTC)
        run_id = f"{_slug(label)}-{now:%Y%m%d}-{secrets.token_hex(3)}"
        run = cls(runs_root(data_dir) / run_id)
        run.folder.mkdir(parents=True)
        run.save(RunState(id=run_id, created_at=now, updated_at=now, options=options))
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
