"""The narration master: segment timing exact to the sample, resampling, cuts for lip sync."""

from __future__ import annotations

import itertools
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from shotline.film.narration import (
    NarrationTrack,
    SegmentAudio,
    build_narration,
    extract_span,
    lipsync_audio,
    read_mono,
)
from shotline.timeline.timecode import frame_count


def tone(path: Path, seconds: float, hz: float, rate: int, *, stereo: bool = False) -> Path:
    """A 16-bit sine WAV of exactly ``round(seconds * rate)`` samples."""
    t = np.arange(round(seconds * rate)) / rate
    wave_ = 0.5 * np.sin(2 * np.pi * hz * t)
    pcm = np.round(wave_ * 32767).astype("<i2")
    if stereo:
        pcm = np.stack([pcm, pcm], axis=1).reshape(-1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2 if stereo else 1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def read_wav(path: Path) -> tuple[int, NDArray[np.int16]]:
    with wave.open(str(path), "rb") as handle:
        assert handle.getnchannels() == 1 and handle.getsampwidth() == 2
        return handle.getframerate(), np.frombuffer(
            handle.readframes(handle.getnframes()), dtype="<i2"
        )


@pytest.fixture
def parts(tmp_path: Path) -> list[SegmentAudio]:
    """Three segments: narration only; narration + one line (22.05 kHz); two stereo lines."""
    return [
        SegmentAudio([tone(tmp_path / "n1.wav", 0.5, 440, 48000)]),
        SegmentAudio(
            [tone(tmp_path / "n2.wav", 0.3, 330, 48000), tone(tmp_path / "d2.wav", 0.4, 550, 22050)]
        ),
        SegmentAudio(
            [
                tone(tmp_path / "d3a.wav", 0.25, 660, 44100, stereo=True),
                tone(tmp_path / "d3b.wav", 0.2, 770, 48000, stereo=True),
            ],
            dialogue=[True, True],
        ),
    ]


def test_slots_are_contiguous_and_cover_the_track(
    tmp_path: Path, parts: list[SegmentAudio]
) -> None:
    track = build_narration(parts, tmp_path / "master.wav", gap=0.35, line_pause=0.2)
    rate, pcm = read_wav(track.path)
    assert rate == 48000 and pcm.size == track.samples
    assert track.duration == Fraction(track.samples, 48000)
    slots = track.segments
    assert [s.index for s in slots] == [0, 1, 2]
    assert slots[0].slot_start == 0
    assert slots[-1].slot_end == track.duration
    for before, after in itertools.pairwise(slots):
        assert before.slot_end == after.slot_start == after.audio_start  # full-slot rule
        assert after.audio_start - before.audio_end == Fraction(35, 100)  # the gap, exactly
    # The trailing gap belongs to the last slot.
    assert slots[-1].slot_end - slots[-1].audio_end == Fraction(35, 100)
    for slot in slots:
        assert slot.slot_start <= slot.audio_start < slot.audio_end <= slot.slot_end
        for value in (slot.audio_start, slot.audio_end, slot.slot_start, slot.slot_end):
            assert (value * 48000).denominator == 1  # on the sample grid


def test_durations_are_exact_to_the_sample(tmp_path: Path, parts: list[SegmentAudio]) -> None:
    track = build_narration(parts, tmp_path / "master.wav", gap=0.35, line_pause=0.2)
    first, second, third = track.segments
    assert first.audio_end - first.audio_start == Fraction(1, 2)  # 24000 samples at 48 kHz
    # 0.3 s + 0.2 s pause + 0.4 s at 22.05 kHz resampled to 48 kHz (19200 samples).
    assert second.audio_end - second.audio_start == Fraction(3, 10) + Fraction(2, 10) + Fraction(
        2, 5
    )
    # 11025 samples at 44.1 kHz -> 12000; then the pause and 9600 samples.
    assert third.audio_end - third.audio_start == Fraction(1, 4) + Fraction(1, 5) + Fraction(1, 5)
    total = sum((s.slot_end - s.slot_start for s in track.segments), Fraction(0))
    assert total == track.duration


def test_resampled_lines_keep_their_pitch(tmp_path: Path) -> None:
    samples = read_mono(tone(tmp_path / "low.wav", 0.5, 550, 22050), 48000)
    assert samples.size == 24000
    crossings = np.count_nonzero(np.diff(np.signbit(samples)))
    assert abs(crossings / 2 / 0.5 - 550) < 3  # still 550 Hz
    assert 0.45 < np.abs(samples).max() < 0.55  # and the same level


def test_stereo_lines_are_averaged_to_mono_at_their_level(tmp_path: Path) -> None:
    samples = read_mono(tone(tmp_path / "st.wav", 0.1, 440, 48000, stereo=True), 48000)
    assert samples.size == 4800
    assert 0.49 < np.abs(samples).max() < 0.51


def test_dialogue_spans_sit_inside_their_slot(tmp_path: Path, parts: list[SegmentAudio]) -> None:
    track = build_narration(parts, tmp_path / "master.wav", gap=0.35, line_pause=0.2)
    first, second, third = track.segments
    assert first.dialogue_spans == () and not first.is_dialogue
    assert len(second.dialogue_spans) == 1  # the line after the narrator's
    (start, end) = second.dialogue_spans[0]
    assert start == second.audio_start + Fraction(3, 10) + Fraction(2, 10)
    assert end == second.audio_end
    assert len(third.dialogue_spans) == 2
    for slot in track.segments:
        for a, b in slot.dialogue_spans:
            assert slot.audio_start <= a < b <= slot.audio_end <= slot.slot_end


def test_extract_span_is_exact(tmp_path: Path, parts: list[SegmentAudio]) -> None:
    track = build_narration(parts, tmp_path / "master.wav")
    _, master = read_wav(track.path)
    slot = track.segments[1]
    out = extract_span(track, slot.slot_start, slot.slot_end, tmp_path / "cut.wav")
    rate, cut = read_wav(out)
    assert rate == 48000
    assert cut.size == frame_count(slot.duration, Fraction(48000))
    first = frame_count(slot.slot_start, Fraction(48000))
    assert np.array_equal(cut, master[first : first + cut.size])
    # Float seconds from a JSON boundary land on the same samples.
    again = extract_span(track, float(slot.slot_start), float(slot.slot_end), tmp_path / "f.wav")
    assert np.array_equal(read_wav(again)[1], cut)


def test_lipsync_audio_keeps_only_dialogue(tmp_path: Path, parts: list[SegmentAudio]) -> None:
    track = build_narration(parts, tmp_path / "master.wav")
    slot = track.segments[1]
    _, cut = read_wav(lipsync_audio(track, slot, tmp_path / "lips.wav"))
    assert cut.size == frame_count(slot.duration, Fraction(48000))
    rate = Fraction(48000)
    a, b = (frame_count(t - slot.slot_start, rate) for t in slot.dialogue_spans[0])
    assert not cut[:a].any()  # the narrator's line is silenced
    assert not cut[b:].any()
    assert np.abs(cut[a:b]).max() > 10000


def test_extract_span_outside_the_track_fails(tmp_path: Path, parts: list[SegmentAudio]) -> None:
    track = build_narration(parts, tmp_path / "master.wav")
    with pytest.raises(ValueError, match="not inside"):
        extract_span(track, 0, track.duration + 1, tmp_path / "x.wav")


def test_track_round_trips_through_a_dict(tmp_path: Path, parts: list[SegmentAudio]) -> None:
    track = build_narration(parts, tmp_path / "master.wav")
    assert NarrationTrack.from_dict(track.to_dict()) == track


def test_bad_inputs(tmp_path: Path, parts: list[SegmentAudio]) -> None:
    with pytest.raises(ValueError, match="no segments"):
        build_narration([], tmp_path / "a.wav")
    with pytest.raises(ValueError, match=".wav"):
        build_narration(parts, tmp_path / "a.mp3")
    with pytest.raises(ValueError, match="one per line"):
        SegmentAudio([tmp_path / "a.wav"], dialogue=[True, False])


def test_write_is_atomic_and_leaves_no_temp(tmp_path: Path, parts: list[SegmentAudio]) -> None:
    build_narration(parts, tmp_path / "out" / "master.wav")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["master.wav"]
