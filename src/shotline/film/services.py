"""What a film run needs from the rest of shotline, and nothing more: generations, seen through
this narrow interface.

``GenerationEngine`` is one; the composition root hands it in (``Studio.film_pipeline``, used by
the CLI and the studio server alike), so film code never reaches into the engine's store,
catalog, ledger or registry, and never imports the composition root (``tests/film/
test_structure.py`` holds film/ to that).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from shotline.jobs.engine import Prepared
from shotline.jobs.records import JobRecord
from shotline.jobs.status import JobStatus
from shotline.providers.contracts import Kind, ProviderInfo, Request


class Candidates(Protocol):
    """Turns ``--providers`` (families or full ids) into providers: the registry does, and so
    does the engine for it."""

    def candidates(self, kind: Kind, wanted: Sequence[str]) -> list[str]:
        """Provider ids of ``kind`` named by ``wanted``, in its order; empty when none is."""
        ...


class Generations(Candidates, Protocol):
    def provider_info(self, provider_id: str) -> ProviderInfo: ...

    def prepare(self, request: Request, provider_id: str) -> Prepared:
        """Conformed, keyed and priced as a submission would be, without submitting."""
        ...

    def cached(self, key: str) -> JobRecord | None:
        """The succeeded job that answers ``key``, its asset still stored."""
        ...

    def find_job(
        self, key: str, statuses: Iterable[JobStatus], *, error_types: Iterable[str] | None = None
    ) -> str | None:
        """The oldest job with this key in one of ``statuses`` (and one of ``error_types``)."""
        ...

    def submit(self, request: Request, provider_id: str, user: str) -> str: ...

    def label(self, job_id: str, origin: str, name: str) -> None:
        """Say what a job was made for (a film run, an artifact of it)."""
        ...

    def get(self, job_id: str) -> JobRecord: ...

    def check_wait(self, job: JobRecord, started: float, timeout: float) -> None:
        """Raise when a wait on ``job`` begun at ``started`` should end (deadline, no worker),
        saying what it waits for."""
        ...

    def asset_path(self, sha: str) -> Path:
        """A local file holding the asset."""
        ...

    def credits_left(self, user: str) -> int:
        """Frames of credits ``user`` has left today."""
        ...
