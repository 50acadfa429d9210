"""Re-encodes for sharing and for browsers.

Shared uploads (seed 000, "Edge-Device Transcoding"): a file over the size threshold (50 MB) that is
not already H.264 at 1080 lines or fewer is re-encoded to H.264 CRF 28 + AAC 128k with the index
first (``+faststart``), keeping its frame rate and aspect ratio; smaller files are kept as they are.
The seed scales with ``scale=-2:1080``; a source already 1080 lines or fewer keeps its height
(scaling it up would only spend bits).

Browser proxies: a player seeks by fetching ranges and decoding from the previous keyframe, so the
proxy is H.264 yuv420p in MP4 with the index first and a keyframe every second.
"""

from __future__ import annotations

import math
from pathlib import Path

from shotline.files import atomic_path
from shotline.media.ffmpeg import Progress, run_ffmpeg
from shotline.media.ingest import Inspection

SHARE_THRESHOLD = 50 * 1000**2  # bytes (seed 000: "larger than 50MB"; as config.py says it)
SHARE_HEIGHT = 1080
PROXY_HEIGHT = 720
PROXY_GOP_SECONDS = 1.0  # a seek decodes at most this much
BROWSER_AUDIO = ("aac", "mp3")


def _height(inspection: Inspection) -> int | None:
    size = inspection.info.display_size
    return None if size is None else size[1]


def needs_share_transcode(
    inspection: Inspection, size: int, threshold: int = SHARE_THRESHOLD
) -> bool:
    """The seed's rule: over the threshold and not already H.264 at 1080 lines or fewer.
    Audio-only files are kept as they are (the rule is about camera footage)."""
    info = inspection.info
    if not info.has_video or size <= threshold:
        return False
    height = _height(inspection)
    return not (info.video_codec == "h264" and height is not None and height <= SHARE_HEIGHT)


def _scale(inspection: Inspection, max_height: int) -> str:
    height = _height(inspection)
    if height is not None and height > max_height:
        return f"scale=-2:{max_height}"
    return "scale=trunc(iw/2)*2:trunc(ih/2)*2"  # libx264 4:2:0 needs even sides


def _encode(
    source: Path,
    target: Path,
    inspection: Inspection,
    video: list[str],
    progress: Progress | None,
) -> Path:
    args = ["-i", str(source), "-map", "0:v:0", "-map", "0:a:0?", *video]
    if inspection.info.has_audio:
        args += ["-c:a", "aac", "-b:a", "128k"]
    args += ["-movflags", "+faststart", "-f", "mp4"]
    with atomic_path(target) as tmp:
        run_ffmpeg([*args, str(tmp)], progress=progress)
    return target


def share_transcode(
    source: Path, target: Path, inspection: Inspection, progress: Progress | None = None
) -> Path:
    """``scale=-2:1080``, libx264 CRF 28, AAC 128k, ``+faststart``; frame rate and aspect kept
    (ffmpeg keeps the input rate for MP4 output, and the scaler keeps the display aspect)."""
    video = ["-vf", _scale(inspection, SHARE_HEIGHT), "-c:v", "libx264", "-preset", "veryfast",
             "-crf", "28", "-pix_fmt", "yuv420p"]  # fmt: skip
    return _encode(source, target, inspection, video, progress)


def browser_friendly(inspection: Inspection) -> bool:
    """Plays and seeks in a browser as it is: H.264 4:2:0 in MP4 with the index first, short
    GOPs, AAC/MP3 audio or none, and no taller than the proxy."""
    info = inspection.info
    if not info.has_video:
        return True  # audio: the waveform is what the timeline needs
    height = _height(inspection)
    return (
        info.format.startswith("mov")
        and inspection.faststart
        and info.video_codec == "h264"
        and (not info.has_audio or info.audio_codec in BROWSER_AUDIO)
        and inspection.packets.max_keyframe_gap <= 2 * PROXY_GOP_SECONDS + 1e-6
        and height is not None
        and height <= SHARE_HEIGHT
    )


def make_proxy(
    source: Path, target: Path, inspection: Inspection, progress: Progress | None = None
) -> Path:
    """A seekable H.264 proxy: 720 lines at most, a keyframe every second, index first."""
    fps = inspection.info.fps
    gop = max(1, math.ceil(fps * PROXY_GOP_SECONDS)) if fps else 24
    video = ["-vf", _scale(inspection, PROXY_HEIGHT), "-c:v", "libx264", "-preset", "veryfast",
             "-crf", "23", "-pix_fmt", "yuv420p", "-g", str(gop), "-keyint_min", str(gop),
             "-sc_threshold", "0"]  # fmt: skip
    return _encode(source, target, inspection, video, progress)
