"""An .otio round trip gives back the very same timeline."""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from shotline.interchange import InterchangeError, export_timeline, import_timeline, to_otio
from shotline.timeline.model import Clip, SourceType, Timeline


def test_round_trip_is_exact(mixed_timeline: Timeline, tmp_path: Path) -> None:
    path = export_timeline(mixed_timeline, tmp_path / "cut.otio")
    assert import_timeline(path) == mixed_timeline


def test_structure_is_what_an_editor_expects(mixed_timeline: Timeline) -> None:
    built = to_otio(mixed_timeline)
    kinds = [t.kind for t in built.tracks]
    assert kinds == ["Video", "Video", "Audio"]
    v1 = built.tracks[0]
    assert [type(c).__name__ for c in v1] == ["Clip", "Gap", "Clip", "Clip"]
    # Each clip in its own rate; the gap in the timeline rate (24 is the most common).
    assert v1[2].source_range.duration.rate == 24
    ntsc = v1[3]
    assert ntsc.source_range.start_time.rate == pytest.approx(30000 / 1001)
    assert ntsc.media_reference.target_url == "/media/ntsc.mov"
    assert v1.range_of_child_at_index(3).start_time.to_seconds() == pytest.approx(4.5)
    assert list(ntsc.metadata["shotline"]["clip"]["linkedClipIds"]) == []
    assert v1[2].metadata["shotline"]["clip"]["prompt"] == "a jeep at dusk"
    assert built.metadata["shotline"]["rate"] == "24"


def test_local_placeholder_is_an_explicit_missing_reference(
    mixed_timeline: Timeline, tmp_path: Path
) -> None:
    path = export_timeline(mixed_timeline, tmp_path / "cut.otio")
    read = otio.adapters.read_from_file(str(path))
    local = next(c for c in read.find_clips() if c.name == "my_take.mp4")
    assert isinstance(local.media_reference, otio.schema.MissingReference)
    clip = import_timeline(path).clip("local")
    assert clip.source is None
    assert clip.source_type is SourceType.LOCAL


def test_local_clip_with_a_path_keeps_it(tmp_path: Path) -> None:
    clip = Clip("x", "x.mp4", 0.0, 1.0, source="/home/ana/x.mp4", source_type=SourceType.LOCAL)
    timeline = Timeline(clips=(clip,))
    assert import_timeline(export_timeline(timeline, tmp_path / "x.otio")) == timeline


def test_empty_timeline_round_trips(tmp_path: Path) -> None:
    timeline = Timeline(name="Empty", audio_tracks=())
    assert import_timeline(export_timeline(timeline, tmp_path / "e.otio")) == timeline


def test_explicit_rate_keeps_the_round_trip_exact(mixed_timeline: Timeline, tmp_path: Path) -> None:
    path = export_timeline(mixed_timeline, tmp_path / "cut.otio", rate=Fraction(30000, 1001))
    assert import_timeline(path) == mixed_timeline


def _edit(path: Path, change: Callable[[otio.schema.Timeline], None]) -> None:
    """Change an exported file the way another editor would, keeping our metadata."""
    read = otio.adapters.read_from_file(str(path))
    change(read)
    otio.adapters.write_to_file(read, str(path))


def test_clip_moved_in_another_editor_takes_the_new_place(
    mixed_timeline: Timeline, tmp_path: Path
) -> None:
    path = export_timeline(mixed_timeline, tmp_path / "cut.otio")

    def lengthen_gap(read: otio.schema.Timeline) -> None:
        gap = read.tracks[0][1]
        gap.source_range = otio.opentime.TimeRange(
            gap.source_range.start_time, otio.opentime.RationalTime(48, 24)
        )

    _edit(path, lengthen_gap)
    moved = import_timeline(path).clip("gen")
    assert moved.start == 4.0
    assert moved.prompt == "a jeep at dusk"  # our fields survive the move
    assert moved.linked_clip_ids == ("wide", "gone-clip")


def test_clip_duplicated_in_another_editor_gets_a_new_id(
    mixed_timeline: Timeline, tmp_path: Path
) -> None:
    path = export_timeline(mixed_timeline, tmp_path / "cut.otio")

    def duplicate_last(read: otio.schema.Timeline) -> None:
        track = read.tracks[1]
        track.append(otio.schema.Gap(duration=otio.opentime.RationalTime(24, 24)))
        track.append(track[-2].clone())

    _edit(path, duplicate_last)
    timeline = import_timeline(path)
    ids = [c.id for c in timeline.clips]
    assert "late-2" in ids and len(ids) == len(set(ids))
    assert timeline.clip("late") == mixed_timeline.clip("late")  # the original keeps its id


def test_timeline_breaking_a_rule_is_refused_naming_the_file(
    mixed_timeline: Timeline, tmp_path: Path
) -> None:
    path = export_timeline(mixed_timeline, tmp_path / "cut.otio")
    data = json.loads(path.read_text())
    first = data["tracks"]["children"][0]["children"][0]
    first["metadata"]["shotline"]["clip"]["sourceDuration"] = 1.0  # shorter than the clip shows
    path.write_text(json.dumps(data))
    with pytest.raises(InterchangeError, match=r"cut\.otio.*wide"):
        import_timeline(path)


def test_clip_added_after_a_mixed_rate_clip_stays_butted(
    mixed_timeline: Timeline, tmp_path: Path
) -> None:
    path = export_timeline(mixed_timeline, tmp_path / "cut.otio")

    def append_copy(read: otio.schema.Timeline) -> None:
        # Right after the 29.97 clip, whose track item ends a sliver before its exact end.
        read.tracks[0].append(read.tracks[1][3].clone())

    _edit(path, append_copy)
    timeline = import_timeline(path)
    ntsc = timeline.clip("ntsc")
    assert ntsc == mixed_timeline.clip("ntsc")
    copy = next(c for c in timeline.clips if c.track_index == 0 and c.name == "late.mp4")
    assert copy.start == ntsc.end
    assert copy.id == "late-2"
