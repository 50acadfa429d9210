"""Upload inspection, the share-transcode rule, proxies and thumbnail strips, on generated media."""

from __future__ import annotations

import zipfile
from fractions import Fraction
from pathlib import Path

import pytest

from shotline.media.errors import UnreadableMedia
from shotline.media.ffmpeg import run_ffmpeg
from shotline.media.frames import FrameReader
from shotline.media.ingest import inspect_upload
from shotline.media.testcard import TestCard, read_frame_index, write_testcard
from shotline.media.thumbstrip import thumbnail_strip
from shotline.media.transcode import (
    browser_friendly,
    make_proxy,
    needs_share_transcode,
    share_transcode,
)


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ingest")
    return write_testcard(TestCard(Fraction(24), 3.0, gop=96, tone=440.0), folder / "card.mp4")


def _refused(path: Path) -> str:
    with pytest.raises(UnreadableMedia) as caught:
        inspect_upload(path)
    message = str(caught.value)
    assert str(path.parent) not in message  # server paths never reach the client
    return message


def test_a_test_card_is_accepted_with_its_facts(card: Path) -> None:
    found = inspect_upload(card)
    assert found.info.video_codec == "h264"
    assert found.info.fps == 24
    assert found.packets.packets == 72
    assert found.packets.end == pytest.approx(3.0)
    assert found.packets.max_keyframe_gap == pytest.approx(71 / 24)  # one GOP: 96 > 72 frames
    assert not found.faststart  # PyAV writes the index at the end


def test_refusals_say_why(card: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert _refused(empty) == "the file is empty"

    text = tmp_path / "notes.mp4"  # a renamed text file
    text.write_text("INT. STREET - NIGHT\nA jeep drives under the camera.\n" * 20)
    assert "text file" in _refused(text)

    archive = tmp_path / "clips.mp4"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(card, "card.mp4")
    assert "ZIP archive" in _refused(archive)

    playlist = tmp_path / "list.mp4"  # FFmpeg would follow it to other files
    playlist.write_text("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")
    assert "playlist" in _refused(playlist)

    noise = tmp_path / "noise.mov"
    noise.write_bytes(bytes(range(256)) * 64)
    assert "not audio or video" in _refused(noise)


def test_truncated_mp4s_are_refused_whichever_end_holds_the_index(
    card: Path, tmp_path: Path
) -> None:
    data = card.read_bytes()
    tail_index = tmp_path / "tail.mp4"
    tail_index.write_bytes(data[: len(data) // 2])
    assert "truncated" in _refused(tail_index)

    faststart = tmp_path / "faststart.mp4"
    run_ffmpeg(["-i", str(card), "-c", "copy", "-movflags", "+faststart", str(faststart)])
    assert inspect_upload(faststart).faststart
    head_index = tmp_path / "head.mp4"
    whole = faststart.read_bytes()
    head_index.write_bytes(whole[: len(whole) // 2])
    message = _refused(head_index)
    assert "truncated" in message and "3.00 s" in message


def test_the_share_rule_keeps_small_and_compliant_files(card: Path, tmp_path: Path) -> None:
    found = inspect_upload(card)
    size = card.stat().st_size
    assert not needs_share_transcode(found, size, threshold=size)  # not over the threshold
    assert not needs_share_transcode(found, size, threshold=10)  # over it, but H.264 <= 1080p
    mpeg4 = tmp_path / "camera.mov"
    run_ffmpeg(["-i", str(card), "-c:v", "mpeg4", "-q:v", "3", "-c:a", "copy", str(mpeg4)])
    other = inspect_upload(mpeg4)
    assert needs_share_transcode(other, mpeg4.stat().st_size, threshold=10)
    assert not needs_share_transcode(other, mpeg4.stat().st_size, threshold=10**9)


def test_share_transcode_scales_to_1080_keeping_rate_and_aspect(tmp_path: Path) -> None:
    big = write_testcard(
        TestCard(Fraction(30000, 1001), 0.5, size=(1920, 1440), gop=15), tmp_path / "big.mp4"
    )
    out = share_transcode(big, tmp_path / "shared.mp4", inspect_upload(big))
    found = inspect_upload(out)
    assert (found.info.width, found.info.height) == (1440, 1080)  # 4:3 kept
    assert found.info.fps == Fraction(30000, 1001)
    assert found.info.video_codec == "h264"
    assert found.faststart
    with FrameReader(out) as reader:
        assert read_frame_index(reader.frame(7)) == 7


def test_proxy_is_seekable_short_gop_h264(tmp_path: Path, card: Path) -> None:
    mpeg4 = tmp_path / "camera.avi"
    run_ffmpeg(["-i", str(card), "-c:v", "mpeg4", "-q:v", "3", "-g", "300", "-an", str(mpeg4)])
    source = inspect_upload(mpeg4)
    assert not browser_friendly(source)
    assert not browser_friendly(inspect_upload(card))  # index at the end, 3 s GOP
    proxy = make_proxy(mpeg4, tmp_path / "proxy.mp4", source)
    found = inspect_upload(proxy)
    assert browser_friendly(found)
    assert found.packets.max_keyframe_gap <= 1.0 + 1 / 24 + 1e-6  # one frame of edit list
    with FrameReader(proxy) as reader:
        assert [read_frame_index(reader.frame(i)) for i in (0, 37, 71)] == [0, 37, 71]


def test_thumbnail_strip_shows_the_frames_at_slice_middles(card: Path) -> None:
    import io

    import numpy as np
    from PIL import Image

    strip = thumbnail_strip(card, 3.0, count=6, height=90)
    assert strip.times == pytest.approx((0.25, 0.75, 1.25, 1.75, 2.25, 2.75))
    assert (strip.tile_width, strip.tile_height) == (160, 90)
    image = np.asarray(Image.open(io.BytesIO(strip.jpeg)).convert("RGB"))
    assert image.shape == (90, 960, 3)
    tiles = [image[:, i * 160 : (i + 1) * 160] for i in range(6)]
    assert [read_frame_index(t) for t in tiles] == [6, 18, 30, 42, 54, 66]
