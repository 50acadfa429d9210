"""Rendering timelines to MP4: frame-exact content, letterboxing, audio, placeholders, fast path."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from shotline.media.compose import frame_map, plan_render
from shotline.media.errors import FFmpegError, MediaNotFound
from shotline.media.render import ClipMediaNotFound, RenderResult, render_timeline
from shotline.media.testcard import TestCard, draw_frame, read_frame_index, write_testcard
from shotline.timeline.model import Clip, ClipKind, SourceType, Timeline
from shotline.timeline.timecode import exact, frame_at, frame_count, frame_start

SIZE = (320, 180)
R24, R25, R2997, R60 = Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(60)


@dataclass(frozen=True)
class Card:
    path: Path
    card: TestCard

    @property
    def frames(self) -> int:
        return self.card.frames


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Card]:
    """Test cards (pixels spell the frame index); GOP 12, so 24 fps keyframes every 0.5 s."""
    folder = tmp_path_factory.mktemp("render-media")
    specs = {
        "24": TestCard(R24, 3.0, tone=440.0),
        "24b": TestCard(R24, 2.0, color=(160, 60, 40)),  # same encoder settings: fast-path mate
        "25": TestCard(R25, 2.0),
        "2997": TestCard(R2997, 2.0),
        "60": TestCard(R60, 2.0),
        "wide43": TestCard(R24, 1.0, size=(240, 180), color=(200, 40, 40)),
        "portrait": TestCard(R24, 1.0, size=(180, 320), color=(40, 200, 40)),
        "tone": TestCard(R25, 2.0, tone=880.0),
    }
    return {
        name: Card(write_testcard(card, folder / f"{name}.mp4"), card)
        for name, card in specs.items()
    }


def clip(
    cid: str,
    card: Card,
    start: float,
    duration: float,
    trim: float = 0.0,
    track: int = 0,
    has_audio: bool = False,
) -> Clip:
    return Clip(
        cid,
        cid.upper(),
        start=start,
        duration=duration,
        trim_start=trim,
        track_index=track,
        source=str(card.path),
        source_fps=card.card.fps,
        has_audio=has_audio,
    )


def decode(path: Path) -> list[NDArray[np.uint8]]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def expected_frames(timeline: Timeline, fps: Fraction, frames: dict[str, int]) -> list[int | None]:
    """The oracle, written independently of the planner: topmost covering clip, ``frame_at``."""
    video = [c for c in timeline.clips if c.kind is ClipKind.VIDEO]
    out: list[int | None] = []
    for k in range(frame_count(timeline.duration, fps)):
        t = frame_start(k, fps)
        covering = [c for c in video if exact(c.start) <= t < exact(c.end) and c.end - t > 1e-9]
        if not covering:
            out.append(None)
            continue
        top = max(covering, key=lambda c: (c.track_index, c.start))
        assert top.source_fps is not None
        n = frame_at(t - exact(top.start) + exact(top.trim_start), top.source_fps)
        out.append(min(n, frames[top.id] - 1))
    return out


def assert_content(result: RenderResult, timeline: Timeline, frames: dict[str, int]) -> None:
    images = decode(result.path)
    assert len(images) == result.frames
    want = expected_frames(timeline, result.fps, frames)
    got = [None if img.mean() < 12 else read_frame_index(img) for img in images]
    assert got == want


def frames_of(timeline: Timeline, cards: dict[str, Card]) -> dict[str, int]:
    by_path = {str(c.path): c.frames for c in cards.values()}
    return {c.id: by_path[c.source] for c in timeline.clips if c.source in by_path}


# --- planning (pure) ---------------------------------------------------------------------------


def test_plan_segments_sum_to_total_and_topmost_wins() -> None:
    tl = Timeline(
        clips=(
            Clip("low", "L", start=0.0, duration=3.0, source="x"),
            Clip("top", "T", start=1.01, duration=0.5, track_index=1, source="y"),
            Clip("late", "E", start=3.5, duration=1.0, source="z"),
        )
    )
    plan = plan_render(tl, R2997)
    assert plan.frames == frame_count(4.5, R2997)
    assert sum(s.frames for s in plan.segments) == plan.frames
    assert [s.first_frame for s in plan.segments] == [0, 31, 46, 90, 105]
    assert [s.clip.id if s.clip else None for s in plan.segments] == [
        "low",
        "top",
        "low",
        None,
        "late",
    ]
    after = plan.segments[2]  # the low clip resumes where the top one ends
    assert after.source_start == frame_start(46, R2997)


@settings(max_examples=300, deadline=None)
@given(
    start=st.fractions(min_value=0, max_value=20, max_denominator=100_000),
    src=st.sampled_from([R24, R25, R2997, R60, Fraction(30), Fraction(24000, 1001)]),
    out=st.sampled_from([R24, R25, R2997, R60, Fraction(30)]),
)
def test_frame_map_is_frame_at(start: Fraction, src: Fraction, out: Fraction) -> None:
    fmap = frame_map(start, src, out, 50)
    for j in range(50):
        assert fmap.source_frame(j) == frame_at(start + frame_start(j, out), src)


def test_frame_map_snaps_float_noise() -> None:
    # 0.1 s at 30 fps is frame 3 even though float(0.1) * 30 is 2.9999999999999996.
    assert frame_map(exact(0.1), Fraction(30), Fraction(30), 3).first_source_frame == 3


# --- rendering ---------------------------------------------------------------------------------


def test_matching_rate_is_exact_frame_for_frame(cards: dict[str, Card], tmp_path: Path) -> None:
    c = cards["24"]
    tl = Timeline(
        clips=(
            clip("a", c, 0.0, 0.75, trim=0.375),  # trims off keyframes, into the middle of a GOP
            clip("b", c, 0.75, 1.0, trim=1.25 + 1 / 48),  # half a frame in: still frame 30
            clip("top", c, 1.25, 0.25, trim=2.0, track=1),  # covers part of b
            clip("c", c, 2.0, 0.5, trim=0.0),
        )
    )
    result = render_timeline(tl, tmp_path / "exact.mp4", size=SIZE, fps=R24)
    assert not result.fast_path
    assert result.frames == 60 and result.duration == Fraction(5, 2)
    assert_content(result, tl, frames_of(tl, cards))


@pytest.mark.parametrize(
    ("names", "fps"),
    [
        (("25", "2997", "60"), R24),
        (("24", "25", "2997"), R2997),
        (("24", "2997", "60"), R60),
        (("25",), R25),
    ],
    ids=["to-24", "to-29.97", "to-60", "25-to-25"],
)
def test_every_rate_shows_the_containing_frame(
    cards: dict[str, Card], tmp_path: Path, names: Sequence[str], fps: Fraction
) -> None:
    clips, t = [], 0.0
    for i, name in enumerate(names):
        clips.append(clip(f"c{i}", cards[name], t, 0.7, trim=0.31 * (i + 1)))
        t += 0.7
    tl = Timeline(clips=tuple(clips))
    result = render_timeline(tl, tmp_path / "rates.mp4", size=SIZE, fps=fps)
    assert_content(result, tl, frames_of(tl, cards))


def test_frame_count_duration_and_streams(cards: dict[str, Card], tmp_path: Path) -> None:
    tl = Timeline(clips=(clip("a", cards["2997"], 0.0, 1.3),))
    result = render_timeline(tl, tmp_path / "d.mp4", size=SIZE, fps=R2997)
    assert result.frames == frame_count(1.3, R2997) == 39
    with av.open(str(result.path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264" and video.codec_context.pix_fmt == "yuv420p"
        assert (video.codec_context.width, video.codec_context.height) == SIZE
        assert video.average_rate == R2997
        assert video.frames == 39
        assert video.duration is not None and video.time_base is not None
        assert video.duration * video.time_base == result.duration
        assert audio.codec_context.name == "aac" and audio.codec_context.sample_rate == 48000
        assert audio.codec_context.channels == 2
        assert audio.duration is not None and audio.time_base is not None
        assert abs(audio.duration * audio.time_base - result.duration) < Fraction(1, 100)
        first = next(container.decode(video=0))
        assert first.pts == 0


def test_gap_is_black_and_trailing_audio_extends_video(
    cards: dict[str, Card], tmp_path: Path
) -> None:
    tone = cards["tone"]
    tl = Timeline(
        clips=(
            clip("a", cards["24"], 0.0, 0.5),
            clip("b", cards["24"], 1.0, 0.5),
            Clip("music", "M", start=0.0, duration=2.0, kind=ClipKind.AUDIO, source=str(tone.path)),
        )
    )
    result = render_timeline(tl, tmp_path / "gap.mp4", size=SIZE, fps=R24)
    images = decode(result.path)
    assert len(images) == 48
    for k in (12, 20, 23, 36, 47):  # the gap and the audio-only tail
        assert images[k].max() < 24, k
    assert read_frame_index(images[24]) == 0


def _picture_columns(image: NDArray[np.uint8]) -> tuple[int, int]:
    lit = np.nonzero(image.max(axis=(0, 2)) > 30)[0]
    return int(lit[0]), int(lit[-1]) + 1


def _picture_rows(image: NDArray[np.uint8]) -> tuple[int, int]:
    lit = np.nonzero(image.max(axis=(1, 2)) > 30)[0]
    return int(lit[0]), int(lit[-1]) + 1


def test_letterboxing_keeps_the_shape(cards: dict[str, Card], tmp_path: Path) -> None:
    tl = Timeline(
        clips=(
            clip("wide", cards["wide43"], 0.0, 0.5, trim=0.25),
            clip("tall", cards["portrait"], 0.5, 0.5),
        )
    )
    result = render_timeline(tl, tmp_path / "box.mp4", size=SIZE, fps=R24)
    images = decode(result.path)
    four_three, portrait = images[3], images[12]
    # 240x180 fits 320x180 as 240x180: 40-pixel pillars on each side, black.
    left, right = _picture_columns(four_three)
    assert abs(left - 40) <= 2 and abs(right - 280) <= 2
    assert four_three[:, :38].max() < 20 and four_three[:, 282:].max() < 20
    # Not stretched: the frame code reads back from the picture area alone.
    assert read_frame_index(four_three[:, left:right]) == frame_at(0.25 + 3 / 24, R24)
    # Colour of the card's background survives (red, not smeared into the bars).
    assert four_three[40, 160, 0] > 150 and four_three[40, 160, 1] < 90
    # 180x320 portrait fits as ~101x180 in the middle.
    left, right = _picture_columns(portrait)
    assert abs((right - left) - 101) <= 3 and abs((left + right) / 2 - 160) <= 2
    assert _picture_rows(portrait)[0] == 0  # full height (the code band at the bottom is black)
    assert portrait[5, 160, 1] > 150 and portrait[140, 160, 1] > 150
    assert read_frame_index(portrait[:, left:right]) == 0


def _rms(samples: NDArray[np.float32], rate: int, start: float, end: float) -> float:
    window = samples[:, int(start * rate) : int(end * rate)]
    return float(np.sqrt(np.mean(np.square(window))))


def decode_audio(path: Path) -> tuple[NDArray[np.float32], int]:
    with av.open(str(path)) as container:
        rate = container.streams.audio[0].codec_context.sample_rate
        chunks = [f.to_ndarray() for f in container.decode(audio=0)]
    return np.concatenate(chunks, axis=1).astype(np.float32), rate


def test_audio_mix_levels_and_silence(cards: dict[str, Card], tmp_path: Path) -> None:
    tone, loud = cards["tone"], cards["24"]
    tl = Timeline(
        clips=(
            clip("v1", loud, 0.0, 1.0, has_audio=True),  # 440 Hz, 0.3
            clip("over", cards["25"], 0.0, 1.0, track=1),  # hides v1's picture; v1 still plays
            clip("quiet", cards["2997"], 1.0, 1.0),  # picture only
            Clip(
                "music",
                "M",
                start=2.0,
                duration=1.0,
                kind=ClipKind.AUDIO,
                source=str(tone.path),
                trim_start=0.5,
            ),
            clip("both", loud, 3.0, 1.0, has_audio=True),
            Clip(
                "music2", "M2", start=3.0, duration=1.0, kind=ClipKind.AUDIO, source=str(tone.path)
            ),
        )
    )
    result = render_timeline(tl, tmp_path / "audio.mp4", size=SIZE, fps=R24)
    samples, rate = decode_audio(result.path)
    assert rate == 48000 and samples.shape[0] == 2
    assert abs(samples.shape[1] / rate - 4.0) < 0.03
    sine = 0.3 / math.sqrt(2)
    assert _rms(samples, rate, 0.1, 0.9) == pytest.approx(sine, rel=0.1)  # hidden clip's audio
    assert _rms(samples, rate, 1.1, 1.9) < 0.003  # no audio under "quiet"
    assert _rms(samples, rate, 2.1, 2.9) == pytest.approx(sine, rel=0.1)  # audio track
    # Two different tones mixed without normalising: powers add.
    assert _rms(samples, rate, 3.1, 3.9) == pytest.approx(math.sqrt(2) * sine, rel=0.1)


def test_silent_track_when_nothing_has_audio(cards: dict[str, Card], tmp_path: Path) -> None:
    tl = Timeline(clips=(clip("a", cards["25"], 0.0, 1.0),))
    result = render_timeline(tl, tmp_path / "silent.mp4", size=SIZE, fps=R25)
    samples, rate = decode_audio(result.path)
    assert abs(samples.shape[1] / rate - 1.0) < 0.03
    assert float(np.abs(samples).max()) < 1e-3


def test_placeholders_warn_and_show_grey_stripes(cards: dict[str, Card], tmp_path: Path) -> None:
    tl = Timeline(
        clips=(
            clip("a", cards["24"], 0.0, 0.5),
            Clip("pending", "Pending shot", start=0.5, duration=0.5, source=None),
            Clip(
                "elsewhere",
                "Local",
                start=1.0,
                duration=0.5,
                source="not/here.mp4",
                source_type=SourceType.LOCAL,
            ),
        )
    )
    result = render_timeline(tl, tmp_path / "ph.mp4", size=SIZE, fps=R24, base_dir=tmp_path)
    assert len(result.warnings) == 2
    assert "'pending'" in result.warnings[0] and "'elsewhere'" in result.warnings[1]
    images = decode(result.path)
    assert len(images) == 36
    for image in (images[15], images[30]):
        grey = image.mean(axis=2)
        assert 60 < grey.mean() < 120  # grey, not black
        assert grey.max() - grey.min() > 15  # striped
        assert np.abs(image[..., 0].astype(int) - image[..., 2]).max() < 12  # neutral


def test_missing_media_names_the_clip(cards: dict[str, Card], tmp_path: Path) -> None:
    tl = Timeline(
        clips=(
            clip("a", cards["24"], 0.0, 0.5),
            Clip("lost-7", "Lost", start=0.5, duration=0.5, source="gone/shot.mp4"),
        )
    )
    out = tmp_path / "missing.mp4"
    with pytest.raises(ClipMediaNotFound) as caught:
        render_timeline(tl, out, size=SIZE, fps=R24, base_dir=tmp_path)
    assert isinstance(caught.value, MediaNotFound) and isinstance(caught.value, FileNotFoundError)
    assert "lost-7" in str(caught.value) and "gone/shot.mp4" in str(caught.value)
    assert caught.value.clip_id == "lost-7"
    assert not out.exists()


def test_progress_rises_to_one(cards: dict[str, Card], tmp_path: Path) -> None:
    tl = Timeline(clips=(clip("a", cards["60"], 0.0, 2.0), clip("b", cards["24"], 2.0, 3.0)))
    seen: list[float] = []
    render_timeline(tl, tmp_path / "p.mp4", size=SIZE, fps=R60, progress=seen.append)
    assert seen and seen[-1] == 1.0
    assert all(0.0 <= x <= 1.0 for x in seen)
    assert seen == sorted(seen)


def test_failed_render_leaves_nothing_behind(cards: dict[str, Card], tmp_path: Path) -> None:
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"previous render")
    tl = Timeline(clips=(clip("a", cards["24"], 0.0, 0.5, trim=0.1),))
    with pytest.raises(FFmpegError) as caught:
        render_timeline(tl, out, size=SIZE, fps=R24, preset="no-such-preset")
    assert caught.value.returncode != 0 and caught.value.command
    assert out.read_bytes() == b"previous render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4"]


def test_bad_arguments(cards: dict[str, Card], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        render_timeline(Timeline(), tmp_path / "e.mp4", size=SIZE)
    tl = Timeline(clips=(clip("a", cards["24"], 0.0, 0.5),))
    with pytest.raises(ValueError, match="even"):
        render_timeline(tl, tmp_path / "odd.mp4", size=(321, 180))


# --- stream-copy fast path ---------------------------------------------------------------------


def test_fast_path_copies_keyframe_aligned_runs(cards: dict[str, Card], tmp_path: Path) -> None:
    a, b = cards["24"], cards["24b"]
    tl = Timeline(
        clips=(
            clip("a", a, 0.0, 1.0, trim=0.5, has_audio=True),  # frames 12..35: keyframe to keyframe
            clip("b", b, 1.0, 2.0),  # the whole file
            clip("c", a, 3.0, 1.5, trim=1.5),  # keyframe 36 to the end of the file
        )
    )
    result = render_timeline(tl, tmp_path / "fast.mp4", size=SIZE, fps=R24)
    assert result.fast_path
    assert result.frames == 108
    assert_content(result, tl, frames_of(tl, cards))
    with av.open(str(result.path)) as container:
        video = container.streams.video[0]
        assert video.frames == 108
        pts = [f.pts for f in container.decode(video=0)]
    assert pts[0] == 0 and pts == sorted(pts) and len(set(pts)) == len(pts)
    samples, rate = decode_audio(result.path)
    assert _rms(samples, rate, 0.1, 0.9) > 0.15 and _rms(samples, rate, 1.1, 2.9) < 0.003
    slow = render_timeline(tl, tmp_path / "slow.mp4", size=SIZE, fps=R24, allow_fast_path=False)
    assert not slow.fast_path
    assert_content(slow, tl, frames_of(tl, cards))


@pytest.mark.parametrize(
    "case",
    [
        "off-keyframe-in",
        "off-keyframe-out",
        "gap",
        "placeholder",
        "other-size",
        "other-rate",
        "needs-scaling",
        "past-source-end",
    ],
)
def test_fast_path_refused(cards: dict[str, Card], tmp_path: Path, case: str) -> None:
    a = cards["24"]
    clips = {
        "off-keyframe-in": (clip("a", a, 0.0, 1.0, trim=0.25),),
        "off-keyframe-out": (clip("a", a, 0.0, 0.75),),
        "gap": (clip("a", a, 0.0, 0.5), clip("b", a, 1.0, 0.5)),
        "placeholder": (clip("a", a, 0.0, 0.5), Clip("p", "P", start=0.5, duration=0.5)),
        "other-size": (clip("a", a, 0.0, 0.5),),
        "other-rate": (clip("a", a, 0.0, 0.5),),
        "needs-scaling": (clip("a", a, 0.0, 0.5), clip("w", cards["wide43"], 0.5, 1.0)),
        "past-source-end": (clip("a", a, 0.0, 3.5),),
    }[case]
    size = (640, 360) if case == "other-size" else SIZE
    fps = R25 if case == "other-rate" else R24
    tl = Timeline(clips=clips)
    result = render_timeline(tl, tmp_path / "slow.mp4", size=size, fps=fps)
    assert not result.fast_path
    assert result.frames == frame_count(tl.duration, fps)
    if case == "past-source-end":
        assert any("past the end" in w for w in result.warnings)
        assert read_frame_index(decode(result.path)[-1]) == a.frames - 1
    if size == SIZE and fps == R24 and case not in ("placeholder", "needs-scaling"):
        assert_content(result, tl, frames_of(tl, cards))


@pytest.fixture(scope="module")
def bframes(tmp_path_factory: pytest.TempPathFactory) -> Card:
    """A card with B-frames (decode order differs from display order), GOP 12, 24 fps."""
    card = TestCard(R24, 2.0)
    path = tmp_path_factory.mktemp("render-bframes") / "bframes.mp4"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=card.fps)
        stream.width, stream.height, stream.pix_fmt = *card.size, "yuv420p"
        stream.codec_context.gop_size = 12
        stream.options = {"crf": "18", "preset": "veryfast", "bf": "3", "sc_threshold": "0"}
        for index in range(card.frames):
            frame = av.VideoFrame.from_ndarray(draw_frame(card, index), format="rgb24")
            frame.pts, frame.time_base = index, 1 / card.fps
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return Card(path, card)


def test_fast_path_with_bframes_only_to_the_end(bframes: Card, tmp_path: Path) -> None:
    frames = {"a": bframes.frames}
    whole = Timeline(clips=(clip("a", bframes, 0.0, 2.0),))
    result = render_timeline(whole, tmp_path / "whole.mp4", size=SIZE, fps=R24)
    assert result.fast_path
    assert_content(result, whole, frames)
    tail = Timeline(clips=(clip("a", bframes, 0.0, 1.5, trim=0.5),))  # keyframe to the end
    result = render_timeline(tail, tmp_path / "tail.mp4", size=SIZE, fps=R24)
    assert result.fast_path
    assert_content(result, tail, frames)
    cut = Timeline(clips=(clip("a", bframes, 0.0, 1.0, trim=0.5),))  # ends mid-file on dts
    result = render_timeline(cut, tmp_path / "cut.mp4", size=SIZE, fps=R24)
    assert not result.fast_path
    assert_content(result, cut, frames)


def test_clip_longer_than_its_source_holds_the_last_frame(
    cards: dict[str, Card], tmp_path: Path
) -> None:
    a = cards["24"]  # 72 frames
    tl = Timeline(clips=(clip("a", a, 0.0, 0.5, trim=2.9), clip("b", a, 0.5, 0.5, trim=5.0)))
    result = render_timeline(tl, tmp_path / "hold.mp4", size=SIZE, fps=R25)
    indices = [read_frame_index(image) for image in decode(result.path)]
    assert len(indices) == result.frames == 25
    assert indices[:3] == [69, 70, 71] and set(indices[3:]) == {71}
    assert len(result.warnings) == 2 and all("past the end" in w for w in result.warnings)


def test_fast_path_cuts_around_a_higher_track(cards: dict[str, Card], tmp_path: Path) -> None:
    tl = Timeline(
        clips=(
            clip("under", cards["24b"], 0.0, 2.0),  # shows frames 0-11, then 24-47
            clip("over", cards["24"], 0.5, 0.5, trim=0.5, track=1),  # frames 12-23
        )
    )
    result = render_timeline(tl, tmp_path / "cuts.mp4", size=SIZE, fps=R24)
    assert result.fast_path
    assert_content(result, tl, frames_of(tl, cards))


def test_relative_base_dir_works_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fast-path render lists its inputs in a concat file in a temp folder: relative paths there
    # would resolve against the temp folder, not the timeline's.
    card = TestCard(fps=Fraction(24), duration=1.0, size=(160, 96), gop=24)
    write_testcard(card, tmp_path / "project" / "media" / "a.mp4")
    clip = Clip(id="a", name="a", start=0.0, duration=1.0, source="media/a.mp4",
                source_fps=Fraction(24), source_duration=1.0)  # fmt: skip
    monkeypatch.chdir(tmp_path)
    result = render_timeline(Timeline(clips=(clip,)), tmp_path / "out.mp4", size=(160, 96),
                             fps=Fraction(24), base_dir="project")  # fmt: skip
    assert result.fast_path and result.frames == 24
