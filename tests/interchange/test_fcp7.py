"""FCP7 XML: every track, positions, durations and trims to the frame."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from shotline.interchange import export_timeline, import_timeline
from shotline.timeline.model import Clip, ClipKind, SourceType, Timeline
from shotline.timeline.timecode import frame_at


def _placed(timeline: Timeline, rate: Fraction) -> list[tuple[str, int, str, int, int, int]]:
    return sorted(
        (c.kind.value, c.track_index, c.name, frame_at(c.start, rate), frame_at(c.end, rate),
         frame_at(c.trim_start, rate))
        for c in timeline.clips
    )  # fmt: skip


def test_round_trip_to_the_frame(cut_timeline: Timeline, tmp_path: Path) -> None:
    path = export_timeline(cut_timeline, tmp_path / "cut.xml")
    back = import_timeline(path)
    assert _placed(back, Fraction(24)) == _placed(cut_timeline, Fraction(24))
    assert [t.name for t in back.tracks] == ["V1", "V2"]
    assert [t.name for t in back.audio_tracks] == ["A1"]
    alpha = next(c for c in back.clips if c.name == "alpha.mov")
    assert alpha.source == "/media/alpha.mov"
    assert alpha.source_duration == 10.0


def test_mixed_rates_land_within_a_frame(mixed_timeline: Timeline, tmp_path: Path) -> None:
    rate = Fraction(24)
    path = export_timeline(mixed_timeline, tmp_path / "mixed.xml")
    back = import_timeline(path)
    by_name = {c.name: c for c in back.clips}
    for clip in mixed_timeline.clips:
        got = by_name[clip.name]
        assert (got.kind, got.track_index) == (clip.kind, clip.track_index)
        assert abs(frame_at(got.start, rate) - frame_at(clip.start, rate)) <= 1
        assert abs(frame_at(got.end, rate) - frame_at(clip.end, rate)) <= 1


def test_placeholder_comes_back_without_media(mixed_timeline: Timeline, tmp_path: Path) -> None:
    path = export_timeline(mixed_timeline, tmp_path / "mixed.xml")
    local = next(c for c in import_timeline(path).clips if c.name == "my_take.mp4")
    assert local.source is None
    assert local.source_type is SourceType.LOCAL


def test_audio_only_timeline(tmp_path: Path) -> None:
    clip = Clip("m", "vo.wav", 1.0, 4.0, kind=ClipKind.AUDIO, source="/m/vo.wav")
    timeline = Timeline(clips=(clip,))
    back = import_timeline(export_timeline(timeline, tmp_path / "vo.xml"))
    assert [(c.kind, c.start, c.duration) for c in back.clips] == [(ClipKind.AUDIO, 1.0, 4.0)]
