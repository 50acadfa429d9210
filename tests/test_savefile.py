import json
import os
from pathlib import Path

import pytest

from shotline.savefile import load_timeline, preview_path, save_timeline
from shotline.timeline import SnapshotError
from tests.timeline.builders import timeline, video


def test_save_and_load(tmp_path: Path) -> None:
    tl = timeline(video("a", 0, 2), video("g", 2, 1, track=1, links=("a",)))
    path = tmp_path / "scene.json"
    saved = save_timeline(tl, path, saved_by="ana", preview_png=b"\x89PNG fake")
    assert saved.saved_by == "ana" and saved.saved_at is not None
    assert saved.saved_at.endswith("Z")
    assert load_timeline(path) == saved
    assert preview_path(path).read_bytes() == b"\x89PNG fake"
    assert json.loads(path.read_text())["savedBy"] == "ana"  # plain, readable JSON


def test_failed_save_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "scene.json"
    save_timeline(timeline(video("a", 0, 2)), path)
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", disk_full)  # fails after the new bytes went to the temp file
        with pytest.raises(OSError, match="No space"):
            save_timeline(timeline(video("b", 0, 1)), path)
    assert path.read_bytes() == before
    broken = timeline(video("b", 0, 1)).with_(extra={"bad": {1, 2}})  # not JSON-serialisable
    with pytest.raises(TypeError):
        save_timeline(broken, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["scene.json"]  # no temp files left behind


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SnapshotError, match="bad.json: not valid JSON"):
        load_timeline(bad)
    with pytest.raises(SnapshotError, match="missing.json: no such file"):
        load_timeline(tmp_path / "missing.json")
    bad.write_text(json.dumps({"clips": [{"id": "x", "startTime": 0}]}))
    with pytest.raises(
        SnapshotError, match=r"bad.json: clip 'x' \(#1\): field 'duration' is required"
    ):
        load_timeline(bad)
