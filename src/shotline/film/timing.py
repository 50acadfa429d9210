"""Audio is the master clock: segment slots from the narration, and frame counts from the slots.

Pure arithmetic, no I/O. Seed 001's "full slot" rule: a segment's shot runs from the start of its
audio to the start of the next segment's audio, so the silence between segments belongs to the
shot before it and the picture never cuts mid-line. Every seconds <-> frames step goes through
``timeline.timecode``; slot times are exact fractions (sample counts over the sample rate).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from shotline.providers.contracts import Capabilities
from shotline.timeline.timecode import Rate, Seconds, exact, frame_count, frame_start

Span = tuple[Fraction, Fraction]  # [start, end) in track seconds


@dataclass(frozen=True)
class SegmentSlot:
    """Where one segment sits on the narration track (seconds from the track's start).

    ``audio_*`` is the segment's own speech; ``slot_*`` is the time its shot fills on screen.
    ``index`` is 0-based (people see ``index + 1``).
    """

    index: int
    audio_start: Fraction
    audio_end: Fraction
    slot_start: Fraction
    slot_end: Fraction
    # Each dialogue line's [start, end): what a lip-sync model must see the mouth say.
    dialogue_spans: tuple[Span, ...] = ()
    # Every line's [start, end), narration and dialogue, in the order spoken (subtitle timing).
    line_spans: tuple[Span, ...] = ()

    @property
    def duration(self) -> Fraction:
        return self.slot_end - self.slot_start

    @property
    def is_dialogue(self) -> bool:
        return bool(self.dialogue_spans)


def full_slots(audio: Sequence[Span], end: Seconds) -> tuple[Span, ...]:
    """Slot ``i`` is ``[audio_start_i, audio_start_{i+1})``; the last one runs to ``end``.

    The first slot starts at 0 whatever its audio does (a lead-in silence is part of the first
    shot), so the slots tile ``[0, end)`` with no gap and no overlap.
    """
    if not audio:
        return ()
    stop = exact(end)
    starts = [Fraction(0), *(exact(s) for s, _ in audio[1:])]
    bounds = [*starts, stop]
    slots = tuple(itertools.pairwise(bounds))
    for i, (a, b) in enumerate(slots):
        if b <= a:
            raise ValueError(f"segment {i + 1}: its slot [{float(a):g}, {float(b):g}) is empty")
    return slots


def slot_frame_range(slot: SegmentSlot, fps: Rate) -> range:
    """Output frames the slot covers: those whose display starts within ``[slot_start, slot_end)``.

    The same rule ``media.compose`` uses for a clip, so consecutive slots share no frame, miss
    none, and their counts add up to ``frame_count(track duration, fps)``.
    """
    return range(frame_count(slot.slot_start, fps), frame_count(slot.slot_end, fps))


def slot_frames(slot: SegmentSlot, fps: Rate) -> int:
    """Exact number of output frames of ``slot`` (see ``slot_frame_range``)."""
    return len(slot_frame_range(slot, fps))


@dataclass(frozen=True)
class GenerationLength:
    """How long a clip to ask a video provider for, to fill one slot."""

    frames: int  # to request, at ``fps``; valid for the provider
    fps: Rate
    slot_frames: int  # frames the slot needs at ``fps`` (``frame_count`` of its duration)

    @property
    def seconds(self) -> Fraction:
        return frame_start(self.frames, self.fps)

    @property
    def capped(self) -> bool:
        """The provider cannot make the whole slot: the clip's last frame is held for the rest."""
        return self.frames < self.slot_frames

    @property
    def held_frames(self) -> int:
        return max(0, self.slot_frames - self.frames)

    @property
    def trimmed_frames(self) -> int:
        """Frames generated beyond the slot (paid for, cut away at assembly)."""
        return max(0, self.frames - self.slot_frames)

    def warning(self) -> str | None:
        if not self.capped:
            return None
        return (
            f"the slot needs {self.slot_frames} frames but the provider makes at most "
            f"{self.frames}; the clip's last frame is held for {self.held_frames} frames "
            f"({float(frame_start(self.held_frames, self.fps)):.2f}s)"
        )


def generation_length(
    slot_seconds: Seconds, fps: Rate, capabilities: Capabilities
) -> GenerationLength:
    """The shortest clip the provider accepts that is at least ``slot_seconds`` long.

    Never shorter than the slot, because assembly can trim a clip but cannot invent frames. The
    rounding is the provider's own rule (``Capabilities.length``: the next whole step, the next
    8n+1 count, the next listed duration), the same one ``conform`` applies, so a planned length
    is never changed again on submission. When the slot is longer than the model's longest clip,
    the result is that longest clip and ``capped`` is true: assembly holds its last frame (the
    render's tail hold) for the rest of the slot, better than failing the film or retiming it.
    """
    need = frame_count(slot_seconds, fps)
    if need < 1:
        raise ValueError(f"a slot must be longer than zero, got {float(exact(slot_seconds))}s")
    rate = Fraction(fps)
    longest = capabilities.longest(rate).frames
    frames = capabilities.length(min(need, longest), rate).frames
    return GenerationLength(frames=frames, fps=fps, slot_frames=need)


__all__ = [
    "GenerationLength",
    "SegmentSlot",
    "Span",
    "full_slots",
    "generation_length",
    "slot_frame_range",
    "slot_frames",
]
