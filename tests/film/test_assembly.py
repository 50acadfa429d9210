"""The final cut: exact cuts on the narration's clock, lip sync preferred, timeline saved."""

from __future__ import annotations

import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from shotline.film import assembly
from shotline.film.assembly import Assembly, SegmentClip, assemble, segment_clip_id
from shotline.film.narration import NarrationTrack, SegmentAudio, build_narration
from shotline.film.timing import slot_frame_range, slot_frames
from shotline.media.frames import FrameReader
from shotline.media.probe import probe
from shotline.media.render import render_timeline
from shotline.media.testcard import TestCard, read_frame_index, write_testcard
from shotline.savefile import load_timeline, preview_path
from shotline.timeline.model import ClipKind, ClipStatus
from shotline.timeline.timecode import frame_at, frame_count, frame_start

SIZE = (160, 90)
FPS = Fraction(24)
RED, BLUE, GREEN, YELLOW = (200, 40, 40), (40, 90, 160), (40, 200, 40), (210, 200, 40)


def tone(path: Path, seconds: float, hz: float, rate: int) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    pcm = np.round(0.5 * np.sin(2 * np.pi * hz * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def keyframe(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", SIZE, colour).save(path)
    return path


def card(path: Path, seconds: Fraction, colour: tuple[int, int, int], fps: Fraction = FPS) -> Path:
    return write_testcard(
        TestCard(fps, float(seconds), size=SIZE, gop=6, color=colour, label=path.stem), path
    )


def colour_of(pixels: NDArray[np.uint8]) -> tuple[int, int, int]:
    """Mean colour of the picture's right half above the code band (away from the label)."""
    height, width, _ = pixels.shape
    region = pixels[height // 2 : int(height * 0.8), width // 2 :].reshape(-1, 3)
    r, g, b = (int(v) for v in region.mean(axis=0))
    return r, g, b


def near(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) < 25


@pytest.fixture(scope="module")
def film_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("film")


@pytest.fixture(scope="module")
def narration(film_dir: Path) -> NarrationTrack:
    audio = film_dir / "audio"
    audio.mkdir()
    parts = [
        SegmentAudio([tone(audio / "n1.wav", 0.6, 440, 48000)]),
        SegmentAudio(
            [tone(audio / "n2.wav", 0.4, 330, 48000), tone(audio / "d2.wav", 0.3, 550, 22050)]
        ),
        SegmentAudio([tone(audio / "n3.wav", 0.5, 660, 22050)]),
    ]
    return build_narration(parts, audio / "narration.wav", gap=0.35, line_pause=0.2)


@pytest.fixture(scope="module")
def keyframes(film_dir: Path) -> list[Path]:
    folder = film_dir / "keyframes"
    folder.mkdir()
    return [keyframe(folder / f"k{i}.png", (40 * i, 40, 40)) for i in range(4)]


@pytest.fixture(scope="module")
def film(
    film_dir: Path, narration: NarrationTrack, keyframes: list[Path]
) -> tuple[Assembly, list[SegmentClip]]:
    clips = film_dir / "clips"
    slots = narration.segments
    extra = Fraction(1, 2)  # providers round up: every clip is longer than its slot
    segments = [
        SegmentClip(0, card(clips / "seg1.mp4", slots[0].duration + extra, RED), prompt="one"),
        SegmentClip(
            1,
            card(clips / "seg2.mp4", slots[1].duration + extra, BLUE),
            lipsync=card(clips / "seg2-lips.mp4", slots[1].duration + extra, YELLOW),
            prompt="two",
            cost=0.25,
            video_job_id="job-v2",
            lipsync_job_id="job-l2",
        ),
        # A WAN-like 16 fps clip: retimed onto the 24 fps grid.
        SegmentClip(
            2, card(clips / "seg3.mp4", slots[2].duration + extra, GREEN, Fraction(16)), prompt="3"
        ),
    ]
    result = assemble(
        segments,
        narration,
        film_dir / "out" / "film.mp4",
        film_dir / "project" / "film.json",
        size=SIZE,
        fps=FPS,
        title="Test film",
        keyframes=keyframes,
    )
    return result, segments


def test_output_is_exactly_the_narration_long(
    film: tuple[Assembly, list[SegmentClip]], narration: NarrationTrack
) -> None:
    result, _ = film
    expected = frame_count(narration.duration, FPS)
    assert result.frames == expected
    assert result.duration == Fraction(expected) / FPS
    assert 0 <= result.duration - narration.duration < 1 / FPS
    info = probe(result.video)
    assert info.frame_count == expected
    assert (info.width, info.height) == SIZE


def test_audio_lasts_as_long_as_the_video(film: tuple[Assembly, list[SegmentClip]]) -> None:
    result, _ = film
    with av.open(str(result.video)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        rate = stream.codec_context.sample_rate
    assert abs(Fraction(samples, rate) - result.duration) < 1 / FPS


def test_narration_plays_at_its_place(
    film: tuple[Assembly, list[SegmentClip]], narration: NarrationTrack
) -> None:
    result, _ = film
    with av.open(str(result.video)) as container:
        stream = container.streams.audio[0]
        left = np.concatenate([f.to_ndarray()[0] for f in container.decode(stream)])
        rate = stream.codec_context.sample_rate

    def loudness(start: Fraction, end: Fraction) -> float:
        a, b = frame_count(start, Fraction(rate)), frame_count(end, Fraction(rate))
        return float(np.sqrt(np.mean(left[a:b] ** 2)))

    first, second, _ = narration.segments
    margin = Fraction(1, 20)
    assert loudness(first.audio_end + margin, second.audio_start - margin) < 0.01  # the gap
    assert loudness(second.audio_start + margin, second.audio_start + 4 * margin) > 0.1


def test_each_segment_starts_on_its_clips_first_frame(
    film: tuple[Assembly, list[SegmentClip]], narration: NarrationTrack
) -> None:
    result, _ = film
    cuts = [slot_frame_range(s, FPS).start for s in narration.segments]
    assert list(result.cuts) == cuts
    assert cuts[0] == 0
    colours = [RED, YELLOW, GREEN]  # segment 2 shows its lip-synced clip
    with FrameReader(result.video) as reader:
        for cut, colour in zip(cuts, colours, strict=True):
            pixels = reader.frame(cut)
            assert read_frame_index(pixels) == 0
            assert near(colour_of(pixels), colour), (cut, colour_of(pixels))


def test_the_cut_to_segment_two_lands_on_its_slot_start(
    film: tuple[Assembly, list[SegmentClip]], narration: NarrationTrack
) -> None:
    result, _ = film
    first, second, _ = narration.segments
    cut = frame_count(second.slot_start, FPS)
    with FrameReader(result.video) as reader:
        before, after = reader.frame(cut - 1), reader.frame(cut)
    # The last frame of segment 1 is its clip's frame slot_frames - 1: the clip was trimmed.
    assert near(colour_of(before), RED)
    assert read_frame_index(before) == slot_frames(first, FPS) - 1
    assert near(colour_of(after), YELLOW) and read_frame_index(after) == 0


def test_lip_synced_clip_is_preferred(film: tuple[Assembly, list[SegmentClip]]) -> None:
    result, _ = film
    assert result.segments_used_lipsync == (1,)
    assert result.warnings == ()


def test_timeline_is_saved_with_the_expected_clips(
    film: tuple[Assembly, list[SegmentClip]], narration: NarrationTrack, keyframes: list[Path]
) -> None:
    result, _ = film
    timeline = load_timeline(result.timeline)
    folder = result.timeline.parent
    assert timeline.name == "Test film"
    assert preview_path(result.timeline).is_file()
    audio = [c for c in timeline.clips if c.kind is ClipKind.AUDIO]
    video = timeline.on_track(ClipKind.VIDEO, 0)
    assert len(audio) == 1 and audio[0].start == 0
    assert audio[0].duration == pytest.approx(float(narration.duration))
    assert [c.id for c in video] == [segment_clip_id(i) for i in range(3)]
    for clip, slot in zip(video, narration.segments, strict=True):
        assert clip.start == pytest.approx(float(slot.slot_start))
        assert clip.duration == pytest.approx(float(slot.duration))
        assert clip.trim_start == 0 and not clip.has_audio
        assert clip.linked_clip_ids == (audio[0].id,)
        assert clip.source is not None and not Path(clip.source).is_absolute()
        assert (folder / clip.source).is_file()
        assert (folder / clip.extra["firstKeyframe"]).resolve() == keyframes[slot.index].resolve()
        assert (folder / clip.extra["lastKeyframe"]).resolve() == keyframes[
            slot.index + 1
        ].resolve()
        assert clip.extra["segment"] == slot.index + 1
    assert video[1].source is not None and video[1].source.endswith("seg2-lips.mp4")
    assert video[1].extra["lipsynced"] is True and video[1].extra["lipsyncJobId"] == "job-l2"
    assert video[1].prompt == "two" and video[1].cost == 0.25
    assert video[2].source_fps == Fraction(16)
    assert len(timeline.extra["film"]["keyframes"]) == 4
    assert audio[0].source is not None and (folder / audio[0].source).is_file()


def test_short_clip_holds_and_failed_lipsync_falls_back(
    tmp_path: Path, narration: NarrationTrack
) -> None:
    slots = narration.segments
    short = slots[0].duration - Fraction(1, 4)  # a capped provider
    segments = [
        SegmentClip(0, card(tmp_path / "a.mp4", short, RED)),
        SegmentClip(
            1,
            card(tmp_path / "b.mp4", slots[1].duration + 1, BLUE),
            lipsync=tmp_path / "never-made.mp4",  # lip sync failed: never blocks the export
        ),
        # Segment 3 has no clip at all: a placeholder keeps the film's timing.
    ]
    result = assemble(
        segments, narration, tmp_path / "f.mp4", tmp_path / "f.json", size=SIZE, fps=FPS
    )
    assert result.frames == frame_count(narration.duration, FPS)
    assert result.segments_used_lipsync == ()
    text = "\n".join(result.warnings)
    assert "holding its last frame" in text
    assert "never-made.mp4" in text and "without lip sync" in text
    assert "segment 3 has no clip" in text
    shown = frame_count(short, FPS)
    with FrameReader(result.video) as reader:
        held = [read_frame_index(reader.frame(k)) for k in range(shown - 1, result.cuts[1])]
        assert set(held) == {shown - 1}  # the last frame, held to the cut
        assert near(colour_of(reader.frame(result.cuts[1])), BLUE)
    timeline = load_timeline(result.timeline)
    assert timeline.clip(segment_clip_id(0)).source_duration is None
    assert timeline.clip(segment_clip_id(2)).status is ClipStatus.FAILED


def test_wrong_keyframe_count_is_refused(tmp_path: Path, narration: NarrationTrack) -> None:
    with pytest.raises(ValueError, match="expected 4"):
        assemble([], narration, tmp_path / "f.mp4", tmp_path / "f.json", keyframes=[tmp_path])


def _pictures(video: Path) -> list[tuple[int, tuple[int, int, int]]]:
    """Every frame's testcard index and colour."""
    with av.open(str(video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return [(read_frame_index(pixels), colour_of(pixels)) for pixels in frames]


def _sound(video: Path) -> NDArray[np.float32]:
    with av.open(str(video)) as container:
        return np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)


def _same_pictures(
    a: list[tuple[int, tuple[int, int, int]]], b: list[tuple[int, tuple[int, int, int]]]
) -> bool:
    return len(a) == len(b) and all(
        i == j and near(x, y) for (i, x), (j, y) in zip(a, b, strict=True)
    )


def test_film_is_copied_from_intermediates_frame_for_frame(
    film: tuple[Assembly, list[SegmentClip]], narration: NarrationTrack, tmp_path: Path
) -> None:
    result, _ = film
    assert result.fast_path  # video stream-copied, only the narration encoded
    assert result.segments_encoded == (0, 1, 2)
    # Slot starts off the output frame grid: the intermediates must still land frame for frame.
    assert any((s.slot_start * FPS).denominator != 1 for s in narration.segments)
    # The saved timeline is what users open: the real clips at their slots, no intermediates.
    timeline = load_timeline(result.timeline)
    for clip, slot in zip(timeline.on_track(ClipKind.VIDEO, 0), narration.segments, strict=True):
        assert clip.start == pytest.approx(float(slot.slot_start))
        assert clip.source is not None and "segments" not in Path(clip.source).parent.name
    # The same picture on every frame as the timeline rendered directly (the single encode).
    direct = render_timeline(
        timeline,
        tmp_path / "direct.mp4",
        size=SIZE,
        fps=FPS,
        base_dir=result.timeline.parent,
        allow_fast_path=False,
    )
    shown, expected = _pictures(result.video), _pictures(direct.path)
    # The sound, encoded apart and copied in, is the direct render's, sample for sample.
    copied, rendered = _sound(result.video), _sound(direct.path)
    assert copied.shape == rendered.shape
    assert float(np.max(np.abs(copied - rendered))) < 1e-3
    assert len(shown) == result.frames
    assert _same_pictures(shown, expected)
    # And each cut is exact: slot i's output frame k shows its clip's frame k - cut (24 fps
    # clips; segment 3's 16 fps clip shows frame_at of the same time).
    cuts = [*result.cuts, result.frames]
    for i in range(2):
        for k in range(cuts[i], cuts[i + 1]):
            assert shown[k][0] == frame_at(
                frame_start(k, FPS) - narration.segments[i].slot_start, FPS
            )


def _folder_state(folder: Path, prefix: str = "segment-") -> dict[str, int]:
    return {
        p.name: p.stat().st_mtime_ns
        for p in folder.iterdir()
        if p.suffix == ".mp4" and p.name.startswith(prefix)
    }


def test_reassembly_encodes_only_the_changed_segment(
    tmp_path: Path, narration: NarrationTrack
) -> None:
    slots = narration.segments
    extra = Fraction(1, 2)
    clips = [
        card(tmp_path / f"s{i}.mp4", slot.duration + extra, colour)
        for i, (slot, colour) in enumerate(zip(slots, [RED, BLUE, GREEN], strict=True))
    ]
    segments = [SegmentClip(i, clip) for i, clip in enumerate(clips)]
    cache = tmp_path / "cache"

    def run() -> Assembly:
        return assemble(
            segments,
            narration,
            tmp_path / "f.mp4",
            tmp_path / "f.json",
            size=SIZE,
            fps=FPS,
            cache_dir=cache,
        )

    first = run()
    assert first.segments_encoded == (0, 1, 2) and first.fast_path
    before = _folder_state(cache)
    assert len(before) == 3
    sound = _folder_state(cache, "sound-")  # the narration, encoded once
    assert len(sound) == 1

    same = run()  # nothing changed: nothing encoded, every intermediate kept as it was
    assert same.segments_encoded == () and same.fast_path
    assert _folder_state(cache) == before

    card(clips[1], slots[1].duration + extra, YELLOW)  # segment 2's clip regenerated
    again = run()
    assert again.segments_encoded == (1,) and again.fast_path
    after = _folder_state(cache)
    kept = set(before) & set(after)
    assert len(kept) == 2 and all(before[name] == after[name] for name in kept)
    (new,) = set(after) - set(before)
    assert new.startswith(segment_clip_id(1))  # the old version was pruned
    assert len(after) == 3
    assert _folder_state(cache, "sound-") == sound  # a picture edit encodes no sound

    direct = render_timeline(
        load_timeline(again.timeline), tmp_path / "direct.mp4", size=SIZE, fps=FPS,
        base_dir=tmp_path, allow_fast_path=False,
    )  # fmt: skip
    shown = _pictures(again.video)
    assert _same_pictures(shown, _pictures(direct.path))
    assert near(shown[again.cuts[1]][1], YELLOW) and shown[again.cuts[1]][0] == 0


def test_placeholder_segments_keep_the_fast_path(tmp_path: Path, narration: NarrationTrack) -> None:
    slots = narration.segments
    segments = [SegmentClip(0, card(tmp_path / "a.mp4", slots[0].duration, RED))]
    first = assemble(
        segments, narration, tmp_path / "f.mp4", tmp_path / "f.json", size=SIZE, fps=FPS
    )
    again = assemble(
        segments, narration, tmp_path / "f.mp4", tmp_path / "f.json", size=SIZE, fps=FPS
    )
    for result in (first, again):
        assert result.fast_path and result.frames == frame_count(narration.duration, FPS)
        assert "segment 3 has no clip" in "\n".join(result.warnings)
        assert any("rendered a placeholder" in w for w in result.warnings)
    assert first.warnings == again.warnings  # a cached placeholder keeps its render's warnings
    assert again.segments_encoded == ()


def test_without_the_copy_the_render_takes_its_fast_path_on_the_intermediates(
    tmp_path: Path,
    narration: NarrationTrack,
    film: tuple[Assembly, list[SegmentClip]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fallback: render_timeline on the intermediates, placed on the output frame grid.
    monkeypatch.setattr(assembly._Pieces, "copy_film", lambda *_: None)
    made, segments = film
    result = assemble(
        segments, narration, tmp_path / "f.mp4", tmp_path / "f.json", size=SIZE, fps=FPS
    )
    assert result.fast_path and result.frames == made.frames
    assert _same_pictures(_pictures(result.video), _pictures(made.video))
