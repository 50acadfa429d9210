"""Thumbnail strips: a row of small frames a timeline draws inside a clip, made on the server so
the page never decodes whole files."""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from PIL import Image

from shotline.media.frames import FrameReader, fit_size

MAX_TILES = 200


@dataclass(frozen=True)
class ThumbStrip:
    jpeg: bytes
    tile_width: int
    tile_height: int
    times: tuple[float, ...]  # seconds into the source of each tile, left to right


def thumbnail_strip(path: str | Path, duration: float, count: int, height: int = 72) -> ThumbStrip:
    """``count`` frames from the middle of equal slices of ``duration``, side by side."""
    if not 1 <= count <= MAX_TILES:
        raise ValueError(f"a strip has 1 to {MAX_TILES} tiles, got {count}")
    if not 16 <= height <= 480:
        raise ValueError(f"tile height must be 16 to 480 pixels, got {height}")
    if duration <= 0:
        raise ValueError(f"duration must be positive, got {duration}")
    slice_ = Fraction(duration) / count
    times = tuple(float(slice_ * i + slice_ / 2) for i in range(count))
    with FrameReader(path) as reader:
        width_, height_ = reader.display_size
        size = fit_size((width_, height_), (height * 16, height))
        strip = Image.new("RGB", (size[0] * count, size[1]))
        for i, t in enumerate(times):
            strip.paste(Image.fromarray(reader.frame_at(t, size=size)), (i * size[0], 0))
    out = io.BytesIO()
    strip.save(out, format="JPEG", quality=80)
    return ThumbStrip(out.getvalue(), size[0], size[1], times)
