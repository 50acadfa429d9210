"""Planning a render, in pure code: what the output shows at every frame and what it plays.

The video tracks flatten into consecutive segments on the output frame grid: where clips overlap in
time the topmost track (highest ``track_index``) wins, and uncovered frames are a gap (black).
Output frame ``k`` belongs to the clip whose ``[start, end)`` contains ``k / fps``, so a clip covers
frames ``frame_count(start) .. frame_count(end) - 1`` and the segments' lengths always add up to
``frame_count(timeline.duration)``.

Within a segment, output frame ``j`` shows the source frame whose display interval contains the
source time under it (``timecode.frame_at``). ``FrameMap`` states that rule in a form ffmpeg can
execute exactly with integer arithmetic.

Audio is simpler: every audio clip, and the audio of every video clip that has some, plays for its
whole span, even where a higher track hides the picture (linked audio, as NLEs do it).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from fractions import Fraction

from shotline.timeline.model import Clip, ClipKind, Timeline
from shotline.timeline.timecode import (
    SNAP,
    Rate,
    exact,
    frame_count,
    frame_start,
    frames_exact,
)


@dataclass(frozen=True)
class VideoSegment:
    """A run of output frames shown from one clip (or a gap when ``clip`` is None)."""

    first_frame: int  # index of the segment's first output frame
    frames: int
    clip: Clip | None
    # Source seconds under the first output frame: frame time - clip.start + clip.trim_start.
    source_start: Fraction = Fraction(0)

    @property
    def end_frame(self) -> int:
        return self.first_frame + self.frames


@dataclass(frozen=True)
class AudioUse:
    """One clip's audio, placed on the output timeline."""

    clip: Clip
    start: Fraction  # timeline seconds where it starts playing
    trim_start: Fraction  # source seconds it starts from
    duration: Fraction


@dataclass(frozen=True)
class RenderPlan:
    fps: Rate
    frames: int
    segments: tuple[VideoSegment, ...]
    audio: tuple[AudioUse, ...]

    @property
    def duration(self) -> Fraction:
        return frame_start(self.frames, self.fps)


def plan_segments(timeline: Timeline, fps: Rate) -> tuple[VideoSegment, ...]:
    total = frame_count(timeline.duration, fps)
    # (clip, first frame, end frame), higher track first; on one track (where edits forbid
    # overlap) a later start covers an earlier one.
    ranked = [
        (c, frame_count(c.start, fps), frame_count(c.end, fps))
        for c in sorted(timeline.clips, key=lambda c: (c.track_index, c.start), reverse=True)
        if c.kind is ClipKind.VIDEO
    ]
    cuts = {0, total}
    for _, first, end in ranked:
        cuts.update((min(max(first, 0), total), min(max(end, 0), total)))
    segments: list[VideoSegment] = []
    for first, end in itertools.pairwise(sorted(cuts)):
        clip = next((c for c, a, b in ranked if a <= first < b), None)
        previous = segments[-1] if segments else None
        if previous is not None and previous.clip is clip:
            # A cut from a hidden clip's edge: the same picture runs on.
            segments[-1] = replace(previous, frames=end - previous.first_frame)
            continue
        source_start = Fraction(0)
        if clip is not None:
            source_start = frame_start(first, fps) - exact(clip.start) + exact(clip.trim_start)
        segments.append(VideoSegment(first, end - first, clip, source_start))
    return tuple(segments)


def plan_audio(timeline: Timeline) -> tuple[AudioUse, ...]:
    uses = []
    for clip in sorted(timeline.clips, key=lambda c: (c.start, c.id)):
        if clip.duration <= 0:
            continue
        if clip.kind is ClipKind.AUDIO or clip.has_audio:
            uses.append(
                AudioUse(clip, exact(clip.start), exact(clip.trim_start), exact(clip.duration))
            )
    return tuple(uses)


def plan_render(timeline: Timeline, fps: Rate) -> RenderPlan:
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    total = frame_count(timeline.duration, fps)
    return RenderPlan(fps, total, plan_segments(timeline, fps), plan_audio(timeline))


@dataclass(frozen=True)
class FrameMap:
    """Which source frame each output frame of a segment shows: ``floor(position + j * step)``.

    ``step`` is source frames per output frame (``source_rate / fps``). ``position`` is where output
    frame 0 falls in the source, in source frames, snapped down to a multiple of
    ``1 / step.denominator``: every ``j * step`` lies on that grid, so the snap changes no
    ``floor`` and makes the whole map integer arithmetic that ffmpeg can reproduce exactly.
    """

    position: Fraction
    step: Fraction
    frames: int

    def source_frame(self, j: int) -> int:
        return math.floor(self.position + j * self.step)

    @property
    def first_source_frame(self) -> int:
        return self.source_frame(0)

    @property
    def last_source_frame(self) -> int:
        return self.source_frame(max(self.frames - 1, 0))

    def first_output(self, n: int) -> int:
        """The first output frame (possibly <= 0) that may show source frame ``n``."""
        return math.ceil((n - self.position) / self.step)


def frame_map(source_start: Fraction, source_rate: Rate, fps: Rate, frames: int) -> FrameMap:
    """The map for a segment whose first output frame sits at ``source_start`` in the source.

    Equal to ``frame_at(source_start + frame_start(j, fps), source_rate)`` for every ``j``:
    ``frame_at`` snaps a time within ``SNAP`` of a frame boundary onto it, which is the same as
    adding ``SNAP`` before the floor as long as ``step.denominator`` stays far below ``1 / SNAP``.
    """
    step = source_rate / fps
    grid = step.denominator
    position = frames_exact(source_start, source_rate) + SNAP
    return FrameMap(Fraction(math.floor(position * grid), grid), step, frames)
