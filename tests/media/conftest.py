"""Generated media for the media tests: small clips, each made once per session on first use."""

from __future__ import annotations

import math
import wave
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from shotline.media.ffmpeg import run_ffmpeg
from shotline.media.testcard import TestCard, draw_frame, write_testcard

RATES = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "60": Fraction(60),
}
GOPS = ("long", "short", "intra")  # 2 s between keyframes, 6 frames, every frame a keyframe


@dataclass(frozen=True)
class Clip:
    path: Path
    card: TestCard

    @property
    def frames(self) -> int:
        return self.card.frames


def _gop_frames(rate: Fraction, gop: str) -> int:
    return {"long": math.ceil(2 * rate), "short": 6, "intra": 1}[gop]


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def testcards(media_dir: Path) -> Callable[[str, str], Clip]:
    """``clip(rate_name, gop_name)``: a 320x180 H.264 test card, encoded on first use."""
    made: dict[tuple[str, str], Clip] = {}

    def clip(rate: str, gop: str) -> Clip:
        if (rate, gop) not in made:
            # Long GOPs get 2.5 s so the clip has a second keyframe to seek to.
            card = TestCard(
                RATES[rate], 2.5 if gop == "long" else 1.5, gop=_gop_frames(RATES[rate], gop)
            )
            path = write_testcard(card, media_dir / f"card-{rate}-{gop}.mp4")
            made[rate, gop] = Clip(path, card)
        return made[rate, gop]

    return clip


@pytest.fixture(scope="session")
def tone_clip(media_dir: Path) -> Clip:
    """Video with a 440 Hz stereo tone at amplitude 0.3."""
    card = TestCard(Fraction(25), 2.0, tone=440.0)
    return Clip(write_testcard(card, media_dir / "tone.mp4"), card)


@pytest.fixture(scope="session")
def bframe_clip(media_dir: Path) -> Clip:
    """A test card encoded with B-frames, so decode order differs from display order."""
    card = TestCard(Fraction(30000, 1001), 2.0, gop=15)
    path = media_dir / "bframes.mp4"
    base = None
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=card.fps)
        stream.width, stream.height, stream.pix_fmt = *card.size, "yuv420p"
        stream.codec_context.gop_size = card.gop
        stream.options = {"crf": "18", "preset": "veryfast", "bf": "3", "sc_threshold": "0"}
        for index in range(card.frames):
            frame = av.VideoFrame.from_ndarray(draw_frame(card, index, base), format="rgb24")
            frame.pts, frame.time_base = index, 1 / card.fps
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return Clip(path, card)


@pytest.fixture(scope="session")
def remux(media_dir: Path) -> Callable[[Clip, str, list[str]], Clip]:
    """Copy a clip's packets into another container (``.mkv``, ``.ts``...) with extra args."""

    def make(clip: Clip, name: str, args: list[str]) -> Clip:
        out = media_dir / name
        if not out.exists():
            run_ffmpeg([*args, "-i", str(clip.path), "-c", "copy", str(out)])
        return Clip(out, clip.card)

    return make


def write_wav(path: Path, channels: NDArray[np.float64], rate: int = 48000) -> Path:
    """16-bit PCM WAV from float samples shaped (channels, samples) in -1..1."""
    pcm = np.round(np.clip(channels, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(pcm.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.T.tobytes())
    return path


def sine(seconds: float, hz: float, amplitude: float, rate: int = 48000) -> NDArray[np.float64]:
    t = np.arange(round(seconds * rate)) / rate
    return amplitude * np.sin(2 * np.pi * hz * t)


@pytest.fixture(scope="session")
def audio_only(media_dir: Path, tone_clip: Clip) -> Path:
    """The tone clip's AAC track alone in an .m4a."""
    out = media_dir / "tone.m4a"
    run_ffmpeg(["-i", str(tone_clip.path), "-vn", "-c:a", "copy", str(out)])
    return out


@pytest.fixture(scope="session")
def not_media(media_dir: Path) -> Path:
    path = media_dir / "notes.mp4"
    path.write_text("this is not a video, whatever its name says\n" * 20)
    return path


@pytest.fixture(scope="session")
def truncated(media_dir: Path) -> tuple[Path, TestCard]:
    """A 4 s, 24 fps MP4 with sound, its index moved to the front (``+faststart``), cut in half:
    the header still lists 96 frames but only the first ~46 have data."""
    card = TestCard(Fraction(24), 4.0, gop=12, tone=440.0)
    whole = write_testcard(card, media_dir / "whole-for-cut.mp4")
    front = media_dir / "faststart.mp4"
    run_ffmpeg(["-i", str(whole), "-c", "copy", "-movflags", "+faststart", str(front)])
    data = front.read_bytes()
    cut = media_dir / "truncated.mp4"
    cut.write_bytes(data[: len(data) // 2])
    return cut, card
