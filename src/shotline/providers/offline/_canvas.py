"""The sketch's drawing surface: a colour wash (what things are) and an ink layer (pencil lines)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from shotline.providers.offline.colours import Color


@dataclass
class Canvas:
    """A colour wash (what things are) and an ink layer (pencil lines, 0..255)."""

    wash: Image.Image
    ink: Image.Image
    rng: np.random.Generator

    def __post_init__(self) -> None:
        self.paint = ImageDraw.Draw(self.wash)
        self.pencil = ImageDraw.Draw(self.ink)

    @property
    def size(self) -> tuple[int, int]:
        return self.wash.size

    def line(self, points: list[tuple[float, float]], width: float, strength: int = 200) -> None:
        """A pencil line drawn twice with a little jitter."""
        w = max(1, round(width))
        for _ in range(2):
            jitter = [(x + self.rng.normal(0, 0.6), y + self.rng.normal(0, 0.6)) for x, y in points]
            self.pencil.line(jitter, fill=strength, width=w, joint="curve")

    def shape(self, points: list[tuple[float, float]], fill: Color, width: float) -> None:
        self.paint.polygon(points, fill=fill)
        self.pencil.polygon(points, fill=0)  # covers the lines of whatever is behind
        self.line([*points, points[0]], width)

    def ellipse(
        self, box: tuple[float, float, float, float], fill: Color | None, width: float
    ) -> None:
        if fill is not None:
            self.paint.ellipse(box, fill=fill)
            self.pencil.ellipse(box, fill=0)
        w = max(1, round(width))
        for _ in range(2):
            j = self.rng.normal(0, 0.6, 4)
            jittered = (box[0] + j[0], box[1] + j[1], box[2] + j[2], box[3] + j[3])
            if jittered[2] > jittered[0] and jittered[3] > jittered[1]:
                self.pencil.ellipse(jittered, outline=200, width=w)

    def rect(self, box: tuple[float, float, float, float], fill: Color, width: float) -> None:
        x0, y0, x1, y1 = box
        self.shape([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], fill, width)


__all__ = ["Canvas"]
