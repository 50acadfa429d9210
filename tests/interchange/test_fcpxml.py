"""FCPXML: written at one rate (the adapter is exact only then), read back within a frame."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from shotline.interchange import InterchangeError, export_timeline, import_timeline
from shotline.timeline.model import Clip, Timeline
from shotline.timeline.timecode import frame_at

NTSC = Fraction(30000, 1001)


def test_mixed_rates_read_back_at_one_rate(mixed_timeline: Timeline, tmp_path: Path) -> None:
    rate = Fraction(24)
    path = export_timeline(mixed_timeline, tmp_path / "mixed.fcpxml")
    read = otio.adapters.read_from_file(str(path), "fcpx_xml")
    rates = set()
    for clip in read.find_clips():
        rates |= {clip.source_range.start_time.rate, clip.source_range.duration.rate}
    assert rates == {24}
    back = import_timeline(path)
    by_name = {c.name: c for c in back.clips}
    assert set(by_name) == {c.name for c in mixed_timeline.clips}
    for clip in mixed_timeline.clips:
        got = by_name[clip.name]
        assert (got.kind, got.track_index) == (clip.kind, clip.track_index)
        assert abs(frame_at(got.start, rate) - frame_at(clip.start, rate)) <= 1
        assert abs(frame_at(got.end, rate) - frame_at(clip.end, rate)) <= 1
        assert abs(frame_at(got.trim_start, rate) - frame_at(clip.trim_start, rate)) <= 1


def test_missing_media_has_no_made_up_path(mixed_timeline: Timeline, tmp_path: Path) -> None:
    path = export_timeline(mixed_timeline, tmp_path / "mixed.fcpxml")
    assets = {a.get("name"): a for a in ET.parse(path).getroot().iter("asset")}
    assert "src" not in assets["my_take.mp4"].attrib
    assert assets["wide.mp4"].get("src") == "file:///media/wide.mp4"
    local = next(c for c in import_timeline(path).clips if c.name == "my_take.mp4")
    assert local.source is None


def _ntsc_timeline() -> Timeline:
    clip = Clip("n", "n.mov", 1.0, 2.0, source="/m/n.mov", source_fps=NTSC, source_duration=9.0)
    return Timeline(clips=(clip,))


def test_ntsc_export_has_an_exact_frame_duration(tmp_path: Path) -> None:
    path = export_timeline(_ntsc_timeline(), tmp_path / "ntsc.fcpxml")
    root = ET.parse(path).getroot()
    assert [f.get("frameDuration") for f in root.iter("format")] == ["1001/30000s"]
    clip = next(root.iter("spine")).find("clip")
    assert clip is not None
    # 1 s lands on frame 29 at 29.97 fps: every time is a whole number of 1001/30000 s.
    for key in ("offset", "duration"):
        value = Fraction(clip.get(key, "").removesuffix("s"))
        assert (value / Fraction(1001, 30000)).denominator == 1


def test_ntsc_files_read_back_to_the_frame(tmp_path: Path) -> None:
    path = export_timeline(_ntsc_timeline(), tmp_path / "ntsc.fcpxml")
    (clip,) = import_timeline(path).clips
    # 1 s and 2 s land on the nearest 29.97 frames: 30 (1.001 s) and 60 frames long.
    assert (clip.start, clip.duration) == (1.001, 2.002)
    assert clip.source_fps == NTSC and clip.source == "/m/n.mov"


def test_files_mixing_rates_are_refused_rather_than_misread(tmp_path: Path) -> None:
    path = export_timeline(_ntsc_timeline(), tmp_path / "mixed.fcpxml")
    text = path.read_text().replace(
        "<resources>", '<resources>\n<format id="r99" frameDuration="1/25s" name="" />'
    )
    path.write_text(text)
    with pytest.raises(InterchangeError, match=r"mixed\.fcpxml: formats at several rates"):
        import_timeline(path)
