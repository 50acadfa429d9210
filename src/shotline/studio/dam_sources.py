"""What each area contributes to the DAM: small adapters from its own records to ``DamItem``s.
The composition root registers them; the areas themselves know nothing of the DAM."""

from __future__ import annotations

from datetime import UTC, datetime

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
