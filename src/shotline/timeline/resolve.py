"""Which source frame sits under a timeline time (seed 000, "Start and End Frame Extraction").

Filmmakers scrub and approximate: a point up to ``TOLERANCE_FRAMES`` frames (of that clip's rate)
outside a clip's edge still resolves to the clip's first or last frame. A point in a real gap
resolves to nothing, and the caller sends no frame for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from shotline.timeline.model import Clip, ClipKind, Timeline
from shotline.timeline.timecode import Rate, exact, frame_at, frame_count, frames_exact

TOLERANCE_FRAMES = 2
DEFAULT_RATE = Fraction(24)  # for clips whose rate is not known yet


@dataclass(frozen=True)
class FrameRef:
    clip_id: str
    source: str | None
    track_index: int
    source_time: Fraction  # seconds into the source, at the start of the chosen frame's slot
    frame: int  # index of the source frame
    rate: Rate
    snapped: bool  # the time was outside the clip and snapped to its edge frame


def clip_rate(clip: Clip) -> Rate:
    return clip.source_fps or DEFAULT_RATE


def _first_frame(clip: Clip, rate: Rate) -> int:
    return frame_at(clip.trim_start, rate)


def _last_frame(clip: Clip, rate: Rate) -> int:
    return max(_first_frame(clip, rate), frame_count(clip.trim_start + clip.duration, rate) - 1)


def _hit(clip: Clip, time: Fraction) -> FrameRef | None:
    rate = clip_rate(clip)
    start, end = exact(clip.start), exact(clip.start) + exact(clip.duration)
    # Distances in frames of this clip, through the one snapping rule, so that a float like
    # 10 - 2/24 counts as exactly two frames early.
    early, late = frames_exact(start - time, rate), frames_exact(time - end, rate)
    if early <= 0 and late < 0:
        local = time - start + exact(clip.trim_start)
        frame = min(max(frame_at(local, rate), _first_frame(clip, rate)), _last_frame(clip, rate))
        snapped = False
    elif 0 < early <= TOLERANCE_FRAMES:
        frame, snapped = _first_frame(clip, rate), True
    elif 0 <= late <= TOLERANCE_FRAMES:
        frame, snapped = _last_frame(clip, rate), True
    else:
        return None
    return FrameRef(
        clip_id=clip.id,
        source=clip.source,
        track_index=clip.track_index,
        source_time=Fraction(frame) / rate,
        frame=frame,
        rate=rate,
        snapped=snapped,
    )


def resolve_frame(
    timeline: Timeline, time: float, track_index: int | None = None
) -> FrameRef | None:
    """The video frame under ``time``: on ``track_index``, or topmost track first.

    A clip that covers the time on any track wins over a near miss on a higher track; near misses
    are tried only when nothing covers the time.
    """
    t = exact(time)
    if track_index is None:
        order = range(len(timeline.tracks) - 1, -1, -1)
    else:
        order = range(track_index, track_index + 1)
    candidates = [clip for index in order for clip in timeline.on_track(ClipKind.VIDEO, index)]
    hits = [ref for ref in (_hit(c, t) for c in candidates) if ref is not None]
    exact_hits = [h for h in hits if not h.snapped]
    if exact_hits:
        return exact_hits[0]
    return hits[0] if hits else None


@dataclass(frozen=True)
class BoundaryFrames:
    """What an in/out selection gives a video model: a first frame, a last frame, either or none."""

    first: FrameRef | None
    last: FrameRef | None

    @property
    def source_clip_ids(self) -> tuple[str, ...]:
        ids = [ref.clip_id for ref in (self.first, self.last) if ref is not None]
        return tuple(dict.fromkeys(ids))


def selection_frames(timeline: Timeline, track_index: int | None = None) -> BoundaryFrames:
    sel = timeline.selection
    return BoundaryFrames(
        first=None if sel.in_point is None else resolve_frame(timeline, sel.in_point, track_index),
        last=None if sel.out_point is None else resolve_frame(timeline, sel.out_point, track_index),
    )
