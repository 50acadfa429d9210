"""Formats by suffix, atomic writes, clear errors, and the seed's own example in every format."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shotline.interchange import InterchangeError, export_timeline, import_timeline
from shotline.timeline.model import ClipKind, SourceType, Timeline


@pytest.mark.parametrize("suffix", [".otio", ".edl", ".xml", ".fcpxml"])
def test_seed_example_exports_in_every_format(
    seed_timeline: Timeline, tmp_path: Path, suffix: str
) -> None:
    path = export_timeline(seed_timeline, tmp_path / f"street_chase{suffix}")
    assert path.stat().st_size > 0
    back = import_timeline(path)
    assert back.name == "Scene 4 - Street Chase"
    wide = next(c for c in back.clips if c.name == "establishing_wide.mp4")
    assert (wide.start, wide.duration, wide.track_index) == (0.0, 8.5, 0)
    assert wide.source == "/api/clips/establishing_wide.mp4"
    if suffix != ".edl":  # an EDL holds V1 only
        jeep = next(c for c in back.clips if c.name == "AI: jeep drives under camera")
        assert (jeep.start, jeep.track_index) == (8.5, 1)
        assert abs(jeep.duration - 4.8) < 1 / 24


def test_seed_example_otio_keeps_everything(seed_timeline: Timeline, tmp_path: Path) -> None:
    back = import_timeline(export_timeline(seed_timeline, tmp_path / "seed.otio"))
    assert back == seed_timeline
    jeep = back.clip("clip-gen-1771238213411")
    assert jeep.source_type is SourceType.GENERATED
    assert jeep.linked_clip_ids == ("clip-1771238166454", "clip-1771238320050")
    assert back.clip("clip-1771238166454").has_audio
    assert back.saved_by == "JP Castel"


def test_explicit_format_overrides_the_suffix(seed_timeline: Timeline, tmp_path: Path) -> None:
    path = export_timeline(seed_timeline, tmp_path / "cut.txt", "edl")
    assert path.read_text().startswith("TITLE: Scene 4 - Street Chase")
    assert [c.kind for c in import_timeline(path, "edl").clips] == [ClipKind.VIDEO]


def test_unknown_suffix_and_format_are_refused(seed_timeline: Timeline, tmp_path: Path) -> None:
    with pytest.raises(InterchangeError, match=r"cut\.mov.*suffix"):
        export_timeline(seed_timeline, tmp_path / "cut.mov")
    with pytest.raises(InterchangeError, match="unknown format 'aaf'"):
        export_timeline(seed_timeline, tmp_path / "cut.otio", "aaf")
    with pytest.raises(InterchangeError, match="unknown format"):
        import_timeline(tmp_path / "cut.otio", "premiere")


def test_missing_and_unreadable_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InterchangeError, match=r"nothing\.otio: no such file"):
        import_timeline(tmp_path / "nothing.otio")
    for name in ("junk.otio", "junk.xml", "junk.fcpxml", "junk.edl"):
        path = tmp_path / name
        path.write_text("this is not a timeline {<")
        with pytest.raises(InterchangeError, match=name.replace(".", r"\.")):
            import_timeline(path)


def test_write_is_atomic_and_replaces(seed_timeline: Timeline, tmp_path: Path) -> None:
    target = tmp_path / "cut.otio"
    target.write_text("old")
    export_timeline(seed_timeline, target)
    assert import_timeline(target) == seed_timeline
    assert os.listdir(tmp_path) == ["cut.otio"]  # no temp file left behind


def test_failed_write_leaves_the_old_file(seed_timeline: Timeline, tmp_path: Path) -> None:
    target = tmp_path / "cut.edl"
    target.write_text("old")
    with pytest.raises(InterchangeError):
        export_timeline(seed_timeline, target, track_index=5)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["cut.edl"]


def test_missing_folder_is_created(seed_timeline: Timeline, tmp_path: Path) -> None:
    # Like every other output (renders, saves), an export makes the folder it is asked to write to.
    written = export_timeline(seed_timeline, tmp_path / "no" / "such" / "cut.otio")
    assert written.is_file() and import_timeline(written).name == seed_timeline.name


def test_unwritable_target_is_a_clear_error(seed_timeline: Timeline, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(InterchangeError, match="cannot write"):
        export_timeline(seed_timeline, blocker / "cut.otio")
