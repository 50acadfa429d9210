"""Waveform peaks for drawing: the min and max sample of each slice of a file's audio."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from shotline.media.errors import UnreadableMedia
from shotline.media.probe import open_container

Samples = NDArray[np.float32]

# Peaks are first gathered per block of samples (memory stays small for long files), then the blocks
# are merged into buckets. Aim for this many blocks per bucket so bucket edges are placed finely.
_BLOCKS_PER_BUCKET = 16
_UNKNOWN_DURATION_BLOCK = 256  # samples per block when the duration is not known up front


class _BlockPeaks:
    """Running min/max over fixed-size blocks of a sample stream fed in arbitrary chunks."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._carry: Samples = np.empty(0, dtype=np.float32)
        self._mins: list[Samples] = []
        self._maxs: list[Samples] = []

    def add(self, samples: Samples) -> None:
        data = np.concatenate((self._carry, samples)) if self._carry.size else samples
        whole = data.size // self.size * self.size
        if whole:
            blocks = data[:whole].reshape(-1, self.size)
            self._mins.append(blocks.min(axis=1))
            self._maxs.append(blocks.max(axis=1))
        self._carry = data[whole:]

    def finish(self) -> tuple[Samples, Samples]:
        if self._carry.size:  # the last, partial block
            self._mins.append(self._carry.min(keepdims=True))
            self._maxs.append(self._carry.max(keepdims=True))
            self._carry = np.empty(0, dtype=np.float32)
        if not self._mins:
            empty = np.empty(0, dtype=np.float32)
            return empty, empty
        return np.concatenate(self._mins), np.concatenate(self._maxs)


def _block_size(stream: av.audio.stream.AudioStream, container_seconds: float, buckets: int) -> int:
    rate = stream.codec_context.sample_rate or stream.rate
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    else:
        seconds = container_seconds
    if not rate or seconds <= 0:
        return _UNKNOWN_DURATION_BLOCK
    return max(1, int(seconds * rate) // (buckets * _BLOCKS_PER_BUCKET))


def _to_buckets(mins: Samples, maxs: Samples, buckets: int) -> list[tuple[float, float]]:
    count = mins.size
    starts = np.arange(buckets) * count // buckets
    if count >= buckets:  # every bucket spans at least one block: reduce over [start, next start)
        low, high = np.minimum.reduceat(mins, starts), np.maximum.reduceat(maxs, starts)
    else:  # fewer blocks than buckets (very short audio): each bucket shows the block it falls in
        low, high = mins[starts], maxs[starts]
    low, high = np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)
    return [(float(a), float(b)) for a, b in zip(low, high, strict=True)]


def waveform_peaks(path: str | Path, buckets: int) -> list[tuple[float, float]]:
    """``(min, max)`` of the mono mix in each of ``buckets`` equal slices of the audio, in -1..1.

    The slices cover the decoded audio from its first sample to its last. A file with no audio
    stream (or one that decodes to no samples) gives an empty list, so callers draw nothing.
    """
    if buckets < 1:
        raise ValueError(f"buckets must be >= 1, got {buckets}")
    with open_container(path) as container:
        if not container.streams.audio:
            return []
        stream = container.streams.audio[0]
        seconds = container.duration / av.time_base if container.duration is not None else 0.0
        peaks = _BlockPeaks(_block_size(stream, seconds, buckets))
        # Planar float at the source rate and layout; channels are averaged here rather than by
        # swresample, whose stereo-to-mono matrix adds L and R at 1/sqrt(2) (peaks above 1).
        resampler = av.AudioResampler(format="fltp")
        try:
            for frame in container.decode(stream):
                for planar in resampler.resample(frame):
                    peaks.add(_mono(planar))
            for planar in resampler.resample(None):
                peaks.add(_mono(planar))
        except av.error.FFmpegError as exc:
            raise UnreadableMedia(f"cannot decode audio of {path}: {exc}") from exc
    mins, maxs = peaks.finish()
    return _to_buckets(mins, maxs, buckets) if mins.size else []


def _mono(frame: av.AudioFrame) -> Samples:
    channels = frame.to_ndarray()  # (channels, samples) for planar formats
    return np.asarray(channels.mean(axis=0), dtype=np.float32)
