"""Uploads of local clips (seed 000): open an upload, send its bytes (resumable), follow it.

``POST /uploads`` opens one for a file name and size (optionally the local clip it shares);
opened as ``converting``, the owner's browser is transcoding it first and ``PATCH`` reports the
conversion's progress and, once known, the size of the file it will send;
``PUT /uploads/{id}?offset=N`` streams raw bytes from ``N`` (``GET`` tells how many arrived, so a
dropped connection resumes there; ``offset=0`` restarts); the last byte makes the server inspect
the file (415 with the reason when it is not media) and finish in the background. Status changes
reach every client as ``upload`` events and on the clip itself; on success the clip flips from
``local`` to ``cloud`` in place. ``POST /local-clips`` puts a local clip's placeholder (owner,
file name, duration) on the timeline for the others.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import anyio.from_thread
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from shotline.media.transcode import SHARE_HEIGHT
from shotline.studio.collab.commands import AddClip, AddTrack
from shotline.studio.deps import Member, Services
from shotline.studio.derivatives import media_url
from shotline.studio.errors import Forbidden, NotFound
from shotline.studio.schemas import Body
from shotline.studio.uploads import Upload, display_name
from shotline.timeline.model import Clip, ClipKind, SourceType
from shotline.timeline.snapshot import clip_to_dict

router = APIRouter(prefix="/api/projects/{project}", tags=["uploads"])


class UploadOut(BaseModel):
    id: str
    filename: str
    owner: str
    size: int
    received: int  # resume from here
    clip_id: str | None
    status: str  # converting | uploading | ready | failed
    progress: float
    error: str | None
    transcoded: bool
    asset: str | None
    url: str | None  # where the shared media is served, once ready
    created_at: datetime

    @classmethod
    def of(cls, project: str, upload: Upload) -> UploadOut:
        return cls(
            id=upload.id, filename=upload.filename, owner=upload.owner, size=upload.size,
            received=upload.received, clip_id=upload.clip_id, status=upload.status.value,
            progress=upload.progress, error=upload.error, transcoded=upload.transcoded,
            asset=upload.asset, url=media_url(project, upload.asset) if upload.asset else None,
            created_at=upload.created_at,
        )  # fmt: skip


class NewUpload(Body):
    filename: str = Field(max_length=1000, description="shown to people; never a server path")
    size: int = Field(ge=0, description="bytes the upload will send")
    clip_id: str | None = Field(None, max_length=255, description="the local clip it shares")
    converting: bool = Field(False, description="the client is still transcoding the file")


def _request_chunks(request: Request) -> Iterator[bytes]:
    """The request body as a plain iterator, for a route running in a worker thread."""
    stream: AsyncIterator[bytes] = request.stream()

    async def next_chunk() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := anyio.from_thread.run(next_chunk)) is not None:
        if chunk:
            yield chunk


class UploadPolicy(BaseModel):
    """What the client needs to prepare a file: the seed's browser-side transcode rule."""

    share_threshold: int  # bytes: larger files are transcoded (in the browser, else here)
    share_height: int  # lines of the shared copy (1080p H.264)
    max_bytes: int  # the largest upload accepted


@router.get("/upload-policy")
def upload_policy(access: Member, services: Services) -> UploadPolicy:
    uploads = services.uploads
    return UploadPolicy(share_threshold=uploads.share_threshold, share_height=SHARE_HEIGHT,
                        max_bytes=uploads.max_bytes)  # fmt: skip


@router.post("/uploads", status_code=201, responses={404: {}, 413: {}, 415: {}, 422: {}})
def open_upload(body: NewUpload, access: Member, services: Services) -> UploadOut:
    clip = body.clip_id
    if clip is not None and not services.timelines.get(access.project).has_clip(clip):
        raise NotFound(f"no clip {clip[:80]!r} in project {access.project!r}")
    upload = services.uploads.create(
        access.project, access.user.name, body.filename, body.size,
        clip_id=body.clip_id, converting=body.converting,
    )  # fmt: skip
    return UploadOut.of(access.project, upload)


@router.get("/uploads")
def list_uploads(access: Member, services: Services) -> list[UploadOut]:
    return [UploadOut.of(access.project, u) for u in services.uploads.list(access.project)]


@router.get("/uploads/{upload_id}", responses={404: {}})
def get_upload(upload_id: str, access: Member, services: Services) -> UploadOut:
    return UploadOut.of(access.project, services.uploads.get(access.project, upload_id))


class Conversion(Body):
    size: int | None = Field(None, gt=0, description="the converted file's size, once known")
    progress: float | None = Field(None, ge=0, le=1, description="the conversion's progress")


@router.patch("/uploads/{upload_id}", responses={403: {}, 404: {}, 409: {}, 413: {}})
def report_conversion(
    upload_id: str, body: Conversion, access: Member, services: Services
) -> UploadOut:
    """The owner's browser transcodes the file (seed 000): it reports progress, and the final
    size before sending the bytes."""
    upload = services.uploads.get(access.project, upload_id)
    if upload.owner != access.user.name:
        raise Forbidden(f"upload {upload_id} belongs to {upload.owner}: only they convert it")
    done = services.uploads.convert(
        access.project, upload_id, size=body.size, progress=body.progress
    )
    return UploadOut.of(access.project, done)


@router.put(
    "/uploads/{upload_id}",
    responses={404: {}, 409: {}, 413: {}, 415: {}},
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}}},
)
def send_bytes(
    upload_id: str,
    request: Request,
    access: Member,
    services: Services,
    offset: int = Query(0, ge=0, description="where these bytes start (resume or restart)"),
) -> UploadOut:
    upload = services.uploads.get(access.project, upload_id)
    if upload.owner != access.user.name:
        raise Forbidden(f"upload {upload_id} belongs to {upload.owner}: only they send its bytes")
    done = services.uploads.write(access.project, upload_id, offset, _request_chunks(request))
    return UploadOut.of(access.project, done)


class LocalClip(Body):
    filename: str = Field(max_length=1000)
    duration: float = Field(gt=0, le=24 * 3600)
    start_time: float = Field(ge=0, le=24 * 3600, alias="startTime")
    track_index: int = Field(0, ge=0, le=99, alias="trackIndex")
    kind: ClipKind = Field(
        ClipKind.VIDEO, alias="type", description="audio for a file without a video stream"
    )
    has_audio: bool = Field(False, alias="hasAudio")
    width: int | None = Field(None, gt=0, le=16384)
    height: int | None = Field(None, gt=0, le=16384)


class LocalClipOut(BaseModel):
    clip_id: str
    owner: str
    name: str
    duration: float


@router.post("/local-clips", status_code=201, responses={422: {}})
def add_local_clip(body: LocalClip, access: Member, services: Services) -> LocalClipOut:
    """A clip imported on one user's machine: the others see its owner, name and duration.
    An audio file goes on an audio track (one is added if the project has none)."""
    timelines = services.timelines
    if body.kind is ClipKind.AUDIO and not timelines.get(access.project).audio_tracks:
        timelines.command(access.project, access.user.name, AddTrack(op="addTrack", kind="audio"))
    clip = Clip(
        id=f"clip-local-{uuid.uuid4().hex[:12]}", name=display_name(body.filename),
        start=body.start_time, duration=body.duration, track_index=body.track_index,
        kind=body.kind, source_duration=body.duration, width=body.width, height=body.height,
        has_audio=body.has_audio or body.kind is ClipKind.AUDIO,
        source_type=SourceType.LOCAL, owner=access.user.name,
    )  # fmt: skip
    add = AddClip(op="add", clip=clip_to_dict(clip))
    timelines.command(access.project, access.user.name, add)  # in the user's undo
    return LocalClipOut(clip_id=clip.id, owner=clip.owner or "", name=clip.name,
                        duration=clip.duration)  # fmt: skip
