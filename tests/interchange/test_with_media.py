"""Round trips with real media: what an editor sees after importing is what we rendered before."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from shotline.interchange import export_timeline, import_timeline
from shotline.media.render import render_timeline
from shotline.media.testcard import TestCard, read_frame_index, write_testcard
from shotline.timeline.model import Clip, ClipKind, Timeline
from tests.media.conftest import sine, write_wav

NTSC = Fraction(30000, 1001)
VOICE = 1.77  # seconds of sound: not a whole number of frames at 24, 25 or 29.97


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("project")
    write_testcard(TestCard(NTSC, 1.0, tone=440.0, size=(160, 90)), folder / "shot one.mp4")
    write_wav(folder / "voice.wav", sine(VOICE, 220, 0.3, rate=8000)[None, :], rate=8000)
    return folder


def _edit(media: Path) -> Timeline:
    clips = (
        Clip("shot", "shot one.mp4", 0.0, 1.001, source="shot one.mp4", source_fps=NTSC,
             source_duration=1.001, has_audio=True),
        Clip("voice", "voice.wav", 0.0, VOICE, kind=ClipKind.AUDIO, source="voice.wav",
             source_duration=VOICE),
    )  # fmt: skip
    return Timeline(name="with media", clips=clips)


def _loudness(path: Path) -> float:
    with av.open(str(path)) as container:
        samples = [f.to_ndarray() for f in container.decode(audio=0)]
    return float(np.sqrt(np.mean(np.concatenate(samples, axis=1) ** 2)))


@pytest.mark.parametrize("suffix", [".xml", ".fcpxml"])
def test_clip_sound_survives_and_renders(media: Path, suffix: str, tmp_path: Path) -> None:
    edit = _edit(media).with_clips(c for c in _edit(media).clips if c.id == "shot")
    path = export_timeline(edit, tmp_path / f"edit{suffix}", rate=NTSC, base_dir=media)
    back = import_timeline(path)
    (shot,) = back.clips
    assert shot.has_audio and shot.source == str(media / "shot one.mp4")
    result = render_timeline(back, tmp_path / "back.mp4", size=(160, 90), fps=NTSC)
    # The clip's own 440 Hz tone (amplitude 0.3: RMS about 0.21), not silence.
    assert _loudness(result.path) > 0.1
    with av.open(str(result.path)) as container:
        last = next(f for i, f in enumerate(container.decode(video=0)) if i == 29)
        assert read_frame_index(last.to_ndarray(format="rgb24")) == 29


@pytest.mark.parametrize("suffix", [".edl", ".xml", ".fcpxml"])
@pytest.mark.parametrize("rate", [Fraction(24), Fraction(25), NTSC])
def test_media_found_here_is_measured(
    media: Path, suffix: str, rate: Fraction, tmp_path: Path
) -> None:
    """Formats count in whole frames of the sequence; the files themselves know better."""
    path = export_timeline(_edit(media), tmp_path / f"edit{suffix}", rate=rate, base_dir=media)
    if suffix == ".edl":  # EDL paths are as written: relative to the EDL, like the timeline's
        path = path.rename(media / f"edit-{rate.numerator}.edl")
    back = {c.name: c for c in import_timeline(path).clips}
    shot = back["shot one.mp4"]
    assert (shot.source_duration, shot.source_fps) == (1.001, NTSC)  # 30 frames at 29.97
    if suffix != ".edl":  # no sound in an EDL but its clips'
        voice = back["voice.wav"]
        assert voice.source_duration == pytest.approx(VOICE, abs=1e-6)
        assert voice.duration == pytest.approx(VOICE, abs=1e-6)  # not cut to the frame before
