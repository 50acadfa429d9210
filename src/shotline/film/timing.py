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
from shotline.timeline.timecode import Rate, Seconds, exact, frame_at, frame_count, frame_start

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

    Never shorter than the slot, because assembly can trim a clip but cannot invent frames.
    Duration-driven models (``duration_step``, WAN's 0.5 s) get a whole number of steps at or
    above the slot; frame-driven ones (``frame_rule``, LTX's 8n+1) the next valid count; with
    both, the frame rule applies to the frames of the stepped duration. Minimums raise the
    count. When the slot is longer than the model's maximum, the result is the longest valid
    clip and ``capped`` is true: assembly holds its last frame (the render's tail hold) for
    the rest of the slot, which is better than failing the film or retiming the motion.
    """
    caps = capabilities
    need = frame_count(slot_seconds, fps)
    if need < 1:
        raise ValueError(f"a slot must be longer than zero, got {float(exact(slot_seconds))}s")
    frames = _fit_up(exact(slot_seconds), fps, caps)
    ceiling = _ceiling(fps, caps)
    if ceiling is not None and frames > ceiling:
        frames = ceiling
    return GenerationLength(frames=frames, fps=fps, slot_frames=need)


def _fit_up(seconds: Fraction, fps: Rate, caps: Capabilities) -> int:
    """The fewest valid frames covering ``seconds``, before any maximum."""
    if caps.min_duration is not None:
        seconds = max(seconds, caps.min_duration)
    step = caps.duration_step
    if step is None:
        frames = max(frame_count(seconds, fps), caps.min_frames)
    else:
        # Whole steps counted from the slot's seconds (not its frames, which can overshoot by
        # a step), so the provider's own rounding to its step is a no-op. A step is a "frame"
        # at rate 1/step: timecode's snap keeps float noise (1.5000000000000002) off the count.
        steps = max(1, frame_count(seconds, 1 / step))
        while frame_count(steps * step, fps) < caps.min_frames:
            steps += 1
        frames = frame_count(steps * step, fps)
    return caps.frame_rule.at_least(frames)


def _ceiling(fps: Rate, caps: Capabilities) -> int | None:
    """The longest clip the provider makes, in valid frames; None when unbounded."""
    limits: list[int] = []
    if caps.max_frames is not None:
        limits.append(caps.max_frames)
    if caps.max_duration is not None:
        if caps.duration_step is not None:
            steps = frame_at(caps.max_duration, 1 / caps.duration_step)
            limits.append(frame_count(steps * caps.duration_step, fps))
        else:
            limits.append(frame_at(caps.max_duration, fps))
    if not limits:
        return None
    limit = min(limits)
    rule = caps.frame_rule
    best = rule.at_least(limit)
    if best > limit:
        best -= rule.multiple
    if best < max(1, caps.min_frames) or not rule.accepts(best):
        raise ValueError(f"the provider's limits admit no clip length (at most {limit} frames)")
    return best


__all__ = [
    "GenerationLength",
    "SegmentSlot",
    "Span",
    "full_slots",
    "generation_length",
    "slot_frame_range",
    "slot_frames",
]
