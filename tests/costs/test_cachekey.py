"""Cache keys: stable, blind to file names, sensitive to everything that shapes the output."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from shotline.costs import cache_key
from shotline.providers.contracts import (
    ImageRequest,
    LipsyncRequest,
    Message,
    SpatialRequest,
    SpeechRequest,
    VideoRequest,
    WriterRequest,
)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture
def video(tmp_path: Path) -> VideoRequest:
    return VideoRequest(
        prompt="a jeep drives under the camera",
        frames=121,
        fps=Fraction(24000, 1001),
        first_frame=write(tmp_path / "in.png", b"first frame pixels"),
        last_frame=write(tmp_path / "out.png", b"last frame pixels"),
        seed=7,
    )


def key(request: Any, provider: str = "fal.ltx-2", model: str = "ltx-2", version: str = "1") -> str:
    return cache_key(provider, model, version, request)


def test_key_is_a_sha256_hex(video: VideoRequest) -> None:
    k = key(video)
    assert len(k) == 64 and int(k, 16) >= 0
    assert key(video) == k


def test_key_is_stable_across_runs(video: VideoRequest) -> None:
    script = (
        "from fractions import Fraction; from pathlib import Path;"
        "from shotline.costs import cache_key;"
        "from shotline.providers.contracts import VideoRequest;"
        "import sys; d = Path(sys.argv[1]);"
        "r = VideoRequest(prompt='a jeep drives under the camera', frames=121,"
        " fps=Fraction(24000, 1001), first_frame=d / 'in.png', last_frame=d / 'out.png', seed=7);"
        "print(cache_key('fal.ltx-2', 'ltx-2', '1', r))"
    )
    assert video.first_frame is not None
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script, str(video.first_frame.parent)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=60,
    )
    assert out.stdout.strip() == key(video)


def test_renamed_identical_inputs_hit(video: VideoRequest, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    renamed = dataclasses.replace(
        video,
        first_frame=write(moved / "frame_0001.png", b"first frame pixels"),
        last_frame=write(moved / "frame_0121.png", b"last frame pixels"),
    )
    assert key(renamed) == key(video)


def test_edited_input_misses(video: VideoRequest) -> None:
    before = key(video)
    assert video.last_frame is not None
    video.last_frame.write_bytes(b"last frame pixels, retouched")
    assert key(video) != before


@pytest.mark.parametrize(
    "change",
    [
        {"prompt": "a jeep drives under the camera at night"},
        {"frames": 97},
        {"fps": Fraction(24)},
        {"width": 1920},
        {"height": 1080},
        {"audio": True},
        {"seed": 8},
        {"seed": None},
        {"last_frame": None},
    ],
)
def test_any_parameter_changes_the_key(video: VideoRequest, change: dict[str, Any]) -> None:
    assert key(dataclasses.replace(video, **change)) != key(video)


def test_swapped_first_and_last_frames_miss(video: VideoRequest) -> None:
    swapped = dataclasses.replace(video, first_frame=video.last_frame, last_frame=video.first_frame)
    assert key(swapped) != key(video)


@pytest.mark.parametrize(
    "other",
    [
        ("fal.ltx-2-fast", "ltx-2", "1"),
        ("fal.ltx-2", "ltx-2-pro", "1"),
        ("fal.ltx-2", "ltx-2", "2"),
    ],
)
def test_provider_model_and_version_change_the_key(
    video: VideoRequest, other: tuple[str, str, str]
) -> None:
    assert key(video, *other) != key(video)


def test_reference_order_matters(tmp_path: Path) -> None:
    a = write(tmp_path / "a.png", b"a")
    b = write(tmp_path / "b.png", b"b")
    assert key(ImageRequest(prompt="p", references=(a, b))) != key(
        ImageRequest(prompt="p", references=(b, a))
    )


def test_every_request_kind_has_a_key(tmp_path: Path) -> None:
    v = write(tmp_path / "v.mp4", b"video")
    a = write(tmp_path / "a.wav", b"audio")
    requests: list[Any] = [
        WriterRequest(messages=(Message("user", "hi"),), schema={"type": "object"}, seed=1),
        ImageRequest(prompt="p"),
        SpeechRequest(text="hello"),
        LipsyncRequest(video=v, audio=a, duration=2.0),
        SpatialRequest(image=v),
    ]
    keys = {key(r) for r in requests}
    assert len(keys) == len(requests)


def test_files_are_hashed_by_the_given_function(video: VideoRequest) -> None:
    seen: list[Path] = []

    def fake_hash(path: Path) -> str:
        seen.append(path)
        return "0" * 64

    k = cache_key("fal.ltx-2", "ltx-2", "1", video, hash_file=fake_hash)
    assert seen == [video.first_frame, video.last_frame]
    assert k != key(video)


def test_writer_schema_key_order_does_not_matter() -> None:
    one = WriterRequest(messages=(Message("user", "x"),), schema={"a": 1, "b": {"c": 2, "d": 3}})
    two = WriterRequest(messages=(Message("user", "x"),), schema={"b": {"d": 3, "c": 2}, "a": 1})
    assert key(one) == key(two)
