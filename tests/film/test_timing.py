"""Slot timing and how long a clip to ask a provider for."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shotline.film.timing import (
    SegmentSlot,
    full_slots,
    generation_length,
    slot_frame_range,
    slot_frames,
)
from shotline.providers.contracts import Capabilities, FrameRule
from shotline.timeline.timecode import frame_count, frame_start

LTX = Capabilities(frame_rule=FrameRule(multiple=8, offset=1), max_frames=121)
WAN = Capabilities(
    duration_step=Fraction(1, 2), min_duration=Fraction(1, 2), max_duration=Fraction(10)
)
R24, R16, R2997 = Fraction(24), Fraction(16), Fraction(30000, 1001)


def test_full_slots_tile_the_track_from_zero() -> None:
    audio = [
        (Fraction(1, 10), Fraction(2)),
        (Fraction(23, 10), Fraction(4)),
        (Fraction(5), Fraction(6)),
    ]
    slots = full_slots(audio, Fraction(13, 2))
    assert slots == (
        (Fraction(0), Fraction(23, 10)),
        (Fraction(23, 10), Fraction(5)),
        (Fraction(5), Fraction(13, 2)),
    )


def test_full_slots_rejects_an_empty_slot() -> None:
    with pytest.raises(ValueError, match="segment 2"):
        full_slots([(Fraction(0), Fraction(1)), (Fraction(1), Fraction(1))], Fraction(1))


@given(
    st.lists(st.integers(1, 5000), min_size=1, max_size=12),
    st.sampled_from([R24, R16, R2997, Fraction(25), Fraction(60)]),
)
def test_slot_frames_add_up_to_the_track(lengths: list[int], fps: Fraction) -> None:
    rate = Fraction(48000)
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    total = sum(lengths)
    audio = [
        (frame_start(s, rate), frame_start(s + n, rate))
        for s, n in zip(starts, lengths, strict=True)
    ]
    slots = [
        SegmentSlot(i, a, b, x, y)
        for i, ((a, b), (x, y)) in enumerate(
            zip(audio, full_slots(audio, frame_start(total, rate)), strict=True)
        )
    ]
    ranges = [slot_frame_range(s, fps) for s in slots]
    assert sum(slot_frames(s, fps) for s in slots) == frame_count(frame_start(total, rate), fps)
    assert ranges[0].start == 0
    for before, after in itertools.pairwise(ranges):
        assert before.stop == after.start  # no frame shared, none missed


@pytest.mark.parametrize(
    ("seconds", "fps", "frames"),
    [
        (Fraction(2), R24, 49),  # 48 needed -> 8*6+1
        (Fraction(1), R24, 25),  # 24 -> 25
        (Fraction(1, 24), R24, 1),  # 1 frame is already 8*0+1
        (Fraction(33, 24), R24, 33),  # exactly valid: no rounding
        (Fraction(34, 24), R24, 41),
        (Fraction(5), R2997, 153),  # 149.85 -> 150 -> 153
    ],
)
def test_frame_rule_rounds_up_minimally(seconds: Fraction, fps: Fraction, frames: int) -> None:
    caps = Capabilities(frame_rule=FrameRule(8, 1))
    got = generation_length(seconds, fps, caps)
    assert got.frames == frames
    assert caps.frame_rule.accepts(got.frames)
    assert got.frames >= frame_count(seconds, fps)
    assert got.frames - 8 < frame_count(seconds, fps)  # the previous valid count is too short
    assert not got.capped


@pytest.mark.parametrize(
    ("seconds", "fps", "frames"),
    [
        (Fraction(2), R16, 32),  # exactly 2.0 s
        (Fraction(201, 100), R16, 40),  # 2.01 s -> 2.5 s
        (Fraction(1, 10), R16, 8),  # below the minimum -> 0.5 s
        (Fraction(7, 3), R24, 60),  # 2.333 s -> 2.5 s
        (Fraction(2), R2997, 60),  # 2.0 s is already whole steps: 59.94 -> 60 frames
    ],
)
def test_duration_step_rounds_up_to_half_seconds(
    seconds: Fraction, fps: Fraction, frames: int
) -> None:
    got = generation_length(seconds, fps, WAN)
    assert got.frames == frames
    assert got.frames >= frame_count(seconds, fps)
    step = WAN.duration_step
    assert step is not None
    # The clip is a whole number of steps, so the provider's own rounding keeps it.
    steps = round(got.seconds / step)
    assert frame_count(steps * step, fps) == got.frames
    assert steps * step >= seconds
    assert (steps - 1) * step < seconds or steps * step == WAN.min_duration


@given(st.integers(1, 20_000), st.sampled_from([R24, R16, R2997, Fraction(25)]))
def test_never_shorter_than_the_slot_unless_capped(ms: int, fps: Fraction) -> None:
    seconds = Fraction(ms, 1000)
    for caps in (LTX, WAN, Capabilities(frame_rule=FrameRule(8, 1), duration_step=Fraction(1, 2))):
        got = generation_length(seconds, fps, caps)
        assert caps.frame_rule.accepts(got.frames)
        if got.capped:
            assert got.frames < frame_count(seconds, fps)
            assert got.held_frames == frame_count(seconds, fps) - got.frames
            assert got.warning() is not None
        else:
            assert got.frames >= frame_count(seconds, fps)
            assert got.held_frames == 0 and got.warning() is None


def test_capped_by_max_frames() -> None:
    got = generation_length(Fraction(6), R24, LTX)  # 144 frames needed, LTX makes 121
    assert got.frames == 121
    assert got.capped and got.held_frames == 23
    assert "held" in (got.warning() or "")


def test_capped_by_max_duration() -> None:
    got = generation_length(Fraction(12), R16, WAN)
    assert got.frames == 160  # 10 s at 16 fps
    assert got.capped and got.held_frames == 32


def test_rounding_up_past_the_max_falls_back_to_the_max_when_it_covers_the_slot() -> None:
    # The model stops at 118 frames, so its longest valid clip is 8*14+1 = 113.
    caps = Capabilities(frame_rule=FrameRule(8, 1), max_frames=118)
    got = generation_length(Fraction(110, 24), R24, caps)
    assert got.frames == 113 and not got.capped  # 110 needed, 113 valid and under the max
    got = generation_length(Fraction(115, 24), R24, caps)
    assert got.frames == 113 and got.capped


def test_min_frames_raise_the_count() -> None:
    caps = Capabilities(frame_rule=FrameRule(8, 1), min_frames=17)
    assert generation_length(Fraction(1, 4), R24, caps).frames == 17


def test_trimmed_frames_and_seconds() -> None:
    got = generation_length(Fraction(2), R24, LTX)
    assert got.trimmed_frames == 1
    assert got.seconds == Fraction(49, 24)


def test_zero_slot_is_an_error() -> None:
    with pytest.raises(ValueError):
        generation_length(0, R24, LTX)


def test_float_noise_does_not_cost_a_step() -> None:
    noisy = (0.1 + 0.2) * 5  # 1.5000000000000002
    assert generation_length(noisy, R16, WAN).frames == 24  # 1.5 s, not 2.0 s
