from fractions import Fraction

import pytest

from shotline.timeline import resolve_frame, selection_frames, set_selection
from tests.timeline.builders import timeline, video

NTSC = Fraction(30000, 1001)


def test_time_inside_clip_maps_through_trim_to_exact_frame() -> None:
    tl = timeline(video("a", 2.0, 4.0, trim=1.0, fps=Fraction(24)))
    ref = resolve_frame(tl, 3.5)
    assert ref is not None
    assert (ref.clip_id, ref.frame, ref.snapped) == ("a", 60, False)  # (3.5 - 2 + 1) * 24
    assert ref.source_time == Fraction(60, 24)


def test_mixed_rates_each_clip_uses_its_own_rate() -> None:
    tl = timeline(video("film", 0, 2, fps=Fraction(24000, 1001)), video("tv", 2, 2, fps=NTSC))
    assert resolve_frame(tl, 1.0).frame == 23  # type: ignore[union-attr]  # 23.976
    ref = resolve_frame(tl, 2.0 + 1001 / 30000)  # a float a hair below frame 1's start
    assert ref is not None and (ref.clip_id, ref.frame) == ("tv", 1)


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        (4.0 - 1 / 48, ("a", 95, False)),  # inside the last frame
        (4.0, ("a", 95, True)),  # exactly at the clip's end: its last frame
        (4.0 + 2 / 24, ("a", 95, True)),  # two frames past: still the last frame
        (4.0 + 2.5 / 24, None),  # beyond tolerance: a gap, no frame
        (10.0 - 2 / 24, ("b", 0, True)),  # two frames before the next clip: its first frame
        (10.0 - 2.5 / 24, None),
        (10.0, ("b", 0, False)),
    ],
)
def test_edge_tolerance_is_two_frames(time: float, expected: tuple[str, int, bool] | None) -> None:
    tl = timeline(video("a", 0, 4.0), video("b", 10.0, 3.0))
    ref = resolve_frame(tl, time)
    assert (None if ref is None else (ref.clip_id, ref.frame, ref.snapped)) == expected


def test_last_frame_respects_trim() -> None:
    tl = timeline(video("a", 0, 2.0, trim=0.5))
    assert resolve_frame(tl, 2.0).frame == 59  # type: ignore[union-attr]  # (0.5 + 2) * 24 - 1


def test_topmost_track_first_and_exact_beats_near_miss() -> None:
    tl = timeline(video("low", 0, 10), video("high", 4, 2, track=1), video("top", 6.05, 2, track=2))
    assert resolve_frame(tl, 5).clip_id == "high"  # type: ignore[union-attr]
    assert resolve_frame(tl, 1).clip_id == "low"  # type: ignore[union-attr]
    # 6.02 is a near miss for 'top' (V3) but inside 'low' (V1): the clip that covers it wins
    assert resolve_frame(tl, 6.02).clip_id == "low"  # type: ignore[union-attr]
    assert resolve_frame(tl, 5, track_index=0).clip_id == "low"  # type: ignore[union-attr]
    assert resolve_frame(tl, 1, track_index=1) is None


def test_selection_gives_zero_one_or_two_frames() -> None:
    # the seed's scenario: in point on the last frame of the wide, out on the first of the close-up
    tl = timeline(video("wide", 0, 8.5), video("close", 12.0, 4))
    both = selection_frames(set_selection(tl, in_point=8.5 - 1 / 24, out_point=12.0))
    assert both.first is not None and both.first.frame == 203
    assert both.last is not None and both.last.frame == 0
    assert both.source_clip_ids == ("wide", "close")
    one = selection_frames(set_selection(tl, in_point=8.5 - 1 / 24, out_point=10.0))
    assert one.first is not None and one.last is None
    none = selection_frames(set_selection(tl, in_point=9.0, out_point=10.0))
    assert none.first is None and none.last is None and none.source_clip_ids == ()
