"""Generated clips whose pixels encode their frame index, for tests, benchmarks and the demo.

A band of ``BITS`` black/white blocks across the bottom of every frame spells the frame number in
binary, big enough to survive H.264 at any quality we use, so a test can prove which source frame
came back from an extraction or a render. Nothing large is ever committed: media is made on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from shotline.timeline.timecode import frame_count

BITS = 14  # up to 16383 frames: over 4 minutes at 60 fps
BAND = 1 / 6  # fraction of the height taken by the code band


@dataclass(frozen=True)
class TestCard:
    __test__ = False  # not a pytest test class, despite the name

    fps: Fraction
    duration: float  # seconds
    size: tuple[int, int] = (320, 180)
    gop: int = 12  # frames between keyframes
    color: tuple[int, int, int] = (40, 90, 160)
    label: str = ""
    tone: float | None = None  # Hz of a sine track; None for no audio
    crf: int = 18

    @property
    def frames(self) -> int:
        return frame_count(self.duration, self.fps)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # very old Pillow
        return ImageFont.load_default()


def _background(card: TestCard) -> Image.Image:
    width, height = card.size
    image = Image.new("RGB", (width, height), card.color)
    return image


def draw_frame(card: TestCard, index: int, base: Image.Image | None = None) -> NDArray[np.uint8]:
    """The RGB pixels of frame ``index``: label, counter and the binary code band."""
    width, height = card.size
    image = (base or _background(card)).copy()
    draw = ImageDraw.Draw(image)
    text = f"{card.label}  #{index}" if card.label else f"#{index}"
    draw.text((width * 0.05, height * 0.08), text, fill=(255, 255, 255), font=_font(height // 8))
    band_top = int(height * (1 - BAND))
    pixels = np.asarray(image).copy()
    pixels[band_top:, :] = 0
    block = width / BITS
    for bit in range(BITS):
        if index >> (BITS - 1 - bit) & 1:
            left, right = int(bit * block) + 1, int((bit + 1) * block) - 1
            pixels[band_top + 2 : height - 2, left:right] = 255
    return pixels


def read_frame_index(pixels: NDArray[np.uint8]) -> int:
    """Decode the frame number from a frame drawn by ``draw_frame`` (RGB or grey, any scale)."""
    grey = pixels.mean(axis=2) if pixels.ndim == 3 else pixels.astype(float)
    height, width = grey.shape
    row = int(height * (1 - BAND / 2))
    block = width / BITS
    index = 0
    for bit in range(BITS):
        x = int((bit + 0.5) * block)
        index = index << 1 | int(grey[row, x] > 127)
    return index


def write_testcard(card: TestCard, path: str | Path) -> Path:
    """Encode the card as H.264 (+ AAC when it has a tone) into ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = card.size
    base = _background(card)
    with av.open(str(path), mode="w") as container:
        video = container.add_stream("libx264", rate=card.fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.gop_size = card.gop
        video.options = {"crf": str(card.crf), "preset": "veryfast", "bf": "0",
                         "sc_threshold": "0", "keyint_min": str(card.gop)}  # fmt: skip
        audio = None
        if card.tone is not None:
            audio = container.add_stream("aac", rate=48000)
            audio.layout = "stereo"
        for index in range(card.frames):
            frame = av.VideoFrame.from_ndarray(draw_frame(card, index, base), format="rgb24")
            frame.pts = index
            frame.time_base = 1 / card.fps
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None and card.tone is not None:
            _write_tone(container, audio, card.tone, card.frames / card.fps)
    return path


def _write_tone(
    container: av.container.OutputContainer,
    stream: av.audio.stream.AudioStream,
    hz: float,
    seconds: Fraction,
) -> None:
    rate = 48000
    total = int(seconds * rate)
    chunk = 1024
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        t = (np.arange(start, start + n) / rate).astype(np.float32)
        wave = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.stack([wave, wave]), format="fltp", layout="stereo")
        frame.sample_rate = rate
        frame.pts = start
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def write_tone_file(path: str | Path, seconds: float, hz: float) -> Path:
    """An audio-only AAC file (``.m4a``) holding a sine tone."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("aac", rate=48000)
        stream.layout = "stereo"
        _write_tone(container, stream, hz, Fraction(seconds))
    return path
