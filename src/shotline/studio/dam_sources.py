"""What each area contributes to the DAM: small adapters from its own records to ``DamItem``s.
The composition root registers them; the areas themselves know nothing of the DAM."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shotline.assets.catalog import assets_table
from shotline.jobs.records import jobs_table
from shotline.studio.collab.saves import SavedTimeline, SaveService
from shotline.studio.dam import DamItem, DamKind, DamSource

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _when(text: str | None) -> datetime:
    """An ISO time from a file (``2026-02-16T08:30:00.000Z``); the epoch when unreadable."""
    if not text:
        return EPOCH
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return EPOCH
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def saved_timeline_item(project: str, save: SavedTimeline) -> DamItem:
    base = f"/api/projects/{project}/saves/{save.id}"
    return DamItem(
        id=f"timeline:{save.id}",
        kind=DamKind.TIMELINE,
        name=save.name,
        owner=save.saved_by,
        created_at=_when(save.saved_at),
        mime="application/json",
        url=base,
        preview_url=f"{base}/preview.png" if save.has_preview else None,
    )


def saved_timelines(saves: SaveService) -> DamSource:
    def source(project: str) -> list[DamItem]:
        return [saved_timeline_item(project, s) for s in saves.list(project)]

    return source


# -- uploads, generations and film runs (i7media's records, read through these shapes) ----------


class UploadLike(Protocol):  # read-only: the records are frozen
    @property
    def id(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def filename(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def status(self) -> Any: ...  # UploadStatus (a StrEnum)
    @property
    def asset(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...


class GenerationLike(Protocol):
    @property
    def job_id(self) -> str: ...
    @property
    def clip_id(self) -> str: ...
    @property
    def user(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


class FilmRunLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def phase(self) -> Any: ...
    @property
    def spent(self) -> Decimal: ...
    @property
    def outputs(self) -> dict[str, str]: ...

    @property
    def options(self) -> Any: ...


def _assets(engine: Engine, shas: Iterable[str]) -> dict[str, Any]:
    wanted = sorted({s for s in shas if s})
    if not wanted:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(assets_table).where(assets_table.c.sha256.in_(wanted))).all()
    return {row.sha256: row for row in rows}


def uploads(list_uploads: Callable[[str], Sequence[UploadLike]], engine: Engine) -> DamSource:
    def source(project: str) -> list[DamItem]:
        found = list(list_uploads(project))
        stored = _assets(engine, (u.asset or "" for u in found))
        items = []
        for upload in found:
            asset = stored.get(upload.asset or "")
            items.append(
                DamItem(
                    id=f"upload:{upload.id}", kind=DamKind.UPLOAD, name=upload.filename,
                    owner=upload.owner, created_at=upload.created_at,
                    status=str(upload.status.value if hasattr(upload.status, "value")
                               else upload.status),
                    asset=upload.asset, mime=asset.mime if asset else None,
                    size=asset.size if asset else upload.size,
                    duration=asset.duration if asset else None,
                    width=asset.width if asset else None, height=asset.height if asset else None,
                    url=media_url(project, upload.asset) if upload.asset else None,
                )
            )  # fmt: skip
        return items

    return source


def generations(
    list_generations: Callable[[str], Sequence[GenerationLike]], engine: Engine
) -> DamSource:
    """Generated clips and images with the job's provider, model, prompt and cost (actual when
    known, else the estimate shown before it ran)."""

    def source(project: str) -> list[DamItem]:
        found = list(list_generations(project))
        if not found:
            return []
        with engine.connect() as conn:
            jobs = {
                row.id: row
                for row in conn.execute(
                    sa.select(jobs_table).where(jobs_table.c.id.in_([g.job_id for g in found]))
                ).all()
            }
        stored = _assets(engine, (j.result_asset or "" for j in jobs.values()))
        items = []
        for generation in found:
            job = jobs.get(generation.job_id)
            if job is None:
                continue
            asset = stored.get(job.result_asset or "")
            kind = DamKind.GENERATED_IMAGE if job.kind == "image" else DamKind.GENERATED_CLIP
            cost = job.actual_cost if job.actual_cost is not None else job.estimated_cost
            items.append(
                DamItem(
                    id=f"{kind.value}:{job.id}", kind=kind,
                    name=f"AI: {(job.prompt or '').strip()[:60]}".rstrip(),
                    owner=generation.user, created_at=generation.created_at,
                    provider=job.provider, model=job.model, prompt=job.prompt, cost=cost,
                    status=job.status, asset=job.result_asset,
                    mime=asset.mime if asset else None, size=asset.size if asset else None,
                    duration=asset.duration if asset else None,
                    width=asset.width if asset else None, height=asset.height if asset else None,
                    url=media_url(project, job.result_asset) if job.result_asset else None,
                )
            )  # fmt: skip
        return items

    return source


def films(list_runs: Callable[[str], Sequence[FilmRunLike]]) -> DamSource:
    """Finished films (a run with a film on disk), with what the run spent."""

    def source(project: str) -> list[DamItem]:
        items = []
        for run in list_runs(project):
            film = run.outputs.get("film")
            if not film or not Path(film).is_file():
                continue
            idea = getattr(run.options, "idea", None) or run.id
            items.append(
                DamItem(
                    id=f"film:{run.id}", kind=DamKind.FILM, name=str(idea)[:80],
                    owner=getattr(run.options, "user", None), created_at=run.created_at,
                    prompt=getattr(run.options, "idea", None), cost=run.spent,
                    status=str(getattr(run.phase, "value", run.phase)), mime="video/mp4",
                    size=Path(film).stat().st_size,
                    url=f"/api/projects/{project}/films/{run.id}/film",
                )
            )  # fmt: skip
        return items

    return source


def media_url(project: str, sha: str) -> str:
    """The media route's URL of an asset (served with Range by the media routes)."""
    return f"/api/projects/{project}/media/{sha}"
