"""Props in a sketch: the object a prompt names, drawn as a recognisable shape in its colours.

A prop is read from its name first ("Oxygen gauge"), then its description ("a wrist-mounted
oxygen gauge with a cracked glass face"), into one of a few kinds of shape (a plant, a dial, a
lantern, a book, a box, a radio, a tool, an umbrella, a bag, a key, a vessel); a plant or a
lantern "in a cup" stands in that vessel. Colours come from the description's colour and
material words ("green", "metal", "brass"), else from the kind.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from shotline.providers.offline._canvas import Canvas
from shotline.providers.offline.colours import Color, colour_words, mix

KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("plant", ("seedling", "sprout", "plant", "flower", "sapling", "seed", "seeds", "bloom",
               "shoot", "fern", "leaf")),
    ("dial", ("gauge", "compass", "clock", "watch", "dial", "meter", "stopwatch")),
    ("lantern", ("lantern", "lamp", "torch", "candle")),
    ("book", ("book", "notebook", "logbook", "journal", "diary", "map", "letter", "photo",
              "photograph", "sketchbook")),
    ("box", ("crate", "box", "chest", "case", "suitcase", "package", "trunk")),
    ("radio", ("radio", "handset", "phone", "walkie", "transmitter")),
    ("tool", ("axe", "hammer", "wrench", "knife", "sword", "shovel", "pickaxe", "spade")),
    ("umbrella", ("umbrella", "parasol")),
    ("bag", ("backpack", "bag", "satchel", "rucksack")),
    ("key", ("key",)),
    ("vessel", ("cup", "mug", "flask", "bottle", "jar", "canteen", "pot", "can", "bowl", "vase")),
)  # fmt: skip
DEFAULT_COLOURS: dict[str, Color] = {
    "plant": (70, 160, 70), "dial": (170, 175, 182), "lantern": (190, 150, 70),
    "book": (120, 75, 45), "box": (175, 180, 186), "radio": (60, 62, 70),
    "tool": (150, 155, 162), "umbrella": (30, 30, 34), "bag": (190, 175, 130),
    "key": (190, 150, 70), "vessel": (150, 155, 162), "object": (150, 120, 90),
}  # fmt: skip


@dataclass(frozen=True)
class PropSpec:
    name: str
    description: str

    @property
    def words(self) -> list[str]:
        return re.findall(r"[a-z]+", f"{self.name} {self.description}".lower())

    @property
    def kind(self) -> str:
        for text in (self.name.lower(), self.description.lower()):
            words = set(re.findall(r"[a-z]+", text))
            for kind, names in KINDS:
                if words & set(names):
                    return kind
        return "object"

    @property
    def container(self) -> str | None:
        """The vessel a plant or light stands in ("a seedling in a dented metal cup")."""
        match = re.search(r"\bin an? ([a-z -]+)", self.description.lower())
        if match and self.kind in ("plant", "lantern"):
            words = set(match.group(1).split())
            if words & set(dict(KINDS)["vessel"]):
                return match.group(1)
        return None

    def colour(self) -> Color:
        text = self.description
        if self.container:
            text = text.lower().split(" in a", 1)[0]  # the plant's colour, not the cup's
        found = colour_words(f"{text} {self.name}")
        return found[0][1] if found else DEFAULT_COLOURS[self.kind]


def draw_prop(
    canvas: Canvas, prop: PropSpec, cx: float, bottom: float, size: float
) -> dict[str, Any]:
    """Draw ``prop`` standing on ``bottom`` around ``cx``, about ``size`` pixels tall."""
    line = max(1.0, size / 60)
    kind, colour = prop.kind, prop.colour()
    floor, s = bottom, size
    top = bottom - s
    container = prop.container
    if container is not None:
        found = colour_words(container)
        cup = found[0][1] if found else DEFAULT_COLOURS["vessel"]
        _vessel(canvas, cx, bottom, s * 0.42, cup, line)
        bottom -= s * 0.36
        s *= 0.7
    if kind == "plant":
        stem = [(cx - s * 0.02, bottom), (cx + s * 0.02, bottom), (cx + s * 0.03, bottom - s * 0.8),
                (cx - s * 0.01, bottom - s * 0.8)]  # fmt: skip
        canvas.shape(stem, mix(colour, (20, 60, 20), 0.3), line)
        for k, side in enumerate((-1, 1, -1, 1)):
            y = bottom - s * (0.3 + 0.15 * k)
            leaf = [(cx, y), (cx + side * s * (0.34 - 0.05 * k), y - s * 0.16),
                    (cx + side * s * (0.22 - 0.03 * k), y + s * 0.02)]  # fmt: skip
            canvas.shape(leaf, colour, line)
        canvas.ellipse((cx - s * 0.07, bottom - s * 0.95, cx + s * 0.07, bottom - s * 0.8),
                       colour, line)  # fmt: skip
    elif kind == "dial":
        r = s * 0.4
        cy = bottom - r
        canvas.ellipse((cx - r, cy - r, cx + r, cy + r), colour, line)
        canvas.ellipse((cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8), (236, 236, 228),
                       line)  # fmt: skip
        canvas.line([(cx, cy), (cx + r * 0.5, cy - r * 0.45)], line * 2)
        for k in range(8):
            a = k * math.pi / 4
            dx, dy = math.cos(a) * r, math.sin(a) * r
            canvas.line([(cx + dx * 0.62, cy + dy * 0.62), (cx + dx * 0.75, cy + dy * 0.75)], line)
        if "wrist" in prop.description.lower():
            strap = (cx - r * 0.35, cy + r * 0.9, cx + r * 0.35, bottom + r * 0.2)
            canvas.rect(strap, (60, 60, 66), line)
    elif kind == "lantern":
        w = s * 0.32
        canvas.rect((cx - w * 0.8, bottom - s * 0.1, cx + w * 0.8, bottom), colour, line)
        canvas.rect((cx - w * 0.65, bottom - s * 0.75, cx + w * 0.65, bottom - s * 0.1),
                    (250, 220, 120), line)  # fmt: skip
        canvas.shape([(cx - w * 0.8, bottom - s * 0.75), (cx + w * 0.8, bottom - s * 0.75),
                      (cx, bottom - s * 0.92)], colour, line)  # fmt: skip
        canvas.ellipse((cx - w * 0.3, top, cx + w * 0.3, bottom - s * 0.88), None, line)
    elif kind == "book":
        w, h = s * 0.8, s * 0.55
        canvas.shape([(cx - w / 2, bottom - h * 0.3), (cx + w / 2, bottom - h * 0.45),
                      (cx + w / 2, bottom - h * 1.3), (cx - w / 2, bottom - h * 1.15)],
                     colour, line)  # fmt: skip
        canvas.line([(cx - w * 0.35, bottom - h * 0.4), (cx + w * 0.35, bottom - h * 0.5)], line)
    elif kind == "box":
        w, h = s * 0.9, s * 0.6
        canvas.rect((cx - w / 2, bottom - h, cx + w / 2, bottom), colour, line)
        canvas.shape([(cx - w / 2, bottom - h), (cx - w * 0.35, bottom - h * 1.25),
                      (cx + w * 0.65, bottom - h * 1.25), (cx + w / 2, bottom - h)],
                     mix(colour, (255, 255, 255), 0.25), line)  # fmt: skip
        for k in (1, 2):
            canvas.line([(cx - w / 2, bottom - h * k / 3), (cx + w / 2, bottom - h * k / 3)], line)
    elif kind == "radio":
        w, h = s * 0.32, s * 0.7
        canvas.rect((cx - w / 2, bottom - h, cx + w / 2, bottom), colour, line)
        canvas.rect((cx - w * 0.35, bottom - h * 0.9, cx + w * 0.35, bottom - h * 0.55),
                    (150, 190, 150), line)  # fmt: skip
        canvas.line([(cx + w * 0.3, bottom - h), (cx + w * 0.3, top)], line * 2)
    elif kind == "tool":
        canvas.shape([(cx - s * 0.03, bottom), (cx + s * 0.03, bottom), (cx + s * 0.03, top),
                      (cx - s * 0.03, top)], (120, 80, 50), line)  # fmt: skip
        canvas.shape([(cx - s * 0.05, top), (cx + s * 0.3, top - s * 0.02),
                      (cx + s * 0.25, top + s * 0.2), (cx - s * 0.05, top + s * 0.12)],
                     colour, line)  # fmt: skip
    elif kind == "umbrella":
        canvas.paint.chord((cx - s * 0.45, top, cx + s * 0.45, top + s * 0.6), 180, 360,
                           fill=colour)  # fmt: skip
        canvas.line([(cx - s * 0.45, top + s * 0.3), (cx + s * 0.45, top + s * 0.3)], line)
        canvas.line([(cx, top + s * 0.3), (cx, bottom - s * 0.1), (cx - s * 0.1, bottom)], line * 2)
    elif kind == "bag":
        w, h = s * 0.7, s * 0.75
        canvas.shape([(cx - w / 2, bottom), (cx + w / 2, bottom), (cx + w * 0.42, bottom - h),
                      (cx - w * 0.42, bottom - h)], colour, line)  # fmt: skip
        canvas.rect((cx - w * 0.3, bottom - h * 0.55, cx + w * 0.3, bottom - h * 0.2),
                    mix(colour, (0, 0, 0), 0.2), line)  # fmt: skip
        canvas.ellipse((cx - w * 0.25, bottom - h * 1.2, cx + w * 0.25, bottom - h * 0.9), None,
                       line)  # fmt: skip
    elif kind == "key":
        canvas.ellipse((cx - s * 0.15, top + s * 0.1, cx + s * 0.15, top + s * 0.4), colour, line)
        canvas.rect((cx - s * 0.03, top + s * 0.4, cx + s * 0.03, bottom), colour, line)
        canvas.rect((cx, bottom - s * 0.2, cx + s * 0.12, bottom - s * 0.12), colour, line)
    elif kind == "vessel":
        _vessel(canvas, cx, bottom, s * 0.8, colour, line)
    else:
        canvas.ellipse((cx - s * 0.4, bottom - s * 0.7, cx + s * 0.4, bottom), colour, line)
    return {
        "name": prop.name,
        "kind": kind,
        "color": "#{:02x}{:02x}{:02x}".format(*colour),
        "box": [round(cx - size / 2), round(floor - size), round(cx + size / 2), round(floor)],
    }  # fmt: skip


def _vessel(canvas: Canvas, cx: float, bottom: float, h: float, colour: Color, line: float) -> None:
    w = h * 0.8
    canvas.shape([(cx - w / 2, bottom - h), (cx + w / 2, bottom - h), (cx + w * 0.4, bottom),
                  (cx - w * 0.4, bottom)], colour, line)  # fmt: skip
    canvas.ellipse((cx - w / 2, bottom - h * 1.08, cx + w / 2, bottom - h * 0.92),
                   mix(colour, (0, 0, 0), 0.35), line)  # fmt: skip


__all__ = ["KINDS", "PropSpec", "draw_prop"]
