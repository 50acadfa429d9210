"""Everything we export comes back, at every rate editors cut at, through every format.

The timeline sits on its rate's frame grid, so each format must give back the very times; what a
format cannot hold (EDL: one video track, no media lengths) is all it may lose.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

from shotline.interchange import InterchangeError, export_timeline, import_timeline
from shotline.timeline.model import Clip, ClipKind, Timeline, Track
from shotline.timeline.timecode import parse_rate

RATES = ["23.976", "24", "25", "29.97", "30", "50", "59.94", "60"]
FORMATS = {"otio": ".otio", "edl": ".edl", "fcp7": ".xml", "fcpxml": ".fcpxml"}
CASES = [
    pytest.param(rate, fmt, drop, id=f"{rate}{'-ndf' if drop is False else ''}-{fmt}")
    for rate in RATES
    for fmt in FORMATS
    for drop in ((True, False) if fmt == "edl" and rate in ("29.97", "59.94") else (None,))
]
NARRATION = 65.77  # seconds: no whole number of frames at any of these rates


def at(frame: int, rate: Fraction) -> float:
    return float(Fraction(frame) / rate)


def cut(rate: Fraction) -> Timeline:
    """V1: a shot with its sound and a space in its name, a shot used to its last frame, a gap,
    a third shot; V2: a generated clip; A1: music; A2: a narration that ends mid-frame."""
    clips = (
        Clip("wide", "street wide.mov", 0.0, at(96, rate), source="/media/street wide.mov",
             source_fps=rate, source_duration=at(240, rate), trim_start=at(12, rate),
             has_audio=True),
        Clip("close", "close.mov", at(96, rate), at(50, rate), source="/media/close.mov",
             source_fps=rate, source_duration=at(50, rate)),
        Clip("late", "late.mov", at(200, rate), at(31, rate), source="/media/late.mov",
             source_fps=rate, source_duration=at(90, rate), trim_start=at(7, rate),
             has_audio=True),
        Clip("gen", "AI jeep.mp4", at(80, rate), at(40, rate), track_index=1,
             source="/media/AI jeep.mp4", source_fps=rate, source_duration=at(40, rate)),
        Clip("music", "music.wav", 0.0, at(231, rate), kind=ClipKind.AUDIO,
             source="/media/music.wav", source_duration=300.0),
        Clip("voice", "narration.wav", 0.0, NARRATION, kind=ClipKind.AUDIO, track_index=1,
             source="/media/narration.wav", source_duration=NARRATION),
    )  # fmt: skip
    return Timeline(
        name="Rates",
        clips=clips,
        audio_tracks=(Track("a1", "A1"), Track("a2", "A2")),
    )


def fields(clip: Clip) -> tuple[object, ...]:
    return (clip.kind, clip.track_index, clip.source, clip.has_audio,
            round(clip.start, 9), round(clip.duration, 9), round(clip.trim_start, 9))  # fmt: skip


@pytest.mark.parametrize(("rate_name", "fmt", "drop"), CASES)
def test_round_trip(rate_name: str, fmt: str, drop: bool | None, tmp_path: Path) -> None:
    rate = parse_rate(rate_name)
    timeline = cut(rate)
    path = export_timeline(timeline, tmp_path / f"cut{FORMATS[fmt]}", rate=rate, drop_frame=drop)
    back = import_timeline(path)  # no rate given: every file we write says or implies its own
    expected = {c.name: c for c in timeline.clips}
    if fmt == "edl":  # one video track, which keeps its clips' sound
        expected = {n: c for n, c in expected.items() if c.kind is ClipKind.VIDEO}
        expected = {n: c for n, c in expected.items() if c.track_index == 0}
    got = {c.name: c for c in back.clips}
    assert sorted(got) == sorted(expected)
    for name, clip in expected.items():
        if fmt == "fcp7" and name == "narration.wav":
            # FCP 7 counts a file's length in frames; sound without a rate counts in the
            # sequence's, so a clip ending mid-frame ends on the frame before. With the file
            # here, the importer reads its real length (test_media_found_here_is_measured).
            assert got[name].duration == pytest.approx(NARRATION, abs=float(1 / rate))
            continue
        assert fields(got[name]) == fields(clip), name
        if fmt == "fcp7" and clip.source_fps is None:  # whole frames of the sequence, up
            assert got[name].source_duration == pytest.approx(
                clip.source_duration, abs=float(1 / rate)
            )
        elif fmt != "edl":
            assert got[name].source_duration == pytest.approx(clip.source_duration, abs=1e-9)
        else:
            assert got[name].source_duration is None  # an EDL holds no media lengths
        if fmt in ("otio", "fcp7", "fcpxml") and clip.source_fps is not None:
            assert got[name].source_fps == rate
    if fmt != "edl":
        assert [t.name for t in back.tracks] == ["V1", "V2"]
        assert [t.name for t in back.audio_tracks] == ["A1", "A2"]


@pytest.mark.parametrize("rate_name", ["29.97", "59.94"])
def test_edl_timecode_says_drop_or_non_drop(rate_name: str, tmp_path: Path) -> None:
    rate = parse_rate(rate_name)
    df = export_timeline(cut(rate), tmp_path / "df.edl", rate=rate).read_text()
    ndf = export_timeline(cut(rate), tmp_path / "ndf.edl", rate=rate, drop_frame=False).read_text()
    assert "FCM: DROP FRAME" in df and re.search(r"\d\d:\d\d:\d\d;\d\d", df)
    assert "FCM: NON-DROP FRAME" in ndf and not re.search(r";\d\d", ndf)


def test_edl_event_lines_hold_eight_fields_whatever_the_names(tmp_path: Path) -> None:
    text = export_timeline(cut(Fraction(24)), tmp_path / "cut.edl").read_text()
    events = [line for line in text.splitlines() if re.match(r"\d{3} ", line)]
    assert [line.split()[1:3] for line in events] == [
        ["streetwi", "B"],  # letters and digits only, eight at most; B = video and its sound
        ["close", "V"],
        ["late", "B"],
    ]
    assert "* FROM CLIP NAME: street wide.mov" in text
    assert "* FROM CLIP: /media/street wide.mov" in text


def test_an_edl_that_does_not_say_its_rate_needs_one(tmp_path: Path) -> None:
    rate = Fraction(25)
    path = export_timeline(cut(rate), tmp_path / "cut.edl")
    foreign = tmp_path / "foreign.edl"
    # As other editors write them: no rate anywhere. These frame fields all stay under 24.
    foreign.write_text(re.sub(r"\* SHOTLINE RATE: .*\n", "", path.read_text()))
    with pytest.raises(InterchangeError, match="does not record its frame rate"):
        import_timeline(foreign)
    back = import_timeline(foreign, rate=rate)
    assert [round(c.start * 25) for c in back.clips] == [0, 96, 200]
    with pytest.raises(InterchangeError, match="duration don't match"):
        import_timeline(foreign, rate=Fraction(24))  # the wrong rate still shows, here
    late = foreign.read_text().replace("00:00:08:00 00:00:09:06", "00:00:08:24 00:00:10:05")
    foreign.write_text(late)
    with pytest.raises(InterchangeError, match=r"08:24 counts frame 24, but 24 fps counts 0-23"):
        import_timeline(foreign, rate=Fraction(24))
    with pytest.raises(InterchangeError, match="says it is 25 fps, but 24 was asked"):
        import_timeline(path, rate=Fraction(24))


def test_drop_frame_edl_without_a_rate_is_2997(tmp_path: Path) -> None:
    rate = parse_rate("29.97")
    path = export_timeline(cut(rate), tmp_path / "cut.edl")
    path.write_text(re.sub(r"\* SHOTLINE RATE: .*\n", "", path.read_text()))
    assert [c.start for c in import_timeline(path).clips] == [
        c.start for c in cut(rate).on_track(ClipKind.VIDEO, 0)
    ]


def test_fcp7_counts_frames_at_2997_and_files_keep_their_rate(tmp_path: Path) -> None:
    ntsc = parse_rate("29.97")
    clip = Clip("a", "a.mov", 0.0, 4.0, source="media/a.mov", source_fps=ntsc,
                source_duration=4.004, has_audio=True)  # fmt: skip
    path = export_timeline(Timeline(clips=(clip,)), tmp_path / "a.xml", rate=Fraction(24),
                           base_dir=tmp_path)  # fmt: skip
    root = ET.parse(path).getroot()
    item = next(root.iter("clipitem"))
    file = next(root.iter("file"))
    assert file.findtext("pathurl") == (tmp_path / "media" / "a.mov").as_uri()
    assert file.findtext("name") == "a.mov"
    assert (file.findtext("rate/timebase"), file.findtext("rate/ntsc")) == ("30", "TRUE")
    assert file.findtext("duration") == "120"  # 4.004 s of 29.97 fps media
    assert item.findtext("duration") == "96"  # 4.0 s at 24
    (back,) = import_timeline(path).clips
    assert (back.source_duration, back.source_fps) == (4.004, ntsc)  # not 4.0417 at 24 fps
    assert back.source == str(tmp_path / "media" / "a.mov")
    at_ntsc = export_timeline(Timeline(clips=(clip,)), tmp_path / "b.xml", rate=ntsc)
    assert next(ET.parse(at_ntsc).getroot().iter("clipitem")).findtext("duration") == "120"


def test_fcpxml_names_media_by_file_url(tmp_path: Path) -> None:
    path = export_timeline(cut(Fraction(25)), tmp_path / "cut.fcpxml", base_dir=tmp_path)
    sources = {a.get("name"): a.get("src") for a in ET.parse(path).getroot().iter("asset")}
    assert sources["street wide.mov"] == "file:///media/street%20wide.mov"
    assert sources["narration.wav"] == "file:///media/narration.wav"


def test_fcp7_suffix_reads_back(tmp_path: Path) -> None:
    path = export_timeline(cut(Fraction(24)), tmp_path / "cut.fcp7")
    assert {c.name for c in import_timeline(path).clips} == {
        c.name for c in cut(Fraction(24)).clips
    }
