"""How the pipeline tells a person what it is doing; the CLI draws it, tests ignore it."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def phase(self, title: str) -> None:
        """A phase starts ("Phase 2 - keyframes")."""

    def step(self, label: str, done: int, total: int) -> None:
        """A sub-step advanced ("keyframes", 4, 11)."""

    def note(self, text: str) -> None:
        """Something worth a line: a cost estimate, a dropped reference, a refusal."""


class Silent:
    def phase(self, title: str) -> None:
        pass

    def step(self, label: str, done: int, total: int) -> None:
        pass

    def note(self, text: str) -> None:
        pass
