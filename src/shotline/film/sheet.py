"""The storyboard: every boundary keyframe of a film on one PNG, for the keyframe checkpoint.

A film of N segments has N + 1 keyframes (seed 002): keyframe ``k`` ends segment ``k`` and
starts segment ``k + 1`` (segments numbered from 1, as people read them), so each tile says
which segments it joins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from shotline import fonts
from shotline.files import atomic_path

BACKGROUND = (24, 24, 28)
TEXT = (235, 235, 235)
MUTED = (160, 160, 170)


@dataclass(frozen=True)
class SheetLayout:
    """Where everything goes, in pixels; tile ``i`` is at ``tile_box(i)``."""

    count: int
    columns: int
    tile: tuple[int, int]  # (width, height) of one picture
    margin: int
    title_height: int
    label_height: int

    @property
    def rows(self) -> int:
        return max(1, math.ceil(self.count / self.columns))

    @property
    def size(self) -> tuple[int, int]:
        columns = min(self.columns, max(self.count, 1))
        width = self.margin + columns * (self.tile[0] + self.margin)
        height = self.title_height + self.rows * (self.tile[1] + self.label_height + self.margin)
        return width, height + self.margin

    def tile_box(self, i: int) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) of picture ``i``."""
        row, column = divmod(i, self.columns)
        left = self.margin + column * (self.tile[0] + self.margin)
        top = (
            self.title_height + self.margin + row * (self.tile[1] + self.label_height + self.margin)
        )
        return left, top, left + self.tile[0], top + self.tile[1]


def boundary_labels(count: int) -> list[str]:
    """``K0 · opens 1``, ``K3 · 3|4``, ``K10 · closes 10`` for ``count`` keyframes."""
    last = count - 1
    labels = []
    for k in range(count):
        if last == 0:
            labels.append("K0")
        elif k == 0:
            labels.append("K0 · opens 1")
        elif k == last:
            labels.append(f"K{k} · closes {k}")
        else:
            labels.append(f"K{k} · {k}|{k + 1}")
    return labels


def sheet_layout(count: int, columns: int, tile_width: int, aspect: tuple[int, int]) -> SheetLayout:
    tile_height = max(1, round(tile_width * aspect[1] / aspect[0]))
    label = max(14, tile_width // 9)
    return SheetLayout(
        count=count,
        columns=max(1, columns),
        tile=(tile_width, tile_height),
        margin=max(6, tile_width // 20),
        title_height=max(20, tile_width // 6),
        label_height=label,
    )


def _fit(text: str, size: int, width: int) -> str:
    """The label, shortened in the middle with an ellipsis when wider than its tile: a long
    reference name must not run into the next column (the ``=N`` end stays readable)."""
    if fonts.text_width(text, size) <= width:
        return text
    head, tail = text[: len(text) // 2], text[len(text) // 2 :]
    while head and fonts.text_width(f"{head}…{tail}", size) > width:
        head, tail = head[:-1], tail[1:] if len(tail) > 4 else tail
    return f"{head}…{tail}"


def contact_sheet(
    keyframes: Sequence[Path],
    out: Path,
    *,
    columns: int = 4,
    labels: Sequence[str] | None = None,
    title: str = "Storyboard",
    tile_width: int = 320,
) -> Path:
    """Write a grid of the keyframes, labelled, with ``title`` on top, as a PNG at ``out``.

    Tiles take the first keyframe's shape; a keyframe of another shape is letterboxed into it.
    """
    if not keyframes:
        raise ValueError("no keyframes to put on a sheet")
    names = list(labels) if labels is not None else boundary_labels(len(keyframes))
    if len(names) != len(keyframes):
        raise ValueError(f"{len(names)} labels for {len(keyframes)} keyframes")
    images = []
    for path in keyframes:
        with Image.open(path) as image:
            images.append(image.convert("RGB"))
    layout = sheet_layout(len(images), columns, tile_width, images[0].size)
    sheet = Image.new("RGB", layout.size, BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    title_size = max(12, layout.title_height * 3 // 5)
    fonts.draw_text(draw, (layout.margin, layout.title_height // 2),
                    _fit(title, title_size, layout.size[0] - 2 * layout.margin), title_size, TEXT,
                    anchor="lm")  # fmt: skip
    label_size = max(10, layout.label_height * 2 // 3)
    for i, (image, name) in enumerate(zip(images, names, strict=True)):
        left, top, right, bottom = layout.tile_box(i)
        # Scale to fit (up or down) and letterbox a differently shaped keyframe on black.
        picture = ImageOps.pad(image, (right - left, bottom - top), Image.Resampling.LANCZOS,
                               color=(0, 0, 0))  # fmt: skip
        sheet.paste(picture, (left, top))
        fonts.draw_text(draw, (left, bottom + layout.label_height // 2),
                        _fit(name, label_size, right - left), label_size, MUTED,
                        anchor="lm")  # fmt: skip
    with atomic_path(out) as temp:
        sheet.save(temp, format="PNG")
    return Path(out)


__all__ = ["SheetLayout", "boundary_labels", "contact_sheet", "sheet_layout"]
