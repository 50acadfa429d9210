"""Where a clip generated from an in/out selection goes (seed 000, "Linked Clips").

The frames under in and out are resolved with the core's tolerance (``resolve.resolve_frame``: a
point within two frames of a clip's edge takes its edge frame; a gap sends no frame). The result
goes on the lowest video track above its sources that is free over the span, a new track on top
when none is, and is linked to the clips that gave its frames. The CLI and the studio server both
place generated clips through here, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from shotline.timeline.edits import add_clip, add_track
from shotline.timeline.errors import EditError
from shotline.timeline.model import Clip, ClipKind, SourceType, Timeline
from shotline.timeline.resolve import BoundaryFrames, resolve_frame
from shotline.timeline.timecode import TIME_EPSILON, before


@dataclass(frozen=True)
class GenerationSpan:
    """What an in/out selection gives a generation: its frames and where the result lands."""

    in_point: float
    out_point: float
    frames: BoundaryFrames
    track_index: int  # == len(timeline.tracks) when a new track must be added on top

    @property
    def duration(self) -> float:
        return self.out_point - self.in_point

    @property
    def source_clip_ids(self) -> tuple[str, ...]:
        return self.frames.source_clip_ids


def plan_generation(timeline: Timeline, in_point: float, out_point: float) -> GenerationSpan:
    """Resolve the frames under ``in_point`` and ``out_point`` (topmost track first) and pick the
    track the generated clip will sit on. Raises ``EditError`` for an empty or reversed span."""
    if in_point < 0 or not before(in_point, out_point):
        raise EditError(
            f"the out point ({out_point}) must come after the in point ({in_point}), both >= 0"
        )
    frames = BoundaryFrames(
        first=resolve_frame(timeline, in_point), last=resolve_frame(timeline, out_point)
    )
    sources = [ref.track_index for ref in (frames.first, frames.last) if ref is not None]
    track = free_track_above(timeline, in_point, out_point, max(sources, default=-1))
    return GenerationSpan(in_point, out_point, frames, track)


def free_track_above(timeline: Timeline, start: float, end: float, below: int) -> int:
    """The lowest video track above track ``below`` with nothing over ``[start, end)``; the index
    one past the last track when every track above is taken."""
    for index in range(below + 1, len(timeline.tracks)):
        taken = any(
            before(c.start, end) and before(start, c.end)
            for c in timeline.on_track(ClipKind.VIDEO, index)
        )
        if not taken:
            return index
    return len(timeline.tracks)


def place_generated(timeline: Timeline, span: GenerationSpan, clip: Clip) -> Timeline:
    """Add ``clip`` (its media fields filled in) at the in point on the span's track, linked to
    its sources. Its duration is the span's, or the media's when that is shorter."""
    duration = span.duration
    if clip.source_duration is not None:
        duration = min(duration, clip.source_duration - clip.trim_start)
    if duration <= TIME_EPSILON:
        raise EditError(f"generated clip {clip.id!r} has no media to place")
    placed = clip.with_(
        kind=ClipKind.VIDEO,
        start=span.in_point,
        duration=duration,
        track_index=span.track_index,
        source_type=SourceType.GENERATED,
        linked_clip_ids=span.source_clip_ids,
    )
    while len(timeline.tracks) <= span.track_index:
        timeline = add_track(timeline, ClipKind.VIDEO)
    return add_clip(timeline, placed)
