from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shotline.timeline.timecode import (
    RateError,
    format_rate,
    frame_at,
    frame_count,
    frame_start,
    parse_rate,
    timecode,
)

NTSC = Fraction(30000, 1001)


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("23.976", Fraction(24000, 1001)),
        (23.976, Fraction(24000, 1001)),
        ("29.97", NTSC),
        (29.97002997002997, NTSC),
        ("59.94", Fraction(60000, 1001)),
        ("30000/1001", NTSC),
        (24, Fraction(24)),
        ("25", Fraction(25)),
        (Fraction(48), Fraction(48)),
    ],
)
def test_parse_rate_is_exact(text: object, rate: Fraction) -> None:
    assert parse_rate(text) == rate  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["0", "-24", "fast", "1/0"])
def test_parse_rate_rejects(bad: str) -> None:
    with pytest.raises(RateError):
        parse_rate(bad)


def test_format_rate_round_trips() -> None:
    assert format_rate(NTSC) == "30000/1001"
    assert format_rate(Fraction(24)) == "24"
    assert parse_rate(format_rate(NTSC)) == NTSC


def test_float_frame_starts_land_on_their_frame() -> None:
    # 1001/30000 as a float is a hair below the exact boundary; the snap rule puts it on frame 1.
    assert frame_at(1001 / 30000, NTSC) == 1
    assert frame_at(float(frame_start(12345, NTSC)), NTSC) == 12345
    assert frame_at(0.1 * 3, Fraction(10)) == 3  # 0.30000000000000004


def test_frame_interval_contains_time() -> None:
    assert frame_at(0.0, Fraction(24)) == 0
    assert frame_at(0.9999 / 24, Fraction(24)) == 0
    assert frame_at(1 / 24, Fraction(24)) == 1


def test_frame_count_of_durations() -> None:
    assert frame_count(4.8, Fraction(24)) == 116  # 115.2 slots
    assert frame_count(5.0, Fraction(24)) == 120
    assert frame_count(2.0, Fraction(24000, 1001)) == 48  # 47.952 slots: the last is partial
    assert frame_count(0.0, Fraction(24)) == 0


def test_timecode_text() -> None:
    assert timecode(3661.5, Fraction(24)) == "01:01:01:12"


@given(st.integers(min_value=0, max_value=10_000_000), st.sampled_from([24, 25, NTSC, 60]))
def test_frame_start_round_trips_through_float(frame: int, rate: Fraction | int) -> None:
    r = parse_rate(rate)
    assert frame_at(float(frame_start(frame, r)), r) == frame
