"""OTIO times <-> our exact seconds, and the one rate a timeline is exported at.

OTIO keeps time as a float frame count plus a float rate; every conversion to or from seconds goes
through ``shotline.timeline.timecode`` so the frame rounding rule stays in one place.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from shotline.timeline.model import Timeline
from shotline.timeline.timecode import (
    Seconds,
    frame_duration,
    frame_start,
    frames_exact,
    parse_rate,
)

DEFAULT_RATE = Fraction(24)


def timeline_rate(timeline: Timeline) -> Fraction:
    """The most common clip rate (ties: the first clip's), or 24 when no clip knows its rate."""
    counts = Counter(c.source_fps for c in timeline.clips if c.source_fps is not None)
    if not counts:
        return DEFAULT_RATE
    return counts.most_common(1)[0][0]


def rate_of(time: Any) -> Fraction:
    """The exact rate of an OTIO RationalTime (a float rate such as 29.97002997...)."""
    return parse_rate(float(time.rate))


def frames(count: int | Fraction, rate: Fraction) -> Any:
    """An OTIO RationalTime of ``count`` frames at ``rate``."""
    return otio.opentime.RationalTime(float(count), float(rate))


def span(start: Any, duration: Any) -> Any:
    return otio.opentime.TimeRange(start_time=start, duration=duration)


def frames_between(start: Seconds, end: Seconds, rate: Fraction) -> Fraction:
    """Frames from ``start`` to ``end`` (whole unless the times sit off the rate's grid)."""
    return frames_exact(Fraction(end) - Fraction(start), rate)


def seconds(time: Any) -> Fraction:
    """Exact seconds of an OTIO RationalTime."""
    rate = rate_of(time)
    value = float(time.value)
    if value.is_integer():
        return frame_start(int(value), rate)
    # Off-grid values only come from mixed-rate tracks; keep them exact rather than round.
    return Fraction(value) * frame_duration(rate)
