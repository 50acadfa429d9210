"""Text on pictures in any script: title cards, storyboard sketches, contact sheets.

Pillow's bundled font has Latin glyphs only, so Japanese or Arabic text came out as tofu boxes.
The fonts here are Noto, installed as Python packages (``pyproject.toml``): Noto Sans for Latin,
Greek, Cyrillic and Devanagari, Noto Sans CJK JP for Japanese, Chinese and Korean, Noto Sans
Arabic, Noto Sans Thai, and Heebo for Hebrew (PyPI has no Noto Sans Hebrew package). Each
run of text is drawn with the first font whose character map has all of it (read with fontTools),
and Pillow lays it out with libraqm when it has it (Arabic letters join and run right to left).
Text that mixes scripts ("العنوان - storyboard") is split into runs, each in its own font, placed in
the paragraph's direction.
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass, field
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from shotline.language import is_rtl, uses_spaces

Color = tuple[int, int, int] | int


@dataclass(frozen=True)
class Face:
    name: str
    path: Path
    codepoints: frozenset[int] = field(repr=False)

    def covers(self, char: str) -> bool:
        return ord(char) in self.codepoints


# (name, package, file inside it), in the order they are tried.
FONT_FILES: tuple[tuple[str, str, str], ...] = (
    ("Noto Sans", "fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf"),
    ("Noto Sans CJK JP", "noto_cjk_sans_jp_regular", "NotoSansCJKjp-Regular.otf"),
    ("Noto Sans Arabic", "fontpkg_noto_sans_arabic", "files/NotoSansArabic[wdth,wght].ttf"),
    ("Noto Sans Thai", "fontpkg_noto_sans_thai", "files/NotoSansThai[wdth,wght].ttf"),
    ("Heebo", "fontpkg_heebo", "files/Heebo[wght].ttf"),  # Hebrew: no Noto Sans Hebrew on PyPI
)


@functools.cache
def faces() -> tuple[Face, ...]:
    """The installed fonts and the characters each has a glyph for."""
    out = []
    for name, package, relative in FONT_FILES:
        path = Path(str(importlib.resources.files(package).joinpath(relative)))
        with TTFont(path, lazy=True) as font:
            cmap = font.getBestCmap() or {}
        out.append(Face(name, path, frozenset(cmap)))
    return tuple(out)


def face_for(char: str, prefer: Face | None = None) -> Face | None:
    """The font for ``char``: ``prefer`` when it has the glyph, else the first one that does."""
    if prefer is not None and prefer.covers(char):
        return prefer
    return next((face for face in faces() if face.covers(char)), None)


@functools.cache
def truetype(path: Path, size: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if features.check_feature("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), max(6, size), layout_engine=engine)


def runs(text: str) -> list[tuple[str, Face]]:
    """``text`` cut where the font must change, in logical order. Spaces, digits and punctuation
    stay with the run they are in when its font has them."""
    out: list[tuple[str, Face]] = []
    current: Face | None = None
    chunk = ""
    fallback = faces()[0]
    for char in text:
        face = face_for(char, current) or current or fallback
        if current is not None and face is not current:
            out.append((chunk, current))
            chunk = ""
        current = face
        chunk += char
    if chunk and current is not None:
        out.append((chunk, current))
    return out


def text_width(text: str, size: int) -> float:
    return sum(truetype(face.path, size).getlength(chunk) for chunk, face in runs(text))


def draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    fill: Color,
    anchor: str = "la",
) -> tuple[float, float, float, float]:
    """Draw ``text`` at ``xy`` (Pillow's two-letter anchors, horizontal l/m/r) and return its box.

    Runs go left to right, or right to left when the paragraph starts in a right-to-left script.
    """
    parts = runs(text)
    if not parts:
        return (xy[0], xy[1], xy[0], xy[1])
    widths = [truetype(face.path, size).getlength(chunk) for chunk, face in parts]
    total = sum(widths)
    horizontal, vertical = anchor[0], anchor[1:] or "a"
    left = xy[0] - {"l": 0.0, "m": total / 2, "r": total}.get(horizontal, 0.0)
    order = list(zip(parts, widths, strict=True))
    if is_rtl(text):
        order.reverse()
    # Fonts differ in ascent: every run sits on one baseline, placed by the first run's font.
    ascent, descent = truetype(parts[0][1].path, size).getmetrics()
    baseline = xy[1] + {"a": ascent, "t": ascent, "m": (ascent - descent) / 2, "s": 0.0,
                        "d": -descent, "b": -descent}.get(vertical, ascent)  # fmt: skip
    box = [float("inf"), float("inf"), float("-inf"), float("-inf")]
    x = left
    for (chunk, face), width in order:
        font = truetype(face.path, size)
        bbox = draw.textbbox((x, baseline), chunk, font=font, anchor="ls")
        draw.text((x, baseline), chunk, font=font, fill=fill, anchor="ls")
        box = [min(box[0], bbox[0]), min(box[1], bbox[1]), max(box[2], bbox[2]),
               max(box[3], bbox[3])]  # fmt: skip
        x += width
    return (box[0], box[1], box[2], box[3])


def text_box(
    text: str, size: int, xy: tuple[float, float] = (0, 0), anchor: str = "la"
) -> tuple[float, float, float, float]:
    """Where ``draw_text`` would draw, without drawing."""
    scratch = ImageDraw.Draw(Image.new("L", (1, 1)))
    return draw_text(scratch, xy, text, size, 0, anchor)


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Breakable pieces: words for spaced scripts, single characters for Japanese and Chinese
    (which break between any two characters), each with whether a space came before it."""
    out: list[tuple[str, bool]] = []
    for k, word in enumerate(text.split()):
        if uses_spaces(word):
            out.append((word, k > 0))
            continue
        for i, char in enumerate(word):
            # Closing punctuation never starts a line (kinsoku, in its simplest form).
            if out and i > 0 and char in "、。，．！？」』）":
                out[-1] = (out[-1][0] + char, out[-1][1])
            else:
                out.append((char, k > 0 and i == 0))
    return out


def wrap(text: str, size: int, max_width: float, max_lines: int) -> list[str]:
    """Greedy wrap to ``max_width`` pixels; an ellipsis marks text that did not fit."""
    lines: list[str] = []
    current = ""
    for token, spaced in _tokens(text):
        trial = f"{current}{' ' if spaced and current else ''}{token}"
        if text_width(trial, size) <= max_width or not current:
            current = trial
            continue
        lines.append(current)
        current = token
        if len(lines) == max_lines:
            lines[-1] = lines[-1].rstrip(".,;:、。") + "…"
            return lines
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1] + "…"
    return lines


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` that no installed font can draw (empty: no tofu)."""
    return "".join(
        sorted({c for c in text if not c.isspace() and face_for(c) is None}, key=text.index)
    )


__all__ = [
    "Face",
    "draw_text",
    "face_for",
    "faces",
    "missing_glyphs",
    "runs",
    "text_box",
    "text_width",
    "truetype",
    "wrap",
]
