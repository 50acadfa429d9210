"""The CLI as a user runs it: real files, real exit codes, one-line errors."""

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from shotline.cli import app
from shotline.media.testcard import TestCard, read_frame_index, write_testcard
from shotline.savefile import load_timeline, save_timeline
from shotline.timeline import Clip, Timeline, add_clip, link_clips

runner = CliRunner()


@pytest.fixture(scope="module")
def clip_30(tmp_path_factory: pytest.TempPathFactory) -> Path:
    card = TestCard(fps=Fraction(30000, 1001), duration=2.0, tone=440.0, gop=30)
    return write_testcard(card, tmp_path_factory.mktemp("cli") / "ntsc.mp4")


@pytest.fixture(scope="module")
def timeline_file(tmp_path_factory: pytest.TempPathFactory, clip_30: Path) -> Path:
    folder = tmp_path_factory.mktemp("project")
    media = folder / "media"
    media.mkdir()
    (media / "a.mp4").write_bytes(clip_30.read_bytes())
    tl = Timeline(name="cli test")
    common = {
        "source": "media/a.mp4",
        "source_duration": 2.002,
        "source_fps": Fraction(30000, 1001),
    }
    tl = add_clip(tl, Clip(id="a", name="a.mp4", start=0.0, duration=1.0, has_audio=True, **common))
    tl = add_clip(tl, Clip(id="b", name="b", start=1.0, duration=1.0, trim_start=1.0, **common))
    tl = add_clip(tl, Clip(id="g", name="g", start=0.5, duration=1.0, track_index=1, **common))
    tl = link_clips(tl, "g", ["a", "b"])
    path = folder / "edit.json"
    save_timeline(tl, path)
    return path


def test_probe_prints_exact_rate(clip_30: Path) -> None:
    result = runner.invoke(app, ["probe", str(clip_30)])
    assert result.exit_code == 0, result.output
    assert "30000/1001" in result.output and "aac" in result.output


def test_frame_writes_the_exact_frame(clip_30: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.png"
    # 1.0 s at 29.97 fps lies inside frame 29 (which starts at 0.9676 s)
    result = runner.invoke(app, ["frame", str(clip_30), "--at", "1.0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert read_frame_index(np.asarray(Image.open(out).convert("RGB"))) == 29


def test_errors_are_one_line_and_nonzero(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["probe", str(tmp_path / "nope.mp4")])
    assert missing.exit_code == 1
    assert "error: media not found" in missing.output and "Traceback" not in missing.output
    junk = tmp_path / "junk.mp4"
    junk.write_text("not a video")
    result = runner.invoke(app, ["frame", str(junk), "--at", "0", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 1 and "not a media file" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"clips": [{"id": "x", "startTime": -3, "duration": 1}]}))
    result = runner.invoke(app, ["render", str(bad), "-o", str(tmp_path / "o.mp4")])
    assert result.exit_code == 1
    assert "clip 'x': start must be at or after 0" in result.output
    assert not (tmp_path / "o.mp4").exists()


def test_bad_size_is_a_usage_error(timeline_file: Path, tmp_path: Path) -> None:
    args = ["render", str(timeline_file), "-o", str(tmp_path / "o.mp4"), "--size", "huge"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "WIDTHxHEIGHT" in result.output


def test_render_export_import(timeline_file: Path, tmp_path: Path) -> None:
    video = tmp_path / "edit.mp4"
    args = [
        "render",
        str(timeline_file),
        "-o",
        str(video),
        "--size",
        "320x180",
        "--fps",
        "30000/1001",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "60 frames, 2.002 s" in " ".join(result.output.split())  # 2.0 s at 29.97 fps
    otio_file = tmp_path / "edit.otio"
    result = runner.invoke(
        app, ["export", str(timeline_file), "--format", "otio", "-o", str(otio_file)]
    )
    assert result.exit_code == 0, result.output
    back = tmp_path / "back.json"
    result = runner.invoke(app, ["import", str(otio_file), "-o", str(back)])
    assert result.exit_code == 0, result.output
    original, imported = load_timeline(timeline_file), load_timeline(back)
    assert [(c.id, c.start, c.duration, c.linked_clip_ids) for c in imported.clips] == [
        (c.id, c.start, c.duration, c.linked_clip_ids) for c in original.clips
    ]
    edl = tmp_path / "v2.edl"
    result = runner.invoke(
        app, ["export", str(timeline_file), "-f", "edl", "--track", "2", "-o", str(edl)]
    )
    assert result.exit_code == 0, result.output
    assert edl.read_text().count("\n00") >= 1
