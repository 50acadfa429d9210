"""Conforming to one rate: whole frames, every edit point within a frame of where it was."""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio

from shotline.interchange import conform, timeline_rate, to_otio
from shotline.interchange.timing import seconds
from shotline.timeline.model import Clip, Timeline

NTSC = Fraction(30000, 1001)


def _edges(track: otio.schema.Track) -> list[tuple[Fraction, Fraction]]:
    out = []
    for i, child in enumerate(track):
        if isinstance(child, otio.schema.Clip):
            placed = track.range_of_child_at_index(i)
            out.append((seconds(placed.start_time), seconds(placed.end_time_exclusive())))
    return out


def test_mixed_rates_become_whole_frames_of_one_rate(mixed_timeline: Timeline) -> None:
    built = to_otio(mixed_timeline)
    for rate in (Fraction(24), NTSC, Fraction(25)):
        conformed = conform(built, rate)
        for item in conformed.find_children():
            if isinstance(item, otio.schema.Clip | otio.schema.Gap):
                for time in (item.source_range.start_time, item.source_range.duration):
                    assert time.rate == float(rate)
                    assert float(time.value).is_integer()
        for before, after in zip(built.tracks, conformed.tracks, strict=True):
            for (a0, a1), (b0, b1) in zip(_edges(before), _edges(after), strict=True):
                assert abs(a0 - b0) < 1 / rate and abs(a1 - b1) < 1 / rate


def test_conform_leaves_the_input_alone(mixed_timeline: Timeline) -> None:
    built = to_otio(mixed_timeline)
    before = otio.adapters.write_to_string(built, "otio_json")
    conform(built, Fraction(25))
    assert otio.adapters.write_to_string(built, "otio_json") == before


def test_many_short_clips_do_not_drift() -> None:
    # 200 back-to-back NTSC clips of 1 s in a 24 fps sequence: rounding must not accumulate.
    clips = tuple(
        Clip(f"c{i}", f"c{i}", float(i), 1.0, source=f"/m/{i}.mov", source_fps=NTSC)
        for i in range(200)
    )
    timeline = Timeline(clips=clips)
    conformed = conform(to_otio(timeline, Fraction(24)), Fraction(24))
    last_start, last_end = _edges(conformed.tracks[0])[-1]
    assert abs(last_start - 199) <= Fraction(1, 24)
    assert abs(last_end - 200) <= Fraction(1, 24)


def test_timeline_rate_is_the_most_common_clip_rate(mixed_timeline: Timeline) -> None:
    assert timeline_rate(mixed_timeline) == 24
    assert timeline_rate(Timeline()) == 24
    ntsc = tuple(Clip(f"c{i}", "c", float(i), 1.0, source_fps=NTSC) for i in range(3))
    assert timeline_rate(Timeline(clips=ntsc)) == NTSC
