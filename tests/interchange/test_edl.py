"""CMX 3600 EDL: one video track, positions and trims to the frame."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from shotline.interchange import InterchangeError, export_timeline, import_timeline
from shotline.timeline.model import Clip, ClipKind, Timeline
from shotline.timeline.timecode import nearest_frame


def _frames(clip: Clip, rate: Fraction) -> tuple[int, int, int]:
    """Start, end and source-in frames: what an EDL event holds."""
    return (
        nearest_frame(clip.start, rate),
        nearest_frame(clip.end, rate),
        nearest_frame(clip.trim_start, rate),
    )


def test_one_track_round_trips_to_the_frame(cut_timeline: Timeline, tmp_path: Path) -> None:
    rate = Fraction(24)
    path = export_timeline(cut_timeline, tmp_path / "cut.edl")
    back = import_timeline(path)
    expected = cut_timeline.on_track(ClipKind.VIDEO, 0)
    got = back.on_track(ClipKind.VIDEO, 0)
    assert [c.name for c in got] == [c.name for c in expected]
    assert [_frames(c, rate) for c in got] == [_frames(c, rate) for c in expected]
    assert [c.source for c in got] == [c.source for c in expected]


def test_second_track_and_audio_are_not_in_the_edl(cut_timeline: Timeline, tmp_path: Path) -> None:
    path = export_timeline(cut_timeline, tmp_path / "cut.edl")
    text = path.read_text()
    assert "alpha.mov" in text
    assert "delta.mov" not in text  # V2
    assert "music.wav" not in text  # audio
    back = import_timeline(path)
    assert {c.name for c in back.clips} == {"alpha.mov", "bravo.mov", "charlie.mov"}
    assert all(c.kind is ClipKind.VIDEO for c in back.clips)


def test_track_index_picks_the_track(cut_timeline: Timeline, tmp_path: Path) -> None:
    path = export_timeline(cut_timeline, tmp_path / "v2.edl", track_index=1)
    back = import_timeline(path)
    assert [(c.name, c.start, c.duration, c.trim_start) for c in back.clips] == [
        ("delta.mov", 1.0, 2.5, 2.0)
    ]


def test_missing_track_is_a_clear_error(cut_timeline: Timeline, tmp_path: Path) -> None:
    with pytest.raises(InterchangeError, match=r"track 3 does not exist.*has 2"):
        export_timeline(cut_timeline, tmp_path / "cut.edl", track_index=2)
    assert not (tmp_path / "cut.edl").exists()


def test_ntsc_edl_round_trips_when_told_the_rate(tmp_path: Path) -> None:
    rate = Fraction(30000, 1001)
    clips = tuple(
        Clip(f"c{i}", f"shot{i}.mov", i * 40.0, 30.0, source=f"/m/shot{i}.mov", source_fps=rate,
             source_duration=100.0, trim_start=1.0)
        for i in range(3)
    )  # fmt: skip
    timeline = Timeline(clips=clips)
    path = export_timeline(timeline, tmp_path / "ntsc.edl")
    back = import_timeline(path, rate=rate)
    assert [_frames(c, rate) for c in back.clips] == [_frames(c, rate) for c in clips]
