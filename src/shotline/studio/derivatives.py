"""What a player and a timeline need from an asset, made on the server (never decoding whole files
in the page): thumbnail strips, waveform peaks, and a browser-friendly proxy where the asset is not.

Derivatives are caches keyed by the asset's sha256 (the asset never changes, so neither do they),
kept under ``<data>/derived/ab/<sha>/`` and written atomically; delete the folder to rebuild.
One lock per asset keeps two requests from encoding the same proxy twice.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from shotline.assets.blobs import check_sha
from shotline.assets.catalog import AssetCatalog, AssetKind
from shotline.files import write_atomic
from shotline.media.ingest import inspect_upload
from shotline.media.thumbstrip import ThumbStrip, thumbnail_strip
from shotline.media.transcode import browser_friendly, make_proxy
from shotline.media.waveform import waveform_peaks
from shotline.studio.errors import StudioError

MAX_BUCKETS = 20_000
_MEDIA_URL = re.compile(r"/api/projects/[^/]+/media/([0-9a-f]{64})")


def media_url(project: str, sha: str) -> str:
    """Where a project's clips find an asset's bytes (``cloudUrl``): served with range requests."""
    return f"/api/projects/{project}/media/{check_sha(sha)}"


def asset_of_url(url: str) -> str | None:
    """The asset a ``cloudUrl`` of ours names; None for anything else."""
    found = _MEDIA_URL.fullmatch(url)
    return found.group(1) if found else None


class NotVideo(StudioError, ValueError):
    status = 422


@dataclass(frozen=True)
class Proxy:
    path: Path
    is_original: bool  # the asset itself already plays and seeks in a browser


class MediaDerivatives:
    def __init__(self, catalog: AssetCatalog, folder: Path) -> None:
        self.catalog = catalog
        self.folder = Path(folder)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _dir(self, sha: str) -> Path:
        check_sha(sha)
        return self.folder / sha[:2] / sha

    def _lock(self, sha: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(sha, threading.Lock())

    def thumbnails(self, sha: str, count: int, height: int = 72) -> ThumbStrip:
        asset = self.catalog.get(sha)
        if asset.kind is not AssetKind.VIDEO:
            raise NotVideo(f"asset {sha[:12]} is {asset.kind.value}, not video: no thumbnails")
        cached = self._dir(sha) / f"thumbs-{count}x{height}"
        jpeg, meta = cached.with_suffix(".jpg"), cached.with_suffix(".json")
        if jpeg.is_file() and meta.is_file():
            info = json.loads(meta.read_text())
            return ThumbStrip(jpeg.read_bytes(), info["tile_width"], info["tile_height"],
                              tuple(info["times"]))  # fmt: skip
        with self._lock(sha):
            path = self.catalog.local_path(sha)
            duration = asset.duration or inspect_upload(path).info.duration
            strip = thumbnail_strip(path, duration, count, height)
            write_atomic(jpeg, strip.jpeg)
            write_atomic(meta, json.dumps({"tile_width": strip.tile_width,
                                           "tile_height": strip.tile_height,
                                           "times": list(strip.times)}).encode())  # fmt: skip
        return strip

    def waveform(self, sha: str, buckets: int) -> list[tuple[float, float]]:
        if not 1 <= buckets <= MAX_BUCKETS:
            raise ValueError(f"buckets must be 1 to {MAX_BUCKETS}, got {buckets}")
        self.catalog.get(sha)
        cached = self._dir(sha) / f"peaks-{buckets}.json"
        if cached.is_file():
            return [(a, b) for a, b in json.loads(cached.read_text())]
        with self._lock(sha):
            peaks = waveform_peaks(self.catalog.local_path(sha), buckets)
            write_atomic(cached, json.dumps(peaks).encode())
        return peaks

    def proxy(self, sha: str) -> Proxy:
        """The asset itself when a browser plays it well, else a cached H.264 proxy."""
        asset = self.catalog.get(sha)
        if asset.kind is not AssetKind.VIDEO:
            raise NotVideo(f"asset {sha[:12]} is {asset.kind.value}, not video: no proxy")
        cached = self._dir(sha) / "proxy.mp4"
        if cached.is_file():
            return Proxy(cached, False)
        with self._lock(sha):
            if cached.is_file():
                return Proxy(cached, False)
            path = self.catalog.local_path(sha)
            found = inspect_upload(path)
            if browser_friendly(found):
                return Proxy(path, True)
            make_proxy(path, cached, found)
        return Proxy(cached, False)
