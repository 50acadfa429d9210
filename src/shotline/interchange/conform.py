"""Conform an OTIO timeline to one rate, in whole frames.

FCPXML, EDL and (in practice) FCP7 sequences are exact only when every time is a whole frame of
one rate. We round each item's edges, not its duration, so rounding never accumulates down a
track: every edit point lands within one frame of where it was.
"""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from shotline.interchange.errors import InterchangeError
from shotline.interchange.timing import frames, seconds, span
from shotline.timeline.timecode import format_rate, frame_at, frame_count


def conform(timeline: Any, rate: Fraction) -> Any:
    """A copy of ``timeline`` with every time in whole frames of ``rate``."""
    result = copy.deepcopy(timeline)
    for track in result.tracks:
        _conform_track(track, rate)
    if result.global_start_time is not None:
        start = frame_at(seconds(result.global_start_time), rate)
        result.global_start_time = frames(start, rate)
    return result


def _conform_track(track: Any, rate: Fraction) -> None:
    # Positions first, from the untouched track, then rewrite each item.
    edges = []
    for i in range(len(track)):
        placed = track.range_of_child_at_index(i)
        first = frame_at(seconds(placed.start_time), rate)
        last = frame_at(seconds(placed.end_time_exclusive()), rate)
        edges.append((first, last))
    empty = []
    for i, (child, (first, last)) in enumerate(zip(track, edges, strict=True)):
        if isinstance(child, otio.schema.Transition):
            child.in_offset = frames(frame_at(seconds(child.in_offset), rate), rate)
            child.out_offset = frames(frame_at(seconds(child.out_offset), rate), rate)
            continue
        if last <= first:
            if isinstance(child, otio.schema.Clip):
                raise InterchangeError(
                    f"clip {child.name!r} is shorter than one frame at {format_rate(rate)} fps"
                )
            empty.append(i)
            continue
        source_start = frame_at(seconds(child.trimmed_range().start_time), rate)
        child.source_range = span(frames(source_start, rate), frames(last - first, rate))
        if isinstance(child, otio.schema.Clip):
            _conform_reference(child.media_reference, rate)
    for i in reversed(empty):
        del track[i]


def _conform_reference(reference: Any, rate: Fraction) -> None:
    available = getattr(reference, "available_range", None)
    if available is None:
        return
    # Round outwards so the conformed clip still lies inside its media.
    start = frame_at(seconds(available.start_time), rate)
    end = frame_count(seconds(available.end_time_exclusive()), rate)
    reference.available_range = span(frames(start, rate), frames(end - start, rate))
