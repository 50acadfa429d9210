"""Every conversion between seconds and frames lives here.

Seconds cross our boundaries (JSON, HTTP, Yjs) as floats, exactly as the seed format has them.
Frame rates are exact rationals (23.976 is ``Fraction(24000, 1001)``). The one rounding rule: a time
maps to the frame whose display interval ``[n / rate, (n + 1) / rate)`` contains it, after
snapping to a frame boundary when the time is within ``SNAP`` of a frame of one (so that a float
like 0.0333666 still lands on frame 1 at 29.97 fps). No other module multiplies seconds by a rate.
"""

from __future__ import annotations

import math
from fractions import Fraction

Rate = Fraction
Seconds = float | Fraction

# Fraction of a frame within which a time is considered to sit on a frame boundary. Floats carry
# about 15 significant digits, so a millionth of a frame is far above float noise for any clip
# shorter than a few years and far below anything a human can place.
SNAP = Fraction(1, 1_000_000)

# NTSC-style rates that people write as decimals.
_NTSC = {
    "23.976": Fraction(24000, 1001),
    "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001),
    "47.952": Fraction(48000, 1001),
    "59.94": Fraction(60000, 1001),
    "119.88": Fraction(120000, 1001),
}


class RateError(ValueError):
    """A frame rate that is not a positive finite number."""


def parse_rate(value: str | int | float | Fraction) -> Rate:
    """Turn ``24``, ``"23.976"``, ``29.97`` or ``"30000/1001"`` into an exact rate."""
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, int):
        rate = Fraction(value)
    else:
        text = str(value).strip()
        key = text.rstrip("0").rstrip(".") if "." in text else text
        if key in _NTSC:
            return _NTSC[key]
        try:
            rate = Fraction(text)
        except (ValueError, ZeroDivisionError) as exc:
            raise RateError(f"not a frame rate: {value!r}") from exc
        # A float close to an NTSC rate (29.97002997...) is that rate.
        for exact in _NTSC.values():
            if abs(rate - exact) < Fraction(1, 10_000):
                return exact
        rate = rate.limit_denominator(1001)
    if rate <= 0:
        raise RateError(f"frame rate must be positive, got {value!r}")
    return rate


def format_rate(rate: Rate) -> str:
    """``24`` or ``24000/1001``: the exact form, as written in saved files."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def exact(seconds: Seconds) -> Fraction:
    """A time as an exact fraction (floats convert without loss)."""
    if isinstance(seconds, Fraction):
        return seconds
    if not math.isfinite(seconds):
        raise ValueError(f"time must be finite, got {seconds!r}")
    return Fraction(seconds)


def frames_exact(seconds: Seconds, rate: Rate) -> Fraction:
    """Time measured in frames, snapped to a whole frame when within ``SNAP`` of one."""
    value = exact(seconds) * rate
    nearest = round(value)
    return Fraction(nearest) if abs(value - nearest) <= SNAP else value


def frame_at(seconds: Seconds, rate: Rate) -> int:
    """Index of the frame whose display interval contains ``seconds``."""
    return math.floor(frames_exact(seconds, rate))


def nearest_frame(seconds: Seconds, rate: Rate) -> int:
    """The frame boundary nearest ``seconds`` (halves go up): where an edit point lands when a
    time must become whole frames, as in an EDL or XML sequence."""
    return math.floor(frames_exact(seconds, rate) + Fraction(1, 2))


def frame_count(seconds: Seconds, rate: Rate) -> int:
    """Number of whole frame slots that start before ``seconds`` (a duration's frame count)."""
    return math.ceil(frames_exact(seconds, rate))


def frame_start(frame: int, rate: Rate) -> Fraction:
    """Exact start time of a frame."""
    return Fraction(frame) / rate


def to_seconds(value: Fraction) -> float:
    """An exact time as the float seconds we write at boundaries."""
    return float(value)


def frame_duration(rate: Rate) -> Fraction:
    return 1 / rate


def timecode(seconds: Seconds, rate: Rate) -> str:
    """``HH:MM:SS:FF`` (non-drop), for humans and logs."""
    frame = frame_at(seconds, rate)
    nominal = math.ceil(rate)
    ff = frame % nominal
    total = frame // nominal
    return f"{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}:{ff:02d}"


# Two float times closer than this are the same instant (for overlap and range checks): far below
# a frame at any rate we handle, far above float noise from adding a few hundred clip durations.
TIME_EPSILON = 1e-6


def before(a: float, b: float) -> bool:
    """``a`` is earlier than ``b`` by more than float noise."""
    return a < b - TIME_EPSILON
