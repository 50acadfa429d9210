"""Small generated inputs for the offline provider tests."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from shotline.providers.contracts import SimpleContext

WIDTH, HEIGHT = 160, 96
SQUARE = 20  # side of the moving square
ROWS = slice(38, 58)  # its rows


def square_image(x: int) -> NDArray[np.uint8]:
    """A white square with its left edge at ``x`` on a dark, lightly textured background."""
    pixels = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    pixels[:] = (30, 40, 55)
    pixels[::8, :] = (45, 55, 70)  # faint lines: the background is not perfectly flat
    pixels[ROWS, x : x + SQUARE] = 255
    return pixels


def decode(path: Path) -> list[NDArray[np.uint8]]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


@pytest.fixture
def square_pair(tmp_path: Path) -> tuple[Path, Path]:
    first, last = tmp_path / "first.png", tmp_path / "last.png"
    Image.fromarray(square_image(20)).save(first)
    Image.fromarray(square_image(100)).save(last)
    return first, last


@pytest.fixture
def ctx(tmp_path: Path) -> SimpleContext:
    work = tmp_path / "work"
    work.mkdir()
    return SimpleContext(work)
