"""What a player and a timeline need from an asset, made on the server (never decoding whole files
in the page): thumbnail strips, waveform peaks, a browser-friendly proxy where the asset is not, and
the sound alone for the player's mix (a small audio file, also of a video's sound).

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
from shotline.files import atomic_path, write_atomic
from shotline.media.ffmpeg import run_ffmpeg
from shotline.media.ingest import inspect_upload
from shotline.media.probe import MediaInfo, probe
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


class NoAudio(StudioError, ValueError):
    status = 422


# Audio-only files every current browser's <audio> plays and seeks as they are (container and
# codec), with the type to serve them as: the catalog's own mime may be a guess (a film's WAV
# narration is stored as audio/mp4).
_BROWSER_AUDIO = {
    ("wav", "pcm_s16le"): "audio/wav",
    ("wav", "pcm_s24le"): "audio/wav",
    ("wav", "pcm_f32le"): "audio/wav",
    ("wav", "pcm_u8"): "audio/wav",
    ("mp3", "mp3"): "audio/mpeg",
    ("mov,mp4,m4a,3gp,3g2,mj2", "aac"): "audio/mp4",
    ("mov,mp4,m4a,3gp,3g2,mj2", "mp3"): "audio/mp4",
    ("flac", "flac"): "audio/flac",
    ("ogg", "vorbis"): "audio/ogg",
    ("ogg", "opus"): "audio/ogg",
}


def browser_audio(info: MediaInfo) -> str | None:
    """The type to serve an audio-only file as when browsers play it as it is; None otherwise."""
    if info.has_video or not info.has_audio:
        return None
    return _BROWSER_AUDIO.get((info.format, info.audio_codec or ""))


@dataclass(frozen=True)
class Sound:
    path: Path
    mime: str
    is_original: bool


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

    def audio(self, sha: str) -> Sound:
        """An asset's sound alone, as a browser plays it: the file itself when it is audio a
        browser reads, else its first audio stream in M4A (AAC; copied when it is AAC already)."""
        self.catalog.get(sha)
        cached = self._dir(sha) / "audio.m4a"
        if cached.is_file():
            return Sound(cached, "audio/mp4", False)
        with self._lock(sha):
            if cached.is_file():
                return Sound(cached, "audio/mp4", False)
            path = self.catalog.local_path(sha)
            info = probe(path)
            if not info.has_audio:
                raise NoAudio(f"asset {sha[:12]} has no sound")
            mime = browser_audio(info)
            if mime is not None:
                return Sound(path, mime, True)
            copy = info.audio_codec == "aac"
            codec = ["-c:a", "copy"] if copy else ["-c:a", "aac", "-b:a", "128k"]
            with atomic_path(cached) as tmp:
                run_ffmpeg(["-i", str(path), "-map", "0:a:0", "-vn", *codec,
                            "-movflags", "+faststart", "-f", "mp4", str(tmp)])  # fmt: skip
        return Sound(cached, "audio/mp4", False)

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
