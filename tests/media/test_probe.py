from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shotline.media.errors import MediaNotFound, UnreadableMedia
from shotline.media.probe import probe

from .conftest import RATES, Clip, sine, write_wav

Cards = Callable[[str, str], Clip]


@pytest.mark.parametrize("rate", list(RATES))
def test_video_rate_duration_and_size(testcards: Cards, rate: str) -> None:
    clip = testcards(rate, "short")
    info = probe(clip.path)
    assert info.fps == RATES[rate]  # exact: 23.976 is 24000/1001, not a float
    assert info.frame_count == clip.frames
    assert info.duration == pytest.approx(float(clip.frames / clip.card.fps), abs=0.05)
    assert (info.width, info.height) == (320, 180)
    assert info.display_size == (320, 180)
    assert info.has_video and not info.has_audio
    assert info.video_codec == "h264"
    assert info.audio_codec is None and info.sample_rate is None
    assert info.format.startswith("mov")


def test_audio_track(tone_clip: Clip) -> None:
    info = probe(tone_clip.path)
    assert info.has_video and info.has_audio
    assert info.audio_codec == "aac"
    assert (info.sample_rate, info.channels) == (48000, 2)
    assert info.duration == pytest.approx(2.0, abs=0.05)


def test_audio_only(audio_only: Path, tmp_path: Path) -> None:
    info = probe(audio_only)
    assert info.has_audio and not info.has_video
    assert info.fps is None and info.width is None and info.display_size is None
    assert info.audio_codec == "aac"
    assert info.duration == pytest.approx(2.0, abs=0.05)

    wav = probe(
        write_wav(tmp_path / "tone.wav", sine(0.5, 440, 0.3, rate=22050)[None, :], rate=22050)
    )
    assert (wav.format, wav.audio_codec, wav.sample_rate, wav.channels) == (
        "wav",
        "pcm_s16le",
        22050,
        1,
    )
    assert wav.duration == pytest.approx(0.5, abs=0.01)


def test_errors(tmp_path: Path, not_media: Path) -> None:
    with pytest.raises(MediaNotFound) as missing:
        probe(tmp_path / "missing.mov")
    assert isinstance(missing.value, FileNotFoundError)
    assert "missing.mov" in str(missing.value)
    with pytest.raises(UnreadableMedia) as unreadable:
        probe(not_media)
    assert isinstance(unreadable.value, ValueError)
    assert "notes.mp4" in str(unreadable.value)
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(UnreadableMedia):
        probe(empty)
