"""Exact frames out of a video file, by index or by time, with PyAV.

A ``FrameReader`` keeps its container open so that random access pays only for the decode from the
preceding keyframe, and a request ahead in the same GOP only for the frames in between (no seek).
Frame numbers come from each frame's pts (rounded to the nearest frame slot, which absorbs
containers that store coarse timestamps), never from counting decoded frames, so a seek that lands
anywhere still yields the right picture.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Self

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from shotline.files import atomic_path
from shotline.media.errors import (
    FrameOutOfRange,
    UnreadableMedia,
    UnsupportedImageFormat,
    describe,
)
from shotline.media.probe import open_container
from shotline.timeline.timecode import Rate, Seconds, frame_at, frame_start, parse_rate

Size = tuple[int, int]  # (width, height) as displayed
Pixels = NDArray[np.uint8]

# Without a seek index, decode forward rather than seek when the target is at most this many GOPs
# ahead: a seek lands on the target's keyframe, which is at most one GOP behind it anyway.
_FORWARD_GOPS = 2
_DEFAULT_GOP_SECONDS = 2


class FrameReader:
    """Random access to the frames of a file's first video stream. Not thread-safe."""

    def __init__(self, path: str | Path, *, size: Size | None = None) -> None:
        self.path = str(path)
        self.size = size
        self._container = open_container(path)
        try:
            if not self._container.streams.video:
                raise UnreadableMedia(f"{self.path}: no video stream")
            self._stream = self._container.streams.video[0]
            rate = self._stream.average_rate or self._stream.guessed_rate or self._stream.base_rate
            if not rate or self._stream.time_base is None:
                raise UnreadableMedia(f"{self.path}: video stream has no frame rate")
        except BaseException:
            self._container.close()
            raise
        # Slice threads only: frame threading must refill its pipeline after every seek, which
        # measured slower for short seek-and-decode runs (the common case here).
        self._stream.thread_type = "SLICE"
        self.rate: Rate = parse_rate(Fraction(rate))
        self._time_base = Fraction(self._stream.time_base)
        self._start_pts = self._stream.start_time or 0
        self._half_frame = Fraction(1, 2) / self.rate
        self.frame_count: int | None = self._stream.frames or None
        self.indexed_frames = self.frame_count  # what the header claims, before any decoding
        self._decoded: Iterator[av.VideoFrame] | None = None
        self._last: av.VideoFrame | None = None
        self._last_index = -1
        self._at_end = False
        self._gop_seen: int | None = None  # longest keyframe distance seen while decoding
        self._last_key_index: int | None = None
        self._keyframes: list[int] = []  # pts of keyframes known to the demuxer's index
        self._index_size = -1

    # -- context manager -------------------------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._decoded = None
        self._last = None
        self._container.close()

    @property
    def rotation(self) -> int:
        """Degrees clockwise the stored pictures are turned for display, as ``MediaInfo.rotation``.

        Read from the decoded frame's display matrix, which PyAV exposes on frames, not streams.
        """
        frame = self._last if self._last is not None else self._decode_to(0)
        return -_quarter_turns(frame) * 90 % 360

    @property
    def display_size(self) -> Size:
        """Width and height of the frames as returned without ``size``: after rotation."""
        width, height = self._stream.codec_context.width, self._stream.codec_context.height
        return (height, width) if self.rotation % 180 == 90 else (width, height)

    # -- public access ---------------------------------------------------------------------------

    def frame_at(self, seconds: Seconds, *, size: Size | None = None, clamp: bool = True) -> Pixels:
        """RGB pixels of the frame whose display interval contains ``seconds``."""
        return self.frame(frame_at(seconds, self.rate), size=size, clamp=clamp)

    def frame(self, index: int, *, size: Size | None = None, clamp: bool = True) -> Pixels:
        """RGB pixels (height x width x 3) of frame ``index``.

        Past the end gives the last frame, or with ``clamp=False`` raises ``FrameOutOfRange``
        (also when a damaged file's index lists the frame but its data does not decode).
        """
        if index < 0:
            raise ValueError(f"frame index must be >= 0, got {index}")
        if self.frame_count is not None:
            if not clamp and index >= self.frame_count:
                raise self._out_of_range(index)
            index = min(index, self.frame_count - 1)
        decoded = self._decode_to(index)
        if not clamp and self._last_index < index:
            raise self._out_of_range(index)
        return self._to_pixels(decoded, size or self.size)

    def _out_of_range(self, index: int) -> FrameOutOfRange:
        at = f"{float(frame_start(index, self.rate)):.3f} s (frame {index})"
        decodable = self.frame_count
        indexed = self.indexed_frames
        if self._at_end and indexed is not None and decodable is not None and decodable < indexed:
            return FrameOutOfRange(
                f"{self.path}: truncated: {decodable} of {indexed} frames decode; {at} is past them"
            )
        count = decodable if decodable is not None else self._last_index + 1
        end = float(frame_start(count, self.rate))
        return FrameOutOfRange(f"{self.path}: {at} is past the end ({end:.3f} s, {count} frames)")

    # -- decoding --------------------------------------------------------------------------------

    def _index_of(self, frame: av.VideoFrame) -> int:
        if frame.pts is None:  # no timestamp: trust decode order
            return self._last_index + 1
        seconds = (frame.pts - self._start_pts) * self._time_base
        # Stored timestamps may be rounded to the container's clock (1 ms in Matroska puts 29.97
        # fps frame 1 at 0.033 s, before its true start); half a frame absorbs any such rounding.
        return frame_at(seconds + self._half_frame, self.rate)

    def _pts_of(self, index: int) -> int:
        """The stream timestamp in the middle of frame ``index`` (see ``_index_of``)."""
        seconds = frame_start(index, self.rate) + self._half_frame
        return self._start_pts + math.floor(seconds / self._time_base)

    def _decode_to(self, index: int) -> av.VideoFrame:
        last = self._last
        if last is not None and (
            index == self._last_index or (self._at_end and index > self._last_index)
        ):
            return last
        if last is None or index < self._last_index or self._should_seek(index):
            self._seek_to(index)
        while self._last is None or self._last_index < index:
            frame = self._next()
            if frame is None:
                break
            self._keep(frame)
        if self._last is None:
            raise UnreadableMedia(f"{self.path}: no decodable video frame")
        return self._last

    def _should_seek(self, index: int) -> bool:
        """Whether seeking beats decoding forward from the last frame to ``index``."""
        keyframes = self._known_keyframes()
        if keyframes and self._last is not None and self._last.pts is not None:
            # Exact answer from the demuxer's index: seek only past a keyframe.
            position = bisect.bisect_right(keyframes, self._pts_of(index)) - 1
            return position >= 0 and keyframes[position] > self._last.pts
        gop = self._gop_seen or math.ceil(self.rate * _DEFAULT_GOP_SECONDS)
        return index - self._last_index > _FORWARD_GOPS * gop

    def _known_keyframes(self) -> list[int]:
        # ``index_entries`` is recent PyAV (it is in 18); without it the GOP heuristic decides.
        entries = getattr(self._stream, "index_entries", None)
        if entries is None:
            return []
        if len(entries) != self._index_size:  # some demuxers grow their index as they read
            self._index_size = len(entries)
            self._keyframes = sorted(e.timestamp for e in entries if e.is_keyframe)
        return self._keyframes

    def _seek_to(self, index: int) -> None:
        """Position the decoder at or before frame ``index``, at a keyframe."""
        self._seek(self._pts_of(index))
        frame = self._next()
        if frame is not None and self._index_of(frame) <= index:
            self._keep(frame)
            return
        # Landed past the target (a coarse or missing index): decode from the top instead.
        self._seek(None)

    def _seek(self, pts: int | None) -> None:
        try:
            if pts is None:
                self._container.seek(0)
            else:
                self._container.seek(pts, backward=True, any_frame=False, stream=self._stream)
        except av.error.FFmpegError as exc:
            raise UnreadableMedia(f"{self.path}: seek failed: {describe(exc)}") from exc
        self._decoded = iter(self._container.decode(self._stream))
        self._last = None
        self._last_index = -1
        self._last_key_index = None
        self._at_end = False

    def _next(self) -> av.VideoFrame | None:
        """The next decoded frame, or None at the end of the stream."""
        if self._decoded is None:
            return None
        try:
            return next(self._decoded)
        except StopIteration:
            self._at_end = True
            if self._last is not None:
                self.frame_count = self._last_index + 1
            return None
        except av.error.FFmpegError as exc:
            raise UnreadableMedia(f"{self.path}: cannot decode: {describe(exc)}") from exc

    def _keep(self, frame: av.VideoFrame) -> None:
        index = self._index_of(frame)
        if frame.key_frame:
            if self._last_key_index is not None and index > self._last_key_index:
                self._gop_seen = max(self._gop_seen or 0, index - self._last_key_index)
            self._last_key_index = index
        self._last, self._last_index = frame, index

    def _to_pixels(self, frame: av.VideoFrame, size: Size | None) -> Pixels:
        quarter_turns = _quarter_turns(frame)
        if size is not None:
            width, height = size
            if quarter_turns % 2:  # scale the stored picture to the rotated shape
                width, height = height, width
            frame = frame.reformat(width=width, height=height, interpolation="AREA")
        pixels = frame.to_ndarray(format="rgb24").astype(np.uint8, copy=False)
        if quarter_turns:
            pixels = np.ascontiguousarray(np.rot90(pixels, k=quarter_turns))  # k > 0 turns left
        return pixels


def _quarter_turns(frame: av.VideoFrame) -> int:
    """Counter-clockwise quarter turns for display; odd angles snap to the nearest quarter."""
    return round(getattr(frame, "rotation", 0) / 90) % 4


def extract_frame(
    path: str | Path,
    *,
    time: Seconds | None = None,
    frame: int | None = None,
    size: Size | None = None,
    clamp: bool = True,
) -> Pixels:
    """One frame, chosen by ``time`` (seconds) or ``frame`` (index), as RGB pixels.

    ``clamp=False``: a time or index past the end (or past what a damaged file decodes) raises
    ``FrameOutOfRange`` instead of giving the last frame."""
    if (time is None) == (frame is None):
        raise ValueError("give exactly one of time= or frame=")
    with FrameReader(path, size=size) as reader:
        if frame is not None:
            return reader.frame(frame, clamp=clamp)
        return reader.frame_at(time or 0, clamp=clamp)


IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
                 ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF"}  # fmt: skip


def image_format(path: str | Path) -> str:
    """The Pillow format the suffix names; raises ``UnsupportedImageFormat`` for any other."""
    suffix = Path(path).suffix.lower()
    found = IMAGE_FORMATS.get(suffix)
    if found is None:
        raise UnsupportedImageFormat(
            f"{path}: cannot write {suffix or 'a file without a suffix'} images; "
            f"use one of {', '.join(sorted(IMAGE_FORMATS))}"
        )
    return found


def save_image(pixels: Pixels, path: str | Path) -> Path:
    """Write pixels atomically in the format the suffix names (``.png``, ``.jpg``...)."""
    fmt = image_format(path)
    options = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    with atomic_path(path) as temp:
        Image.fromarray(pixels).save(temp, format=fmt, **options)
    return Path(path)


def save_png(pixels: Pixels, path: str | Path) -> Path:
    """Write pixels as PNG atomically: readers see the old file or the new one, never half."""
    with atomic_path(path) as temp:
        Image.fromarray(pixels).save(temp, format="PNG")
    return Path(path)


def fit_size(size: Size, box: Size) -> Size:
    """The largest size with ``size``'s aspect ratio that fits in ``box`` (each side at least 1)."""
    width, height = size
    scale = min(Fraction(box[0], width), Fraction(box[1], height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def thumbnail(path: str | Path, time: Seconds, max_size: Size = (320, 180)) -> Image.Image:
    """The frame at ``time``, scaled to fit ``max_size`` keeping its displayed aspect ratio."""
    with FrameReader(path) as reader:
        size = fit_size(reader.display_size, max_size)
        return Image.fromarray(reader.frame_at(time, size=size))
