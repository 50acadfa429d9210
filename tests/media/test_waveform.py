from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from shotline.media.errors import MediaNotFound, UnreadableMedia
from shotline.media.waveform import waveform_peaks

from .conftest import Clip, sine, write_wav

Cards = Callable[[str, str], Clip]


def test_tone_peaks_near_its_amplitude(tone_clip: Clip) -> None:
    peaks = waveform_peaks(tone_clip.path, 50)
    assert len(peaks) == 50
    # AAC rounds the 0.3 sine a little; its first and last buckets may hold encoder ramp-in/out.
    for low, high in peaks[1:-1]:
        assert low == pytest.approx(-0.3, abs=0.03)
        assert high == pytest.approx(0.3, abs=0.03)
    assert all(-1 <= low <= high <= 1 for low, high in peaks)


def test_silence_is_flat(tmp_path: Path) -> None:
    peaks = waveform_peaks(write_wav(tmp_path / "silence.wav", np.zeros((2, 48000))), 20)
    assert peaks == [(0.0, 0.0)] * 20


def test_buckets_follow_time(tmp_path: Path) -> None:
    # 1 s of silence then 1 s of tone: the first half of the buckets is flat, the second is not.
    mono = np.concatenate([np.zeros(48000), sine(1.0, 220, 0.5)])
    peaks = waveform_peaks(write_wav(tmp_path / "half.wav", mono[None, :]), 10)
    assert peaks[:5] == [(0.0, 0.0)] * 5
    assert all(p == pytest.approx((-0.5, 0.5), abs=0.01) for p in peaks[5:])


def test_channels_are_averaged(tmp_path: Path) -> None:
    left, right = sine(0.5, 440, 0.6), np.zeros(24000)
    peaks = waveform_peaks(write_wav(tmp_path / "left.wav", np.stack([left, right])), 4)
    assert all(p == pytest.approx((-0.3, 0.3), abs=0.01) for p in peaks)


def test_more_buckets_than_samples(tmp_path: Path) -> None:
    ramp = np.linspace(-0.5, 0.5, 10)
    peaks = waveform_peaks(write_wav(tmp_path / "tiny.wav", ramp[None, :]), 40)
    assert len(peaks) == 40
    assert peaks[0] == pytest.approx((-0.5, -0.5), abs=1e-3)
    assert peaks[-1] == pytest.approx((0.5, 0.5), abs=1e-3)


def test_one_bucket_holds_the_extremes(tmp_path: Path) -> None:
    mono = np.concatenate([sine(0.2, 100, 0.2), [0.9, -0.8], np.zeros(100)])
    [(low, high)] = waveform_peaks(write_wav(tmp_path / "spike.wav", mono[None, :]), 1)
    assert (low, high) == pytest.approx((-0.8, 0.9), abs=1e-3)


def test_no_audio_gives_no_peaks(testcards: Cards) -> None:
    assert waveform_peaks(testcards("25", "short").path, 10) == []


def test_errors(tmp_path: Path, not_media: Path, tone_clip: Clip) -> None:
    with pytest.raises(MediaNotFound):
        waveform_peaks(tmp_path / "missing.wav", 10)
    with pytest.raises(UnreadableMedia):
        waveform_peaks(not_media, 10)
    with pytest.raises(ValueError):
        waveform_peaks(tone_clip.path, 0)
