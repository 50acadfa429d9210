"""What a media file holds, read with PyAV (the ffmpeg we ship has no ffprobe)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from shotline.media.errors import MediaNotFound, UnreadableMedia
from shotline.timeline.timecode import parse_rate


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
    frame_count: int | None = None
    sample_rate: int | None = None
    channels: int | None = None

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
    if "://" not in text and not Path(text).exists():
        raise MediaNotFound(text)
    try:
        return av.open(text, mode="r")
    except (av.error.FFmpegError, OSError) as exc:
        raise UnreadableMedia(f"cannot open {text}: {exc}") from exc


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
        return MediaInfo(
            path=str(path),
            duration=max(durations, default=0.0),
            format=container.format.name,
            has_video=video is not None,
            has_audio=audio is not None,
            fps=fps,
            width=video.codec_context.width if video is not None else None,
            height=video.codec_context.height if video is not None else None,
            rotation=_rotation(container, video) if video is not None else 0,
            video_codec=video.codec_context.name if video is not None else None,
            audio_codec=audio.codec_context.name if audio is not None else None,
            frame_count=(video.frames or None) if video is not None else None,
            sample_rate=audio.codec_context.sample_rate if audio is not None else None,
            channels=audio.codec_context.channels if audio is not None else None,
        )
