"""A project's media: the bytes (with range requests, so players seek), thumbnail strips,
waveform peaks and a browser-friendly proxy. An asset is served to a project that uses it: on its
live timeline, or uploaded or generated there. And the timeline's exact frame at a time: what the
player shows when it stops or steps (the browser's decoder is not trusted to land on a frame)."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from PIL import Image
from pydantic import BaseModel

from shotline.media.errors import MediaError
from shotline.media.frames import FrameReader
from shotline.studio.deps import Member, Services
from shotline.studio.derivatives import NoAudio, NotVideo, asset_of_url
from shotline.studio.errors import NotFound, StudioError
from shotline.timeline.model import ClipStatus, Timeline
from shotline.timeline.resolve import FrameRef, resolve_frame

router = APIRouter(prefix="/api/projects/{project}", tags=["media"])
IMMUTABLE = {"Cache-Control": "private, max-age=31536000, immutable"}  # assets never change
Sha = Annotated[str, PathParam(pattern=r"^[0-9a-f]{64}$", description="the asset's sha256")]


class UnsupportedMedia(StudioError):
    status = 422


def _check(services: Services, project: str, sha: str) -> str:
    """The asset if this project uses it; 404 otherwise (no hint that it exists elsewhere)."""
    used = {asset_of_url(c.source) for c in services.timelines.get(project).clips if c.source}
    if (
        sha not in used
        and not services.uploads.has_asset(project, sha)
        and not (services.follower.has_asset(project, sha))
    ):
        raise NotFound(f"no media {sha[:16]} in project {project!r}")
    services.studio.engine.catalog.get(sha)  # 404 when the catalog lost it
    return sha


@router.get("/media/{sha}", responses={404: {}, 206: {}, 416: {}}, response_class=FileResponse)
def media_file(sha: Sha, access: Member, services: Services) -> FileResponse:
    """The asset's bytes; ``Range`` requests answer 206 with the part asked for."""
    _check(services, access.project, sha)
    catalog = services.studio.engine.catalog
    asset = catalog.get(sha)
    return FileResponse(catalog.local_path(sha), media_type=asset.mime, headers=IMMUTABLE)


@router.get(
    "/media/{sha}/proxy", responses={404: {}, 206: {}, 422: {}}, response_class=FileResponse
)
def media_proxy(sha: Sha, access: Member, services: Services) -> FileResponse:
    """H.264 in MP4, index first, a keyframe every second (the asset itself when it is so)."""
    _check(services, access.project, sha)
    try:
        proxy = services.derivatives.proxy(sha)
    except NotVideo as exc:
        raise UnsupportedMedia(str(exc)) from exc
    original = {"X-Proxy-Is-Original": str(proxy.is_original).lower()}
    return FileResponse(proxy.path, media_type="video/mp4", headers=original)


@router.get(
    "/media/{sha}/audio", responses={404: {}, 206: {}, 422: {}}, response_class=FileResponse
)
def media_audio(sha: Sha, access: Member, services: Services) -> FileResponse:
    """The asset's sound alone, for the player's mix: the file itself when a browser plays it
    (WAV, MP3, AAC, FLAC, Ogg), else its audio in M4A (a video's sound without its picture)."""
    _check(services, access.project, sha)
    try:
        sound = services.derivatives.audio(sha)
    except NoAudio as exc:
        raise UnsupportedMedia(str(exc)) from exc
    original = {"X-Audio-Is-Original": str(sound.is_original).lower(), **IMMUTABLE}
    return FileResponse(sound.path, media_type=sound.mime, headers=original)


@router.get("/media/{sha}/thumbnails", responses={404: {}, 422: {}}, response_class=Response)
def media_thumbnails(
    sha: Sha,
    access: Member,
    services: Services,
    count: int = Query(10, ge=1, le=200),
    height: int = Query(72, ge=16, le=480),
) -> Response:
    """A JPEG strip of ``count`` frames (from the middle of equal slices), side by side; the
    tile size and the source time of each tile are in the ``X-Tile-*`` headers."""
    _check(services, access.project, sha)
    try:
        strip = services.derivatives.thumbnails(sha, count, height)
    except NotVideo as exc:
        raise UnsupportedMedia(str(exc)) from exc
    headers = {
        "X-Tile-Width": str(strip.tile_width),
        "X-Tile-Height": str(strip.tile_height),
        "X-Tile-Times": ",".join(f"{t:.6f}" for t in strip.times),
        **IMMUTABLE,
    }
    return Response(strip.jpeg, media_type="image/jpeg", headers=headers)


class Waveform(BaseModel):
    buckets: int
    peaks: list[tuple[float, float]]  # (min, max) of the mono mix per bucket, -1..1


@router.get("/media/{sha}/waveform", responses={404: {}})
def media_waveform(
    sha: Sha,
    access: Member,
    services: Services,
    buckets: int = Query(500, ge=1, le=20_000),
) -> Waveform:
    """Peaks for drawing; empty when the asset has no audio."""
    _check(services, access.project, sha)
    return Waveform(buckets=buckets, peaks=services.derivatives.waveform(sha, buckets))


def shown_frame(timeline: Timeline, seconds: float) -> FrameRef | None:
    """The frame the player shows at ``seconds``: the topmost ready clip with media that covers
    it (a near miss is a gap here: the player shows black between clips)."""
    ready = timeline.with_clips(
        c for c in timeline.clips
        if c.status is ClipStatus.READY and c.source is not None and asset_of_url(c.source)
    )  # fmt: skip
    ref = resolve_frame(ready, seconds)
    return None if ref is None or ref.snapped else ref


@router.get(
    "/timeline/frame",
    responses={204: {"description": "a gap: nothing under the time"}, 404: {}, 422: {}},
    response_class=Response,
)
def timeline_frame(
    access: Member,
    services: Services,
    t: float = Query(..., ge=0, le=86_400 * 7, description="timeline seconds"),
) -> Response:
    """A PNG of the exact source frame the timeline shows at ``t`` (topmost ready clip), at the
    source's size; which one is in ``X-Clip-Id``, ``X-Frame-Index`` and ``X-Source-Time``."""
    ref = shown_frame(services.timelines.get(access.project), t)
    if ref is None or ref.source is None:
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    sha = _check(services, access.project, str(asset_of_url(ref.source)))
    try:
        with FrameReader(services.studio.engine.catalog.local_path(sha)) as reader:
            pixels = reader.frame(ref.frame)
    except MediaError as exc:
        why = f"cannot read frame {ref.frame} of clip {ref.clip_id}: {exc}"
        raise UnsupportedMedia(why) from exc
    png = io.BytesIO()
    Image.fromarray(pixels).save(png, format="PNG", compress_level=1)  # speed over size
    headers = {
        "X-Clip-Id": ref.clip_id,
        "X-Frame-Index": str(ref.frame),
        "X-Source-Time": f"{float(ref.source_time):.6f}",
        "Cache-Control": "no-store",  # the timeline under t changes
    }
    return Response(png.getvalue(), media_type="image/png", headers=headers)
