from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import av
import pytest

from shotline.media.errors import MediaNotFound, UnreadableMedia
from shotline.media.probe import probe
from shotline.media.testcard import TestCard

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


def test_truncated_file_reports_what_decodes(truncated: tuple[Path, TestCard]) -> None:
    path, card = truncated
    info = probe(path)
    assert info.frame_count is not None and 30 < info.frame_count < card.frames
    decoded = sum(1 for _ in _decode_all(path))
    assert info.frame_count == decoded  # what really decodes, not the header's 96
    assert info.duration == pytest.approx(decoded / 24, abs=0.1)
    assert info.damage == f"{path}: truncated: {decoded} of {card.frames} frames decode"
    assert info.claimed_duration == pytest.approx(4.0, abs=0.05)  # what the header promised


def _decode_all(path: Path) -> Iterator[object]:
    with av.open(str(path)) as container:
        try:
            yield from container.decode(video=0)
        except av.error.FFmpegError:
            return


def test_intact_file_has_no_damage(tone_clip: Clip) -> None:
    assert probe(tone_clip.path).damage is None


def test_errors_are_words(tmp_path: Path, not_media: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(UnreadableMedia, match=r"empty\.mp4: empty file$"):
        probe(empty)
    with pytest.raises(UnreadableMedia) as garbage:
        probe(not_media)
    assert str(garbage.value) == f"{not_media}: not a media file, or damaged beyond reading"
    assert "Errno" not in str(garbage.value)
