"""Small helpers the offline providers share: loading and fitting images, stable hashes (never
Python's salted ``hash``) and the H.264 writer. Text goes through ``shotline.fonts``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from shotline.providers.errors import CapabilityError

RGB = NDArray[np.uint8]


def stable_int(*parts: object) -> int:
    """A 64-bit integer from the parts' text: the same on every run and machine."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def output_name(prefix: str, suffix: str, params: dict[str, Any], files: Iterable[Path]) -> str:
    """A file name unique to what determines the output: parameters plus input file contents."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    for path in files:
        digest.update(Path(path).read_bytes())
    return f"{prefix}-{digest.hexdigest()[:16]}{suffix}"


def load_rgb(path: Path, provider: str) -> Image.Image:
    try:
        with Image.open(path) as image:
            converted: Image.Image = image.convert("RGB")
            return converted
    except (OSError, ValueError) as exc:
        raise CapabilityError(f"cannot read image {path}: {exc}", provider=provider) from exc


def crop_to_fill(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale to cover ``width`` x ``height`` and cut the centre (no bars, edges may be lost)."""
    scale = max(width / image.width, height / image.height)
    w, h = max(width, round(image.width * scale)), max(height, round(image.height * scale))
    resized = image.resize((w, h), Image.Resampling.LANCZOS)
    left, top = (w - width) // 2, (h - height) // 2
    return resized.crop((left, top, left + width, top + height))


class H264Writer:
    """Frames (RGB arrays) in, an H.264 yuv420p MP4 out; pts count frames at an exact rate."""

    def __init__(self, path: Path, width: int, height: int, fps: Fraction, crf: int = 18) -> None:
        self.path = path
        self.fps = fps
        self._container = av.open(str(path), mode="w")
        self._stream = self._container.add_stream("libx264", rate=fps)
        self._stream.width, self._stream.height, self._stream.pix_fmt = width, height, "yuv420p"
        self._stream.options = {"crf": str(crf), "preset": "veryfast", "bf": "0"}
        self._count = 0

    def write(self, pixels: RGB) -> None:
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
        frame.pts = self._count
        frame.time_base = Fraction(1) / self.fps
        self._container.mux(self._stream.encode(frame))
        self._count += 1

    def close(self) -> None:
        self._container.mux(self._stream.encode(None))
        self._container.close()

    def abort(self) -> None:
        try:
            self._container.close()
        finally:
            self.path.unlink(missing_ok=True)
