"""The CLI as a user runs it: real files, real exit codes, one-line errors."""

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

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


def _text(result: Any) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def _index(path: Path) -> int:
    return read_frame_index(np.asarray(Image.open(path).convert("RGB")))


def test_frame_of_a_timeline_is_the_topmost_clips(timeline_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.png"
    # 1.2 s: V2's clip g (from 0.5 s, no trim) shows source 0.7 s = frame 20 at 29.97 fps.
    result = runner.invoke(app, ["frame", str(timeline_file), "--at", "1.2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _index(out) == 20 and "clip 'g' frame 20 on V2" in _text(result)
    # 1.7 s: only V1's clip b (trimmed 1 s in) is there: source 1.7 s = frame 50.
    result = runner.invoke(app, ["frame", str(timeline_file), "--at", "1.7", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _index(out) == 50
    past = runner.invoke(app, ["frame", str(timeline_file), "--at", "3", "-o", str(out)])
    assert past.exit_code == 1 and "3.000 s is past the end (2.000 s)" in _text(past)


def test_frame_past_the_end_of_a_file_is_an_error(clip_30: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.png"
    result = runner.invoke(app, ["frame", str(clip_30), "--at", "100", "-o", str(out)])
    assert result.exit_code == 1 and "is past the end" in _text(result)
    assert not out.exists()


def test_frame_writes_the_format_its_suffix_names(clip_30: Path, tmp_path: Path) -> None:
    out = tmp_path / "still.jpg"
    result = runner.invoke(app, ["frame", str(clip_30), "--at", "1.0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert Image.open(out).format == "JPEG" and _index(out) == 29
    gif = runner.invoke(app, ["frame", str(clip_30), "--at", "1", "-o", str(tmp_path / "a.gif")])
    assert gif.exit_code == 1 and "cannot write .gif images" in _text(gif)


def test_outputs_never_replace_inputs(timeline_file: Path, clip_30: Path, tmp_path: Path) -> None:
    media = timeline_file.parent / "media" / "a.mp4"
    before = {p: p.read_bytes() for p in (timeline_file, media, clip_30)}
    copy = tmp_path / "clip.mp4"
    copy.write_bytes(clip_30.read_bytes())
    still = tmp_path / "still.png"
    Image.new("RGB", (64, 36)).save(still)
    attempts = [
        ["render", str(timeline_file), "-o", str(timeline_file)],
        ["render", str(timeline_file), "-o", str(media)],  # a clip's own media
        ["frame", str(copy), "--at", "1", "-o", str(copy)],
        ["export", str(timeline_file), "-f", "otio", "-o", str(timeline_file)],
        ["import", str(timeline_file), "-f", "otio", "-o", str(timeline_file)],
        ["generate", "video", "--first", str(still), "-o", str(still)],
        ["film", "--script", str(timeline_file), "-o", str(timeline_file)],
    ]
    for args in attempts:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, args
        assert "is an input of this command" in _text(result), args
    assert {p: p.read_bytes() for p in before} == before
    assert copy.read_bytes() == clip_30.read_bytes()


def test_links_to_missing_clips_are_warned(timeline_file: Path, tmp_path: Path) -> None:
    data = json.loads(timeline_file.read_text())
    data["clips"][0]["linkedClipIds"] = ["gone"]
    dangling = tmp_path / "dangling.json"
    dangling.write_text(json.dumps(data))
    result = runner.invoke(
        app, ["export", str(dangling), "-f", "otio", "-o", str(tmp_path / "d.otio")]
    )
    assert result.exit_code == 0, result.output
    assert "warning:" in _text(result) and "links to clip 'gone'" in _text(result)


def test_edl_export_and_import_at_any_rate(timeline_file: Path, tmp_path: Path) -> None:
    edl = tmp_path / "cut.edl"
    args = ["export", str(timeline_file), "-f", "edl", "--fps", "25", "-o", str(edl)]
    assert runner.invoke(app, args).exit_code == 0
    plain = tmp_path / "plain.edl"  # as other editors write them: no rate stated
    plain.write_text(
        "".join(line for line in edl.read_text().splitlines(True) if "SHOTLINE" not in line)
    )
    refused = runner.invoke(app, ["import", str(plain), "-o", str(tmp_path / "x.json")])
    assert refused.exit_code == 1 and "--fps" in _text(refused)
    result = runner.invoke(
        app, ["import", str(plain), "--fps", "25", "-o", str(tmp_path / "b.json")]
    )
    assert result.exit_code == 0, result.output
    back = load_timeline(tmp_path / "b.json")
    assert [(c.start, c.duration) for c in back.clips] == [(0.0, 1.0), (1.0, 1.0)]
    ntsc = tmp_path / "ntsc.edl"
    args = ["export", str(timeline_file), "-f", "edl", "--timecode", "ndf", "-o", str(ntsc)]
    assert runner.invoke(app, args).exit_code == 0
    assert "FCM: NON-DROP FRAME" in ntsc.read_text()
    fcp7 = tmp_path / "cut.fcp7"
    assert (
        runner.invoke(app, ["export", str(timeline_file), "-f", "fcp7", "-o", str(fcp7)]).exit_code
        == 0
    )
    result = runner.invoke(app, ["import", str(fcp7), "-o", str(tmp_path / "c.json")])
    assert result.exit_code == 0, result.output
    assert load_timeline(tmp_path / "c.json").clip("clip-1").has_audio  # a.mp4's own sound
