"""The idea-to-film pipeline end to end on the offline providers, at a small size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image
from typer.testing import CliRunner

from shotline.cli import app
from shotline.film.narration import NarrationTrack
from shotline.film.runs import Phase, Run
from shotline.media.frames import FrameReader
from shotline.media.probe import probe
from shotline.providers.offline import EspeakSpeech, OfflineInterpolate, OfflineSketch
from shotline.savefile import load_timeline
from shotline.timeline.timecode import frame_count
from tests.film.pipeline_support import (
    SIZE,
    Calls,
    FailingLipsync,
    RefusingImages,
    execute,
    new_run,
    offline_counting,
    studio_with,
    write_script_file,
)

FPS = Fraction(24)


def image(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to H.264 at a small size (a different picture differs by tens of levels)."""
    return a.shape == b.shape and float(np.abs(a - b).mean()) < 4.0


def subtitle_cues(path: Path) -> list[tuple[float, float, str]]:
    """(start, end, text) of every cue of the MP4's subtitle stream, read back with PyAV."""
    out = []
    with av.open(str(path)) as container:
        stream = container.streams.subtitles[0]
        assert stream.codec_context.name == "mov_text"
        for packet in container.demux(stream):
            if packet.pts is None or not packet.size:
                continue
            start = float(packet.pts * packet.time_base)
            end = start + float(packet.duration * packet.time_base)
            text = bytes(packet)[2:].decode("utf-8")  # 3GPP timed text: a 16-bit length first
            if text:  # mov_text fills the time between cues with empty samples
                out.append((start, end, text.replace("\n", " ")))
    return out


def test_full_offline_yolo_run(tmp_path: Path) -> None:
    calls = Calls()
    with studio_with(tmp_path / "data", offline_counting(calls)) as studio:
        run = new_run(tmp_path / "data", write_script_file(tmp_path / "script.yaml"))
        state = execute(studio, run)

    assert state.phase is Phase.DONE, state.message
    segments, keyframes = 3, 4
    key_images = [image(run.path("keyframes", f"K{k:02d}.png")) for k in range(keyframes)]
    assert all(k.shape == (SIZE[1], SIZE[0], 3) for k in key_images)
    assert not run.path("keyframes", f"K{keyframes:02d}.png").exists()

    # Each segment's clip starts on keyframe i and ends on keyframe i + 1.
    for i in range(segments):
        with FrameReader(run.path("segments", f"segment-{i + 1:02d}.mp4")) as reader:
            count = probe(run.path("segments", f"segment-{i + 1:02d}.mp4")).frame_count
            assert close(reader.frame(0).astype(np.float32), key_images[i])
            assert close(reader.frame(count - 1).astype(np.float32), key_images[i + 1])
            assert not close(reader.frame(0).astype(np.float32), key_images[i + 1])

    # Audio is the clock: clips sit on the slots, cut at slot starts, film as long as the audio.
    track = NarrationTrack.from_dict(json.loads(run.path("audio", "narration.json").read_text()))
    timeline = load_timeline(run.path("timeline.json"))
    clips = [c for c in timeline.clips if c.id.startswith("segment-")]
    clips.sort(key=lambda c: c.start)
    assert len(clips) == segments
    for clip, slot in zip(clips, track.segments, strict=True):
        assert frame_count(clip.start, FPS) == frame_count(slot.slot_start, FPS)
        assert frame_count(clip.end, FPS) == frame_count(slot.slot_end, FPS)
        with FrameReader(run.path("segments", f"segment-{slot.index + 1:02d}.mp4")) as reader:
            made = probe(reader.path).frame_count  # generated to the frame (offline: exact)
        assert made == frame_count(slot.slot_end, FPS) - frame_count(slot.slot_start, FPS)
    film = probe(run.path("film.mp4"))
    assert abs(film.duration - float(track.duration)) <= 1 / 24
    assert film.frame_count == frame_count(track.duration, FPS)
    with FrameReader(run.path("film.mp4")) as reader:
        for slot in track.segments:
            cut = reader.frame(frame_count(slot.slot_start, FPS)).astype(np.float32)
            assert close(cut, key_images[slot.index])

    # Subtitles from the narration's timing: a stream in the MP4 and a WebVTT file beside it.
    said = ["Mara walks alone along the crater rim.", "Something blue catches her eye.",
            "Back at the base, she shows Theo.", "Mara: Look what I found.",
            "Theo: That is impossible."]  # fmt: skip
    spans = [span for slot in track.segments for span in slot.line_spans]
    shown = subtitle_cues(run.path("film.mp4"))
    assert [text for _, _, text in shown] == said
    for (start, end, _), (a, b) in zip(shown, spans, strict=True):
        assert abs(start - float(a)) < 0.002 and abs(end - float(b)) < 0.002
    vtt = run.path("film.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "Theo: That is impossible." in vtt
    assert run.path("film.srt").read_text(encoding="utf-8").startswith("1\n00:00:00,000 --> ")

    # Outputs, and the accounting of a first run: everything generated, nothing reused.
    assert {"film", "subtitles", "timeline", "script", "storyboard"} <= set(state.outputs)
    assert Image.open(run.path("storyboard.png")).size[0] > 0
    kinds = state.report["kinds"]
    assert kinds["reference"]["regenerated"] == (2 + 2 + 1) * 2
    assert kinds["keyframe"]["regenerated"] == keyframes * 2
    assert kinds["video"]["regenerated"] == segments
    assert kinds["lipsync"]["failed"] == 1  # offline: not available, the plain clip is used
    assert calls.snapshot()["offline.interpolate"] == segments


def test_failing_lipsync_keeps_plain_clips(tmp_path: Path) -> None:
    calls = Calls()
    providers = [OfflineSketch(), OfflineInterpolate(), EspeakSpeech(), FailingLipsync(calls)]
    with studio_with(tmp_path / "data", providers) as studio:
        run = new_run(tmp_path / "data", write_script_file(tmp_path / "s.yaml"),
                      providers=["broken", "offline"])  # fmt: skip
        state = execute(studio, run)

    assert state.phase is Phase.DONE, state.message
    assert calls.snapshot()["broken.lipsync"] == 1
    assert state.report["kinds"]["lipsync"]["failed"] == 1
    assert probe(run.path("film.mp4")).frame_count > 0
    timeline = load_timeline(run.path("timeline.json"))
    dialogue = timeline.clip("segment-3")
    assert dialogue.extra["lipsynced"] is False
    assert dialogue.source == "segments/segment-03.mp4"
    assert any("plain clip" in note for note in state.report["notes"])


def test_refusal_switches_to_the_next_provider_once(tmp_path: Path) -> None:
    calls = Calls()
    providers = [RefusingImages(calls), *offline_counting(calls)]
    with studio_with(tmp_path / "data", providers) as studio:
        run = new_run(tmp_path / "data", write_script_file(tmp_path / "s.yaml"), variants=1,
                      providers=["strict", "offline"])  # fmt: skip
        state = execute(studio, run)
        first = calls.snapshot()
        again = execute(studio, run)
        second = calls.since(first)

    assert state.phase is Phase.DONE, state.message
    images = 5 + 4  # five references and four keyframes, one variant each
    assert first["strict.image"] == images  # each asked once, then never again
    assert first["offline.sketch"] == images
    assert any("refused, trying offline.sketch" in note for note in state.report["notes"])
    assert again.phase is Phase.DONE and second == {}


def test_malformed_script_names_segment_and_field_and_writes_nothing(tmp_path: Path) -> None:
    bad = write_script_file(tmp_path / "bad.yaml")
    bad.write_text(bad.read_text().replace("camera: close-up", "camera: sideways"))
    data = tmp_path / "data"
    result = CliRunner().invoke(
        app, ["film", "--script", str(bad), "--yolo"], env={"SHOTLINE_DATA": str(data)}
    )
    assert result.exit_code == 1, result.output
    assert "segment 2 ('s2')" in result.output and "field 'camera'" in result.output
    assert not data.exists()


def shotline(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOTLINE_")}
    env.update(SHOTLINE_DATA=str(data), COLUMNS="200", SHOTLINE_QUEUE_POLL="0.02")
    return subprocess.run([sys.executable, "-m", "shotline", *args], capture_output=True,
                          text=True, env=env, timeout=300, cwd=data.parent)  # fmt: skip


def test_checkpoints_across_processes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    script = write_script_file(tmp_path / "s.yaml")
    started = shotline(data, "film", "--script", str(script), "--size", "256x144",
                       "--variants", "2")  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert "awaiting_pick_refs" in started.stdout
    (run,) = Run.all(data)
    assert run.load().phase is Phase.AWAITING_PICK_REFS
    assert run.path("references", "sheet.png").is_file()

    status = shotline(data, "film", "status", run.id[:12])
    assert "awaiting_pick_refs" in status.stdout and "waiting for picks" in status.stdout
    guide = run.path("references", "prop-flower-v1.png")  # the user's "own" picture
    picked = shotline(data, "film", "pick", run.id, "refs", "mara=1", "theo=0", "crater=0",
                      "environment:base=1", f"flower={guide}")  # fmt: skip
    assert picked.returncode == 0, picked.stderr
    assert run.picks().refs["prop:flower"] == "references/guides/prop-flower.png"

    middle = shotline(data, "film", "resume", run.id)
    assert middle.returncode == 0, middle.stderr
    assert run.load().phase is Phase.AWAITING_PICK_KEYFRAMES
    wrong = shotline(data, "film", "pick", run.id, "keyframes", "K9=0")
    assert wrong.returncode == 1 and "not a keyframe" in wrong.stderr
    picked = shotline(data, "film", "pick", run.id, "keyframes", "K0=1", "1=0", "2=1", "K3=0")
    assert picked.returncode == 0, picked.stderr

    done = shotline(data, "film", "resume", run.id)
    assert done.returncode == 0, done.stderr
    state = run.load()
    assert state.phase is Phase.DONE and Path(state.outputs["film"]).is_file()
    chosen = image(run.path("keyframes", "K00.png"))
    assert np.array_equal(chosen, image(run.path("keyframes", "K00-v1.png")))
    assert state.report["kinds"]["reference"]["reused"] == 8  # the guide replaced two variants
