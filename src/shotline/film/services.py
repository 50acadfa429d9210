"""What a film run needs from the rest of shotline: the generation engine, seen through this
narrow interface. ``GenerationEngine`` is one; the CLI and the studio server hand theirs in
(``FilmPipeline(studio.engine, run)``), and film code never reaches into the engine's store,
catalog, ledger or registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from shotline.costs.credits import CreditBalance
from shotline.jobs.engine import Prepared
from shotline.jobs.records import JobRecord
from shotline.jobs.status import JobStatus
from shotline.providers.contracts import Kind, ProviderInfo, Request


class Generations(Protocol):
    def candidates(self, kind: Kind, wanted: Sequence[str]) -> list[str]:
        """Provider ids of ``kind`` named by ``wanted`` (families or full ids), in order."""
        ...

    def provider_info(self, provider_id: str) -> ProviderInfo: ...

    def prepare(self, request: Request, provider_id: str) -> Prepared:
        """Conformed, keyed and priced, without submitting."""
        ...

    def cached(self, key: str) -> JobRecord | None:
        """The succeeded job that answers ``key``, its asset still stored."""
        ...

    def find_job(
        self, key: str, statuses: Iterable[JobStatus], *, error_types: Iterable[str] | None = None
    ) -> str | None: ...

    def submit(
        self,
        request: Request,
        provider_id: str,
        user: str,
        priority: int = 0,
        force: bool = False,
        *,
        retried_from: str | None = None,
    ) -> str: ...

    def get(self, job_id: str) -> JobRecord: ...

    def check_wait(self, job: JobRecord, started: float, timeout: float) -> None:
        """Raise when a wait on ``job`` begun at ``started`` should end (deadline, no worker)."""
        ...

    def asset_path(self, sha: str) -> Path:
        """A local file holding the asset."""
        ...

    def credits(self, user: str) -> CreditBalance: ...
