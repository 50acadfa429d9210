"""A project's media: the bytes (with range requests, so players seek), thumbnail strips,
waveform peaks and a browser-friendly proxy. An asset is served to a project that uses it: on its
live timeline, or uploaded or generated there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from shotline.studio.deps import Member, Services
from shotline.studio.derivatives import NotVideo, asset_of_url
from shotline.studio.errors import NotFound, StudioError

router = APIRouter(prefix="/api/projects/{project}/media/{sha}", tags=["media"])
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


@router.get("", responses={404: {}, 206: {}, 416: {}}, response_class=FileResponse)
def media_file(sha: Sha, access: Member, services: Services) -> FileResponse:
    """The asset's bytes; ``Range`` requests answer 206 with the part asked for."""
    _check(services, access.project, sha)
    catalog = services.studio.engine.catalog
    asset = catalog.get(sha)
    return FileResponse(catalog.local_path(sha), media_type=asset.mime, headers=IMMUTABLE)


@router.get("/proxy", responses={404: {}, 206: {}, 422: {}}, response_class=FileResponse)
def media_proxy(sha: Sha, access: Member, services: Services) -> FileResponse:
    """H.264 in MP4, index first, a keyframe every second (the asset itself when it is so)."""
    _check(services, access.project, sha)
    try:
        proxy = services.derivatives.proxy(sha)
    except NotVideo as exc:
        raise UnsupportedMedia(str(exc)) from exc
    original = {"X-Proxy-Is-Original": str(proxy.is_original).lower()}
    return FileResponse(proxy.path, media_type="video/mp4", headers=original)


@router.get("/thumbnails", responses={404: {}, 422: {}}, response_class=Response)
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


@router.get("/waveform", responses={404: {}})
def media_waveform(
    sha: Sha,
    access: Member,
    services: Services,
    buckets: int = Query(500, ge=1, le=20_000),
) -> Waveform:
    """Peaks for drawing; empty when the asset has no audio."""
    _check(services, access.project, sha)
    return Waveform(buckets=buckets, peaks=services.derivatives.waveform(sha, buckets))
