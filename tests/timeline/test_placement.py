"""Where a generated clip goes: the frames under in/out, a free track above its sources."""

from __future__ import annotations

from fractions import Fraction

import pytest

from shotline.timeline import Clip, EditError, Timeline, add_clip
from shotline.timeline.model import SourceType
from shotline.timeline.placement import free_track_above, place_generated, plan_generation

R = Fraction(24)


def _edit() -> Timeline:
    timeline = Timeline()
    for clip in (
        Clip("a", "a", 0.0, 2.0, source="a.mp4", source_fps=R, source_duration=2.0),
        Clip("b", "b", 2.0, 2.0, source="b.mp4", source_fps=R, source_duration=2.0),
        Clip("c", "c", 6.0, 1.0, source="c.mp4", source_fps=R, source_duration=1.0),
        Clip("busy", "busy", 1.0, 1.5, track_index=1, source="x.mp4", source_duration=9.0),
    ):
        timeline = add_clip(timeline, clip)
    return timeline


def _generated(seconds: float = 10.0) -> Clip:
    return Clip("gen", "AI", 0.0, 1.0, source="gen.mp4", source_fps=R, source_duration=seconds)


def test_frames_under_in_and_out_with_the_core_tolerance() -> None:
    span = plan_generation(_edit(), 4.0 + 1 / 24, 6.0)  # out lands a frame after b: tolerated
    assert span.frames.first is not None and span.frames.first.clip_id == "b"
    assert span.frames.first.snapped and span.frames.first.frame == 47  # b's last frame
    assert span.frames.last is not None and span.frames.last.clip_id == "c"
    assert span.source_clip_ids == ("b", "c")
    assert span.track_index == 1  # V2 is free over 4.04-6.0


def test_a_gap_sends_no_frame() -> None:
    span = plan_generation(_edit(), 4.5, 5.5)
    assert (span.frames.first, span.frames.last, span.source_clip_ids) == (None, None, ())
    assert span.track_index == 0  # nothing under it: the lowest free track


def test_a_taken_track_above_means_the_next_or_a_new_one() -> None:
    edit = _edit()
    span = plan_generation(edit, 1.5, 2.5)  # V2's busy clip covers 1.5: it is the in frame
    assert span.frames.first is not None and span.frames.first.clip_id == "busy"
    assert span.track_index == 2 == len(edit.tracks)  # above V2: a new V3
    placed = place_generated(edit, span, _generated())
    assert [t.name for t in placed.tracks] == ["V1", "V2", "V3"]
    clip = placed.clip("gen")
    assert (clip.track_index, clip.start, clip.duration) == (2, 1.5, 1.0)
    assert clip.linked_clip_ids == ("busy", "b") and clip.source_type is SourceType.GENERATED
    assert free_track_above(placed, 1.5, 2.5, -1) == 3  # everything there is taken now


def test_short_media_is_not_stretched() -> None:
    edit = _edit()
    placed = place_generated(edit, plan_generation(edit, 4.5, 5.5), _generated(0.5))
    assert placed.clip("gen").duration == 0.5


@pytest.mark.parametrize(("start", "end"), [(2.0, 2.0), (3.0, 1.0), (-1.0, 1.0)])
def test_empty_or_reversed_spans_are_refused(start: float, end: float) -> None:
    with pytest.raises(EditError, match="must come after the in point"):
        plan_generation(_edit(), start, end)
