from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shotline.media.errors import (
    FrameOutOfRange,
    MediaNotFound,
    UnreadableMedia,
    UnsupportedImageFormat,
)
from shotline.media.frames import (
    FrameReader,
    extract_frame,
    fit_size,
    save_image,
    save_png,
    thumbnail,
)
from shotline.media.probe import probe
from shotline.media.testcard import TestCard, read_frame_index
from shotline.timeline.timecode import frame_start

from .conftest import GOPS, RATES, Clip

Cards = Callable[[str, str], Clip]
ALL_CLIPS = [pytest.param(rate, gop, id=f"{rate}fps-{gop}") for rate in RATES for gop in GOPS]


def index_at(reader: FrameReader, seconds: float | Fraction) -> int:
    return read_frame_index(reader.frame_at(seconds))


@pytest.mark.parametrize(("rate", "gop"), ALL_CLIPS)
def test_times_inside_each_frame_give_that_frame(testcards: Cards, rate: str, gop: str) -> None:
    clip = testcards(rate, gop)
    fps = clip.card.fps
    with FrameReader(clip.path) as reader:
        assert reader.rate == fps
        assert reader.frame_count == clip.frames
        for n in range(clip.frames):
            start = frame_start(n, fps)
            assert index_at(reader, start) == n  # exact start
            assert index_at(reader, float(start)) == n  # the float a JSON file would carry
            assert index_at(reader, float(start + Fraction(1, 2) / fps)) == n  # mid-frame
            assert (
                index_at(reader, float(start + Fraction(999, 1000) / fps)) == n
            )  # just before next


@pytest.mark.parametrize(("rate", "gop"), ALL_CLIPS)
def test_random_access_in_any_order(testcards: Cards, rate: str, gop: str) -> None:
    clip = testcards(rate, gop)
    pick = random.Random(7)
    order = pick.sample(range(clip.frames), 30) + pick.choices(range(clip.frames), k=10)
    with FrameReader(clip.path) as reader:
        got = [read_frame_index(reader.frame(n)) for n in order]
        # Backwards from the end, then forwards with strides that cross GOP boundaries.
        backwards = list(range(clip.frames - 1, -1, -5))
        assert [read_frame_index(reader.frame(n)) for n in backwards] == backwards
        strided = list(range(0, clip.frames, 7))
        assert [read_frame_index(reader.frame(n)) for n in strided] == strided
    assert got == order


@pytest.mark.parametrize("rate", list(RATES))
def test_ends_clamp_and_negative_times_are_refused(testcards: Cards, rate: str) -> None:
    clip = testcards(rate, "long")
    last = clip.frames - 1
    with FrameReader(clip.path) as reader:
        assert index_at(reader, 0) == 0
        assert index_at(reader, 0.0) == 0
        assert read_frame_index(reader.frame(last)) == last
        assert index_at(reader, frame_start(last, clip.card.fps)) == last
        assert read_frame_index(reader.frame(last + 1)) == last
        assert read_frame_index(reader.frame(10_000)) == last
        assert index_at(reader, clip.card.duration + 60) == last
        assert read_frame_index(reader.frame(3)) == 3  # and back again after clamping
        with pytest.raises(ValueError):
            reader.frame(-1)
        with pytest.raises(ValueError):
            reader.frame_at(-0.5)


def test_reading_ahead_in_a_gop_does_not_seek(
    testcards: Cards, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = testcards("24", "long")  # keyframes at 0 and 48
    with FrameReader(clip.path) as reader:
        seeks: list[int | None] = []
        real_seek = reader._seek

        def counting_seek(pts: int | None) -> None:
            seeks.append(pts)
            real_seek(pts)

        monkeypatch.setattr(reader, "_seek", counting_seek)
        assert [read_frame_index(reader.frame(n)) for n in (0, 1, 2, 10, 30, 47)] == [
            0,
            1,
            2,
            10,
            30,
            47,
        ]
        assert len(seeks) == 1  # the first read only
        assert read_frame_index(reader.frame(50)) == 50  # past the next keyframe: seek there
        assert read_frame_index(reader.frame(20)) == 20  # backwards: seek
        assert len(seeks) == 3


def test_b_frames(bframe_clip: Clip) -> None:
    order = list(range(bframe_clip.frames))
    random.Random(3).shuffle(order)
    with FrameReader(bframe_clip.path) as reader:
        assert [read_frame_index(reader.frame(n)) for n in order] == order
        assert [index_at(reader, frame_start(n, reader.rate)) for n in range(10)] == list(range(10))


@pytest.mark.parametrize(
    ("rate", "gop", "suffix"),
    [
        ("29.97", "short", "mkv"),
        ("23.976", "long", "mkv"),
        ("29.97", "long", "ts"),
        ("60", "short", "ts"),
    ],
)
def test_other_containers(
    testcards: Cards, remux: Callable[..., Clip], rate: str, gop: str, suffix: str
) -> None:
    # Matroska stores 1 ms timestamps (29.97 fps frame 1 at 0.033 s, before its true start);
    # MPEG-TS starts at a non-zero time and builds no seek index up front.
    clip = remux(testcards(rate, gop), f"remux-{rate}-{gop}.{suffix}", [])
    order = list(range(clip.frames))
    random.Random(11).shuffle(order)
    with FrameReader(clip.path) as reader:
        assert reader.rate == clip.card.fps
        assert [read_frame_index(reader.frame(n)) for n in order] == order
        fps = clip.card.fps
        for n in (0, 1, 2, 29, clip.frames - 1):
            assert index_at(reader, float(frame_start(n, fps))) == n
            assert index_at(reader, float(frame_start(n, fps) + Fraction(999, 1000) / fps)) == n
        # No frame count in these headers: the end is found by decoding to it.
        assert read_frame_index(reader.frame(clip.frames + 50)) == clip.frames - 1
        assert reader.frame_count == clip.frames


def test_rotated_file_is_returned_upright(testcards: Cards, remux: Callable[..., Clip]) -> None:
    # -display_rotation 90 turns the picture 90 degrees counter-clockwise for display.
    clip = remux(testcards("25", "short"), "rotated.mp4", ["-display_rotation", "90"])
    assert probe(clip.path).rotation == 270
    assert probe(clip.path).display_size == (180, 320)
    with FrameReader(clip.path) as reader:
        assert reader.rotation == 270  # clockwise, as MediaInfo.rotation
        assert reader.display_size == (180, 320)
        pixels = reader.frame(12)
        assert pixels.shape == (320, 180, 3)
        assert read_frame_index(np.rot90(pixels, k=-1)) == 12
        assert reader.frame(12, size=(90, 160)).shape == (160, 90, 3)


def test_size_scales_the_output(testcards: Cards) -> None:
    clip = testcards("24", "short")
    with FrameReader(clip.path, size=(160, 90)) as reader:
        assert reader.frame(5).shape == (90, 160, 3)
        assert read_frame_index(reader.frame(5)) == 5
        assert reader.frame(5, size=(64, 36)).shape == (36, 64, 3)
        assert reader.frame(5).shape == (90, 160, 3)
    assert extract_frame(clip.path, frame=9).shape == (180, 320, 3)


def test_extract_frame(testcards: Cards) -> None:
    clip = testcards("29.97", "long")
    fps = clip.card.fps
    assert read_frame_index(extract_frame(clip.path, frame=70)) == 70
    assert read_frame_index(extract_frame(clip.path, time=float(frame_start(70, fps)))) == 70
    assert read_frame_index(extract_frame(clip.path, time=0)) == 0
    with pytest.raises(ValueError):
        extract_frame(clip.path)
    with pytest.raises(ValueError):
        extract_frame(clip.path, time=1.0, frame=3)


def test_errors(tmp_path: Path, not_media: Path, audio_only: Path) -> None:
    with pytest.raises(MediaNotFound):
        FrameReader(tmp_path / "missing.mp4")
    with pytest.raises(FileNotFoundError):  # MediaNotFound is one
        extract_frame(tmp_path / "missing.mp4", frame=0)
    with pytest.raises(UnreadableMedia):
        FrameReader(not_media)
    with pytest.raises(UnreadableMedia, match="no video"):
        FrameReader(audio_only)
    with pytest.raises(ValueError):  # UnreadableMedia is one
        thumbnail(not_media, 0)


def test_save_png_round_trips_and_replaces(testcards: Cards, tmp_path: Path) -> None:
    pixels = extract_frame(testcards("25", "short").path, frame=17)
    target = tmp_path / "out" / "frame.png"
    save_png(np.zeros_like(pixels), target)
    assert save_png(pixels, target) == target
    assert np.array_equal(np.asarray(Image.open(target)), pixels)  # PNG is lossless
    assert [p.name for p in target.parent.iterdir()] == ["frame.png"]  # no temp file left


def test_thumbnail_keeps_aspect(testcards: Cards) -> None:
    clip = testcards("30", "short")
    image = thumbnail(clip.path, float(frame_start(40, clip.card.fps)), max_size=(100, 100))
    assert image.size == (100, 56)
    assert read_frame_index(np.asarray(image)) == 40
    assert thumbnail(clip.path, 0).size == (320, 180)


def test_fit_size() -> None:
    assert fit_size((1920, 1080), (320, 180)) == (320, 180)
    assert fit_size((1080, 1920), (320, 180)) == (101, 180)
    assert fit_size((4000, 10), (100, 100)) == (100, 1)


def test_past_the_end_is_an_error_when_asked(testcards: Cards) -> None:
    clip = testcards("25", "short")
    assert read_frame_index(extract_frame(clip.path, time=100)) == clip.frames - 1  # clamped
    last = float(frame_start(clip.frames - 1, clip.card.fps))
    assert read_frame_index(extract_frame(clip.path, time=last, clamp=False)) == clip.frames - 1
    with pytest.raises(FrameOutOfRange, match=r"100\.000 s \(frame 2500\) is past the end"):
        extract_frame(clip.path, time=100, clamp=False)
    with pytest.raises(IndexError):  # FrameOutOfRange is one
        extract_frame(clip.path, frame=clip.frames, clamp=False)


def test_truncated_file_gives_real_frames_then_an_error(truncated: tuple[Path, TestCard]) -> None:
    path, card = truncated
    decodable = probe(path).frame_count
    assert decodable is not None
    with FrameReader(path) as reader:
        assert read_frame_index(reader.frame(decodable - 1, clamp=False)) == decodable - 1
    with pytest.raises(FrameOutOfRange) as past:
        extract_frame(path, time=3.5, clamp=False)  # frame 84: listed in the index, not in the data
    assert str(past.value) == (
        f"{path}: truncated: {decodable} of {card.frames} frames decode; "
        "3.500 s (frame 84) is past them"
    )


def test_save_image_writes_the_format_the_suffix_names(testcards: Cards, tmp_path: Path) -> None:
    pixels = extract_frame(testcards("25", "short").path, frame=17)
    for suffix, fmt in ((".jpg", "JPEG"), (".jpeg", "JPEG"), (".png", "PNG"), (".webp", "WEBP")):
        target = save_image(pixels, tmp_path / f"still{suffix}")
        with Image.open(target) as image:
            assert image.format == fmt
            assert read_frame_index(np.asarray(image.convert("RGB"))) == 17
    with pytest.raises(UnsupportedImageFormat, match=r"cannot write \.gif images"):
        save_image(pixels, tmp_path / "still.gif")
    assert not (tmp_path / "still.gif").exists()
