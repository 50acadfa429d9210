"""The narration master track: every segment's lines, back to back, in one WAV.

The track is the film's clock (seed 001, "Audio is the master timeline"): shot lengths come from
where each segment's speech sits in it. All timing is counted in samples at the output rate, so
every time we report is an exact fraction ``samples / sample_rate`` and a cut taken from it
(``extract_span``) lands on the very sample the timing names.

The master is 16-bit PCM WAV, mono: it holds voices, and WAV (unlike AAC, which adds encoder
priming) keeps the sample count exact. The render encodes the film's AAC from it.
"""

from __future__ import annotations

import wave
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray

from shotline.files import atomic_path
from shotline.film.timing import SegmentSlot, Span, full_slots
from shotline.media.errors import UnreadableMedia
from shotline.media.probe import open_container
from shotline.timeline.timecode import Seconds, frame_count, frame_start

Samples = NDArray[np.float32]  # mono, -1..1


@dataclass(frozen=True)
class SegmentAudio:
    """One segment's recorded lines, in the order they are spoken.

    ``dialogue`` flags each line as a character speaking (lip-synced) or not (the narrator).
    Left as None it follows the script layout: the first line is the narrator's, the rest are
    dialogue. Files may be any rate, mono or stereo.
    """

    lines: Sequence[Path]
    dialogue: Sequence[bool] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(Path(p) for p in self.lines))
        if self.dialogue is not None:
            flags = tuple(bool(f) for f in self.dialogue)
            if len(flags) != len(self.lines):
                raise ValueError(
                    f"{len(flags)} dialogue flags for {len(self.lines)} lines; give one per line"
                )
            object.__setattr__(self, "dialogue", flags)

    def is_dialogue_line(self, position: int) -> bool:
        if self.dialogue is not None:
            return self.dialogue[position]
        return position > 0

    @property
    def is_dialogue(self) -> bool:
        return any(self.is_dialogue_line(i) for i in range(len(self.lines)))


@dataclass(frozen=True)
class NarrationTrack:
    path: Path
    sample_rate: int
    samples: int
    segments: tuple[SegmentSlot, ...] = field(default=())

    @property
    def duration(self) -> Fraction:
        """Exact length in seconds."""
        return frame_start(self.samples, Fraction(self.sample_rate))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, exact: times as whole sample counts (the pipeline stores this)."""
        rate = Fraction(self.sample_rate)

        def s(t: Fraction) -> int:
            return frame_count(t, rate)

        return {
            "path": str(self.path),
            "sampleRate": self.sample_rate,
            "samples": self.samples,
            "segments": [
                {
                    "index": slot.index,
                    "audio": [s(slot.audio_start), s(slot.audio_end)],
                    "slot": [s(slot.slot_start), s(slot.slot_end)],
                    "dialogue": [[s(a), s(b)] for a, b in slot.dialogue_spans],
                    "lines": [[s(a), s(b)] for a, b in slot.line_spans],
                }
                for slot in self.segments
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NarrationTrack:
        rate = int(data["sampleRate"])

        def t(samples: int) -> Fraction:
            return frame_start(int(samples), Fraction(rate))

        slots = tuple(
            SegmentSlot(
                index=int(item["index"]),
                audio_start=t(item["audio"][0]),
                audio_end=t(item["audio"][1]),
                slot_start=t(item["slot"][0]),
                slot_end=t(item["slot"][1]),
                dialogue_spans=tuple((t(a), t(b)) for a, b in item["dialogue"]),
                line_spans=tuple((t(a), t(b)) for a, b in item.get("lines", ())),
            )
            for item in data["segments"]
        )
        return cls(Path(data["path"]), rate, int(data["samples"]), slots)


def read_mono(path: str | Path, sample_rate: int) -> Samples:
    """Decode any audio file to mono float samples at ``sample_rate`` (PyAV's resampler)."""
    chunks: list[Samples] = []
    with open_container(path) as container:
        if not container.streams.audio:
            raise UnreadableMedia(f"{path}: no audio stream")
        stream = container.streams.audio[0]
        # Keep the source layout and average the channels ourselves: swresample's stereo->mono
        # matrix scales by 1/sqrt(2) per channel, which changes the level of a voice.
        resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=sample_rate)
        try:
            for frame in container.decode(stream):
                chunks.extend(f.to_ndarray().mean(axis=0) for f in resampler.resample(frame))
            chunks.extend(f.to_ndarray().mean(axis=0) for f in resampler.resample(None))
        except av.error.FFmpegError as exc:
            raise UnreadableMedia(f"cannot decode {path}: {exc}") from exc
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32, copy=False)


def write_wav(samples: Samples, out: str | Path, sample_rate: int) -> Path:
    """16-bit mono PCM WAV, written atomically."""
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with atomic_path(out) as temp, wave.open(str(temp), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        handle.writeframes(pcm.tobytes())
    return Path(out)


def build_narration(
    parts: Sequence[SegmentAudio],
    out: Path,
    *,
    gap: float = 0.35,
    line_pause: float = 0.2,
    sample_rate: int = 48000,
) -> NarrationTrack:
    """Concatenate every segment's lines into one master WAV at ``out`` and time the segments.

    Within a segment, lines are separated by ``line_pause`` seconds of silence; after every
    segment (the last included) come ``gap`` seconds. Slots follow the full-slot rule
    (``timing.full_slots``): the first starts at 0, each ends where the next one's audio
    starts, the last at the end of the track, trailing gap included.
    """
    if not parts:
        raise ValueError("no segments: nothing to narrate")
    if Path(out).suffix.lower() != ".wav":
        raise ValueError(f"the master track is a .wav file (exact to the sample), got {out}")
    if gap < 0 or line_pause < 0 or sample_rate <= 0:
        raise ValueError("gap and line_pause must be >= 0 and sample_rate > 0")
    rate = Fraction(sample_rate)
    gap_samples = frame_count(gap, rate)
    pause_samples = frame_count(line_pause, rate)
    pieces: list[Samples] = []
    cursor = 0
    audio: list[tuple[int, int]] = []
    dialogue: list[list[tuple[int, int]]] = []
    spoken: list[list[tuple[int, int]]] = []
    for part in parts:
        start = cursor
        spans: list[tuple[int, int]] = []
        said: list[tuple[int, int]] = []
        for position, line in enumerate(part.lines):
            if position:
                pieces.append(np.zeros(pause_samples, dtype=np.float32))
                cursor += pause_samples
            samples = read_mono(line, sample_rate)
            if part.is_dialogue_line(position):
                spans.append((cursor, cursor + samples.size))
            said.append((cursor, cursor + samples.size))
            pieces.append(samples)
            cursor += samples.size
        audio.append((start, cursor))
        dialogue.append(spans)
        spoken.append(said)
        pieces.append(np.zeros(gap_samples, dtype=np.float32))
        cursor += gap_samples

    def t(samples: int) -> Fraction:
        return frame_start(samples, rate)

    bounds = full_slots([(t(a), t(b)) for a, b in audio], t(cursor))
    slots = tuple(
        SegmentSlot(
            index=i,
            audio_start=t(a),
            audio_end=t(b),
            slot_start=slot[0],
            slot_end=slot[1],
            dialogue_spans=tuple((t(x), t(y)) for x, y in spans),
            line_spans=tuple((t(x), t(y)) for x, y in said),
        )
        for i, ((a, b), slot, spans, said) in enumerate(
            zip(audio, bounds, dialogue, spoken, strict=True)
        )
    )
    track = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    write_wav(track, out, sample_rate)
    return NarrationTrack(Path(out), sample_rate, cursor, slots)


def extract_span(
    track: NarrationTrack,
    start: Seconds,
    end: Seconds,
    out: str | Path,
    *,
    only: Sequence[Span] = (),
) -> Path:
    """Cut ``[start, end)`` of the master into a WAV at ``out``, exact to the sample.

    It holds the samples ``frame_count(start) .. frame_count(end) - 1`` at the track's rate (the
    same rule the render uses). With ``only``, everything outside those track spans is silenced
    but the length and timing stay, so the cut still lines up with a clip of the same span.
    """
    rate = Fraction(track.sample_rate)
    first, stop = frame_count(start, rate), frame_count(end, rate)
    if not 0 <= first < stop <= track.samples:
        raise ValueError(
            f"span [{float(start):g}, {float(end):g}) is not inside the "
            f"{float(track.duration):g}s track"
        )
    with wave.open(str(track.path), "rb") as handle:
        if handle.getsampwidth() != 2 or handle.getnchannels() != 1:
            raise UnreadableMedia(f"{track.path}: not a master track (16-bit mono WAV)")
        handle.setpos(first)
        pcm = np.frombuffer(handle.readframes(stop - first), dtype="<i2")
    if pcm.size != stop - first:
        raise UnreadableMedia(f"{track.path}: shorter than its timing says")
    if only:
        mask = np.zeros(pcm.size, dtype=bool)
        for a, b in only:
            lo = max(frame_count(a, rate) - first, 0)
            hi = min(frame_count(b, rate) - first, pcm.size)
            if hi > lo:
                mask[lo:hi] = True
        pcm = np.where(mask, pcm, 0).astype("<i2")
    with atomic_path(out) as temp, wave.open(str(temp), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(track.sample_rate)
        handle.writeframes(pcm.tobytes())
    return Path(out)


def lipsync_audio(track: NarrationTrack, slot: SegmentSlot, out: str | Path) -> Path:
    """The audio to lip-sync a segment's clip with: its whole slot, dialogue only.

    The whole slot, because the synced clip is placed at the slot start, so the model's time 0
    must be the slot's; dialogue only, so the narrator's words never move a character's lips.
    """
    return extract_span(track, slot.slot_start, slot.slot_end, out, only=slot.dialogue_spans)


__all__ = [
    "NarrationTrack",
    "SegmentAudio",
    "SegmentSlot",
    "build_narration",
    "extract_span",
    "lipsync_audio",
    "read_mono",
    "write_wav",
]
