"""What every phase of one pipeline invocation shares (a narrow bundle, not the whole studio)."""

from __future__ import annotations

import filecmp
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from shotline.film.budget import Estimate
from shotline.film.checkpoints import Scorer
from shotline.film.generation import Generator
from shotline.film.progress import Progress
from shotline.film.runs import Run, RunOptions, RunState
from shotline.film.services import Generations
from shotline.timeline.timecode import parse_rate

Approve = Callable[[Estimate], bool]  # the user's yes to Phase 3's estimate


@dataclass
class FilmContext:
    engine: Generations
    run: Run
    state: RunState
    gen: Generator
    progress: Progress
    approve: Approve | None
    scorer: Scorer | None  # set in YOLO mode: fills every missing pick
    # Encoded pieces (segment intermediates, narration masters), keyed by content and shared by
    # every run of the data folder; None keeps them in the run folder.
    pieces: Path | None = None

    @property
    def options(self) -> RunOptions:
        return self.state.options

    @property
    def size(self) -> tuple[int, int]:
        return self.options.width, self.options.height

    @property
    def fps(self) -> Fraction:
        return parse_rate(self.options.fps)

    @property
    def spent(self) -> Decimal:
        """Paid by the run so far, this invocation included."""
        return self.state.spent + self.gen.tally.paid

    def place(self, source: Path, *parts: str) -> Path:
        """A copy of an artifact in the run folder, for people (requests use catalog paths, so
        a user deleting or editing these copies cannot corrupt a cached asset)."""
        target = self.run.path(*parts)
        if not (target.is_file() and filecmp.cmp(source, target, shallow=False)):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        return target
