"""Colour words in prompts, as RGB: "a faded yellow oilskin", "deep greens", "short black hair".

A small fixed vocabulary (clothing, hair, materials and palettes as scripts write them) with the
modifiers that change a colour's lightness ("pale", "dark", "deep", "faded", "bright").
"""

from __future__ import annotations

import re

Color = tuple[int, int, int]

COLOURS: dict[str, Color] = {
    # neutrals
    "white": (238, 238, 234), "ivory": (238, 232, 210), "cream": (236, 226, 196),
    "bone": (226, 218, 200), "black": (30, 30, 34), "charcoal": (58, 60, 66),
    "grey": (128, 128, 130), "gray": (128, 128, 130), "silver": (190, 192, 198),
    "steel": (140, 146, 156), "slate": (96, 108, 122), "ash": (150, 148, 144),
    "concrete": (150, 150, 146),
    # reds, oranges, yellows
    "red": (196, 40, 36), "crimson": (170, 20, 40), "maroon": (110, 28, 36),
    "scarlet": (220, 36, 30), "rust": (170, 80, 40), "terracotta": (190, 100, 70),
    "rose": (220, 130, 140), "pink": (236, 150, 180), "magenta": (200, 40, 140),
    "orange": (236, 120, 30), "amber": (230, 160, 40), "gold": (212, 170, 60),
    "golden": (212, 170, 60), "yellow": (240, 200, 40), "ochre": (200, 150, 50),
    "mustard": (200, 160, 40), "honey": (220, 170, 80), "brass": (190, 150, 70),
    "copper": (184, 110, 60), "bronze": (170, 120, 60), "butterscotch": (220, 160, 80),
    # greens and blues
    "green": (60, 150, 70), "olive": (110, 120, 50), "emerald": (30, 140, 90),
    "sage": (150, 170, 130), "moss": (100, 125, 60), "lime": (150, 200, 60),
    "khaki": (180, 165, 110), "teal": (30, 130, 130), "turquoise": (60, 190, 190),
    "cyan": (60, 190, 220), "mint": (170, 220, 190), "blue": (50, 90, 190),
    "navy": (30, 40, 90), "cobalt": (30, 70, 170), "denim": (70, 100, 150),
    "azure": (80, 150, 220), "indigo": (60, 50, 130), "sky": (140, 190, 230),
    # purples, browns, hair colours
    "purple": (120, 50, 150), "violet": (140, 90, 200), "lavender": (180, 160, 220),
    "plum": (110, 50, 90), "brown": (120, 80, 45), "tan": (200, 160, 110),
    "beige": (220, 200, 160), "sand": (220, 200, 150), "chestnut": (130, 70, 40),
    "auburn": (140, 60, 40), "ginger": (200, 100, 40), "blond": (225, 195, 120),
    "blonde": (225, 195, 120), "straw": (225, 205, 130), "bark": (100, 70, 45),
    "earth": (110, 80, 55), "mud": (110, 90, 60),
    # materials that name their colour
    "metal": (150, 155, 162), "aluminium": (175, 180, 186), "aluminum": (175, 180, 186),
    "tin": (165, 168, 172), "iron": (90, 92, 96), "wooden": (140, 98, 60), "wood": (140, 98, 60),
    "leather": (120, 75, 45), "canvas": (190, 175, 130), "glass": (190, 220, 235),
    "denimblue": (70, 100, 150),
}  # fmt: skip
# Words that shift the next colour: (towards, amount).
MODIFIERS: dict[str, tuple[Color, float]] = {
    "pale": ((255, 255, 255), 0.45), "light": ((255, 255, 255), 0.35),
    "soft": ((255, 255, 255), 0.25), "pastel": ((255, 255, 255), 0.4),
    "faded": ((200, 196, 186), 0.3), "dusty": ((180, 170, 160), 0.3),
    "dark": ((0, 0, 0), 0.4), "deep": ((0, 0, 0), 0.3),
}  # fmt: skip
_WORD = re.compile(r"[a-z]+")


def mix(a: Color, b: Color, k: float) -> Color:
    return (
        round(a[0] * (1 - k) + b[0] * k),
        round(a[1] * (1 - k) + b[1] * k),
        round(a[2] * (1 - k) + b[2] * k),
    )


def colour_words(text: str, materials: bool = True) -> list[tuple[str, Color]]:
    """Every colour named in ``text``, in order, with the modifier before it applied.

    ``materials=False`` skips words that name a material rather than a colour (metal, wood).
    Plurals count ("deep greens").
    """
    out: list[tuple[str, Color]] = []
    modifier: tuple[Color, float] | None = None
    for word in _WORD.findall(text.lower()):
        if word in MODIFIERS:
            modifier = MODIFIERS[word]
            continue
        key = word if word in COLOURS else word[:-1] if word[:-1] in COLOURS else None
        if key is not None and (materials or key not in _MATERIALS):
            colour = COLOURS[key]
            if modifier is not None:
                colour = mix(colour, modifier[0], modifier[1])
            out.append((key, colour))
        modifier = None
    return out


_MATERIALS = frozenset(("metal", "aluminium", "aluminum", "tin", "iron", "wooden", "wood",
                        "leather", "canvas", "glass", "steel", "brass", "copper", "bronze",
                        "concrete"))  # fmt: skip


def first_colour(text: str, materials: bool = True) -> Color | None:
    found = colour_words(text, materials)
    return found[0][1] if found else None


__all__ = ["COLOURS", "Color", "colour_words", "first_colour", "mix"]
