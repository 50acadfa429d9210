"""Saved timelines: save the live timeline (JSON + PNG preview), list, read, preview, load
(replaces the timeline for everyone), and delete (admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shotline.studio.collab.saves import SavedTimeline, SaveNotFound
from shotline.studio.deps import AdminUser, Member, Services
from shotline.studio.errors import NotFound
from shotline.studio.routes.timeline import TimelineState
from shotline.studio.schemas import Body, Detail
from shotline.timeline.snapshot import to_dict

router = APIRouter(prefix="/api/projects/{project}/saves", tags=["saves"])
MISSING: dict[int | str, dict[str, Any]] = {
    404: {"model": Detail, "description": "no such saved timeline"}
}


class SaveOut(BaseModel):
    id: str
    name: str
    saved_by: str | None
    saved_at: str | None
    clips: int
    tracks: int
    audio_tracks: int
    preview_url: str | None

    @classmethod
    def of(cls, project: str, saved: SavedTimeline) -> SaveOut:
        preview = f"/api/projects/{project}/saves/{saved.id}/preview.png"
        return cls(
            id=saved.id, name=saved.name, saved_by=saved.saved_by, saved_at=saved.saved_at,
            clips=saved.clips, tracks=saved.tracks, audio_tracks=saved.audio_tracks,
            preview_url=preview if saved.has_preview else None,
        )  # fmt: skip


class NewSave(Body):
    name: str = Field(min_length=1, max_length=200)


def _missing(exc: SaveNotFound) -> NotFound:
    return NotFound(str(exc))


@router.get("")
def list_saves(access: Member, services: Services) -> list[SaveOut]:
    """Saved timelines, newest first."""
    return [SaveOut.of(access.project, s) for s in services.saves.list(access.project)]


@router.post("", status_code=201)
async def save(body: NewSave, access: Member, services: Services) -> SaveOut:
    """Save the live timeline as it is now, with the frame under the playhead as its preview."""
    saved = await run_in_threadpool(
        services.saves.save, access.project, body.name, access.user.name
    )
    return SaveOut.of(access.project, saved)


@router.get("/{save_id}", responses=MISSING)
def read_save(save_id: str, access: Member, services: Services) -> dict[str, object]:
    """The saved timeline's JSON (the seed's format)."""
    try:
        return to_dict(services.saves.read(access.project, save_id))
    except SaveNotFound as exc:
        raise _missing(exc) from exc


@router.get("/{save_id}/preview.png", responses=MISSING, response_class=FileResponse)
def preview(save_id: str, access: Member, services: Services) -> FileResponse:
    try:
        return FileResponse(services.saves.preview(access.project, save_id), media_type="image/png")
    except SaveNotFound as exc:
        raise _missing(exc) from exc


@router.post("/{save_id}/load", responses=MISSING)
async def load(save_id: str, access: Member, services: Services) -> TimelineState:
    """Replace the live timeline with this save, for everyone, in one transaction."""
    try:
        timeline = await run_in_threadpool(
            services.saves.load, access.project, save_id, access.user.name
        )
    except SaveNotFound as exc:
        raise _missing(exc) from exc
    revision = await services.timelines.arevision(access.project)
    return TimelineState(revision=revision, timeline=to_dict(timeline))


@router.delete("/{save_id}", status_code=204, responses=MISSING)
def delete_save(save_id: str, access: Member, admin: AdminUser, services: Services) -> None:
    """Delete a saved timeline and its preview (admins only)."""
    try:
        services.saves.delete(access.project, save_id)
    except SaveNotFound as exc:
        raise _missing(exc) from exc
