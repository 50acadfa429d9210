"""What a media file holds, read with PyAV (the ffmpeg we ship has no ffprobe)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from shotline.media.errors import MediaNotFound, UnreadableMedia, describe
from shotline.timeline.timecode import frame_at, frame_start, parse_rate


@dataclass(frozen=True)
class MediaInfo:
    path: str
    duration: float  # seconds; the longest stream
    format: str
    has_video: bool
    has_audio: bool
    fps: Fraction | None = None  # exact average rate of the video stream
    width: int | None = None  # as stored, before rotation
    height: int | None = None
    rotation: int = 0  # degrees clockwise to display upright
    video_codec: str | None = None
    audio_codec: str | None = None
    frame_count: int | None = None  # frames that decode (fewer than the index says if damaged)
    sample_rate: int | None = None
    channels: int | None = None
    damage: str | None = None  # e.g. "truncated: 46 of 96 frames decode"; None when intact
    claimed_duration: float | None = None  # what a damaged file's header promises (seconds)

    @property
    def display_size(self) -> tuple[int, int] | None:
        """Width and height as shown, after rotation."""
        if self.width is None or self.height is None:
            return None
        if self.rotation % 180 == 90:
            return self.height, self.width
        return self.width, self.height


def open_container(path: str | Path) -> av.container.InputContainer:
    """Open for reading, turning PyAV's errors into ours (naming the file)."""
    text = str(path)
    if "://" not in text:
        if not Path(text).exists():
            raise MediaNotFound(text)
        if Path(text).is_file() and Path(text).stat().st_size == 0:
            raise UnreadableMedia(f"{text}: empty file")
    try:
        return av.open(text, mode="r")
    except (av.error.FFmpegError, OSError) as exc:
        raise UnreadableMedia(f"{text}: {describe(exc)}") from exc


def _rotation(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> int:
    """Degrees clockwise to display upright. PyAV exposes the display matrix on decoded frames
    only, so this decodes the first frame (a few milliseconds)."""
    tag = stream.metadata.get("rotate")  # older phone files
    if tag is not None and tag.lstrip("-").isdigit():
        return int(tag) % 360
    try:
        frame = next(container.decode(stream))
    except (StopIteration, av.error.FFmpegError):
        return 0
    # frame.rotation is counter-clockwise degrees.
    return -round(getattr(frame, "rotation", 0) / 90) * 90 % 360


def _file_size(path: str | Path) -> int | None:
    text = str(path)
    return None if "://" in text else Path(text).stat().st_size


def _cut(stream: av.stream.Stream, size: int | None) -> list[int] | None:
    """Timestamps of the packets wholly inside the file, when the demuxer's index says the data
    runs past its end (a truncated file whose index is at the front: ``+faststart`` MP4); else
    None. The index comes from the header, so this costs nothing for intact files."""
    entries = getattr(stream, "index_entries", None)  # PyAV 18+
    if size is None or not entries:
        return None
    if max(e.pos + e.size for e in entries) <= size:
        return None
    return sorted(e.timestamp for e in entries if e.pos + e.size <= size)


def _decodable_frames(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    size: int,
    fps: Fraction,
) -> int:
    """How many video frames really decode: from the last keyframe whose packet is whole, decode
    until the data runs out (one GOP of work, only for damaged files)."""
    entries = stream.index_entries
    keys = [e.timestamp for e in entries if e.is_keyframe and e.pos + e.size <= size]
    if not keys or stream.time_base is None:
        return 0
    time_base = Fraction(stream.time_base)
    start = stream.start_time or 0
    last = -1
    try:
        container.seek(max(keys), backward=True, any_frame=False, stream=stream)
        for frame in container.decode(stream):
            if frame.pts is not None:
                seconds = (frame.pts - start) * time_base + Fraction(1, 2) / fps
                last = max(last, frame_at(seconds, fps))
    except av.error.FFmpegError:
        pass  # the data ends mid-packet: what decoded so far is what there is
    return last + 1


def probe(path: str | Path) -> MediaInfo:
    with open_container(path) as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        durations = [
            float(s.duration * s.time_base)
            for s in (video, audio)
            if s is not None and s.duration is not None and s.time_base is not None
        ]
        if container.duration is not None:
            durations.append(container.duration / av.time_base)
        if video is None and audio is None:
            raise UnreadableMedia(f"{path}: no audio or video stream")
        fps = None
        if video is not None:
            rate = video.average_rate or video.guessed_rate or video.base_rate
            fps = parse_rate(Fraction(rate)) if rate else None
        rotation = _rotation(container, video) if video is not None else 0  # before any seek
        frames = (video.frames or None) if video is not None else None
        damage = None
        size = _file_size(path)
        video_cut = _cut(video, size) if video is not None else None
        audio_cut = _cut(audio, size) if audio is not None else None
        claimed = None
        if size is not None and (video_cut is not None or audio_cut is not None):
            claimed = max(durations, default=0.0)
            # The index and the data disagree: measure what is really there.
            ends = []
            if video is not None and fps is not None and video_cut is not None:
                decodable = _decodable_frames(container, video, size, fps)
                damage = f"truncated: {decodable} of {frames or '?'} frames decode"
                frames = decodable
                ends.append(float(frame_start(decodable, fps)))
            if audio is not None and audio_cut is not None and audio.time_base is not None:
                # A packet's audio ends where the next one begins: the last whole one is dropped.
                whole = audio_cut[-1] if audio_cut else 0
                ends.append(max(0.0, float((whole - (audio.start_time or 0)) * audio.time_base)))
                damage = damage or "truncated: the audio stops early"
            durations = ends
        return MediaInfo(
            path=str(path),
            duration=max(durations, default=0.0),
            format=container.format.name,
            has_video=video is not None,
            has_audio=audio is not None,
            fps=fps,
            width=video.codec_context.width if video is not None else None,
            height=video.codec_context.height if video is not None else None,
            rotation=rotation,
            video_codec=video.codec_context.name if video is not None else None,
            audio_codec=audio.codec_context.name if audio is not None else None,
            frame_count=frames,
            sample_rate=audio.codec_context.sample_rate if audio is not None else None,
            channels=audio.codec_context.channels if audio is not None else None,
            damage=f"{path}: {damage}" if damage else None,
            claimed_duration=claimed,
        )
