"""Is an uploaded file media we can use? A clear reason when it is not.

Uploads come from anyone: the bytes are probed with PyAV (never trusting the client's file name or
type), opened only with the demuxers of real audio/video containers (a text playlist such as HLS
or ffconcat would make FFmpeg open other files or URLs), and every packet of the main stream is
demuxed (not decoded, so a long file costs a read, not a decode) to catch truncated files whose
header promises more than the file holds. The first frame is decoded to prove the codec works.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import av

from shotline.media.errors import UnreadableMedia
from shotline.media.probe import MediaInfo, probe

# FFmpeg demuxer names of the containers an editor uploads (video, audio, image sequences are not
# uploads). Anything else, text formats above all, is refused before FFmpeg reads it.
MEDIA_FORMATS = (
    "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska,webm",
    "avi",
    "mpegts",
    "mpeg",
    "flv",
    "mxf",
    "mp3",
    "wav",
    "flac",
    "ogg",
    "aac",
    "aiff",
    "caf",
)
# A stream that stops this much short of what the header promises is a truncated file.
_TRUNCATION_SLACK = 0.5  # seconds


@dataclass(frozen=True)
class PacketStats:
    """What demuxing the main stream showed: where it really ends, how far apart keyframes are."""

    end: float  # seconds: the end of the last packet
    packets: int
    max_keyframe_gap: float  # longest run from a keyframe to the next one (or the last frame)


@dataclass(frozen=True)
class Inspection:
    info: MediaInfo
    packets: PacketStats
    faststart: bool  # MP4/MOV index before the data: a player can seek before it has it all


def _sniff(head: bytes) -> str | None:
    """A reason for common non-media files, clearer than FFmpeg's 'Invalid data'."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "it is a ZIP archive, not audio or video"
    if head.startswith((b"%PDF",)):
        return "it is a PDF document, not audio or video"
    if head.startswith((b"#EXTM3U", b"ffconcat")):
        return "it is a playlist, not audio or video (playlists may point at other files)"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "it is a text file, not audio or video"
    return None


def _formats() -> str:
    return ",".join(MEDIA_FORMATS)


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(
            str(path),
            mode="r",
            options={"format_whitelist": _formats(), "protocol_whitelist": "file"},
        )
    except (av.error.FFmpegError, OSError) as exc:
        with open(path, "rb") as fh:
            mp4 = fh.read(8)[4:8] == b"ftyp"
        if mp4 or "moov atom not found" in str(exc):
            raise UnreadableMedia(
                "the file is truncated or damaged: an MP4 whose index (moov) cannot be read"
            ) from exc
        raise UnreadableMedia(f"it is not audio or video FFmpeg can read ({_reason(exc)})") from exc


def _reason(exc: BaseException) -> str:
    """FFmpeg's reason without the file's path (a temporary name on the server)."""
    return str(getattr(exc, "strerror", None) or type(exc).__name__)


def demux_stats(path: Path) -> PacketStats:
    """Read (do not decode) every packet of the main stream: video, else audio."""
    with _open(path) as container:
        stream = (container.streams.video or container.streams.audio or [None])[0]
        if stream is None or stream.time_base is None:
            raise UnreadableMedia("it has no audio or video stream")
        base = stream.time_base
        end, last_start, count, gap, last_key = 0.0, 0.0, 0, 0.0, None
        try:
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue  # the flush packet at the end
                count += 1
                start = float(packet.pts * base)
                last_start = max(last_start, start)
                end = max(end, start + float((packet.duration or 0) * base))
                if packet.is_keyframe:
                    if last_key is not None:
                        gap = max(gap, start - last_key)
                    last_key = start
        except av.error.FFmpegError as exc:
            raise UnreadableMedia(f"the file is truncated or damaged ({_reason(exc)})") from exc
        if last_key is not None:
            gap = max(gap, last_start - last_key)  # the last GOP: to its last frame
    return PacketStats(end=end, packets=count, max_keyframe_gap=gap)


def mp4_faststart(path: Path) -> bool:
    """True when an MP4/MOV's ``moov`` box comes before its ``mdat`` (top-level boxes only)."""
    with open(path, "rb") as fh:
        while header := fh.read(8):
            if len(header) < 8:
                return False
            size, kind = struct.unpack(">I4s", header)
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size == 1:  # 64-bit size follows
                large = fh.read(8)
                if len(large) < 8:
                    return False
                size = struct.unpack(">Q", large)[0] - 8
            elif size == 0:  # box runs to the end of the file
                return False
            if size < 8:
                return False
            fh.seek(size - 8, 1)
    return False


def _decode_first(path: Path, info: MediaInfo) -> None:
    with _open(path) as container:
        stream = (container.streams.video or container.streams.audio)[0]
        try:
            for _frame in container.decode(stream):
                return
        except av.error.FFmpegError as exc:
            raise UnreadableMedia(f"its {stream.type} cannot be decoded ({_reason(exc)})") from exc
    raise UnreadableMedia(f"its {'video' if info.has_video else 'audio'} has no decodable frame")


def inspect_upload(path: str | Path) -> Inspection:
    """Probe and check an uploaded file; raises ``UnreadableMedia`` saying why it is refused."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise UnreadableMedia("the file is empty")
    with open(path, "rb") as fh:
        reason = _sniff(fh.read(4096))
    if reason is not None:
        raise UnreadableMedia(reason)
    _open(path).close()  # the whitelisted open first: probe() opens without the whitelist
    try:
        info = probe(path)
    except UnreadableMedia as exc:
        raise UnreadableMedia("it is not audio or video FFmpeg can read") from exc
    if info.format not in MEDIA_FORMATS:
        raise UnreadableMedia(f"its format ({info.format}) is not an audio or video container")
    packets = demux_stats(path)
    if packets.packets == 0:
        raise UnreadableMedia("it holds no audio or video data")
    promised = info.claimed_duration or info.duration  # probe measures a cut file's real end
    if promised - packets.end > max(_TRUNCATION_SLACK, promised * 0.02):
        raise UnreadableMedia(
            f"the file is truncated: its data ends at {packets.end:.2f} s "
            f"but its header says {promised:.2f} s"
        )
    _decode_first(path, info)
    faststart = info.format.startswith("mov") and mp4_faststart(path)
    return Inspection(info=info, packets=packets, faststart=faststart)
