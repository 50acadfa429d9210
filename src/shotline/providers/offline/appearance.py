"""How a sketched figure looks: from what the prompt says about the character, else from the name.

Prompts describe each character in brackets after the name, the way ``story.prompts`` writes them:
``Felix (early 30s; lean and wiry; a weathered face; short cropped black hair; wearing a scuffed
white pressure suit with orange shoulder patches)``. The parts are read for what a pencil sketch
can show: the clothing's colour (its first colour word) and a second colour for the trousers or
an accent, headgear (hat, cap, hood, helmet), hair colour and style, build and height. Anything the
description leaves out comes from a hash of the name, so a character looks the same in every
frame whatever the prompt or seed.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from dataclasses import dataclass, replace

from shotline.providers.offline.colours import Color, colour_words, mix

SKIN: tuple[Color, ...] = (
    (241, 206, 178),
    (224, 180, 140),
    (198, 146, 104),
    (150, 102, 70),
    (108, 72, 50),
)
HAIR_COLORS: tuple[Color, ...] = (
    (40, 30, 25),
    (95, 60, 35),
    (170, 130, 70),
    (200, 190, 170),
    (130, 40, 30),
    (30, 30, 35),
)
HAIR_STYLES = ("short", "long", "bald", "bun", "hat", "hood", "curly")

# Garments that cover the legs too: trousers in the same colour.
ONE_PIECE = ("suit", "overalls", "wetsuit", "uniform", "robe", "gown", "dress", "coat", "armour",
             "armor", "chassis", "smock", "scrubs", "jumpsuit", "spacesuit")  # fmt: skip


@dataclass(frozen=True)
class Look:
    name: str
    color: Color  # clothing
    skin: Color
    hair: Color
    hair_style: str
    build: float  # shoulder width factor
    stature: float  # height factor
    legs: Color | None = None  # trousers; None: a darker shade of the clothing
    accent: Color | None = None  # shoulder patches, a scarf: a second colour on the top
    helmet: bool = False  # a space helmet's bubble around the head
    described: bool = False  # read from the prompt, not only from the name

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.color)

    @property
    def trousers(self) -> Color:
        return self.legs if self.legs is not None else mix(self.color, (30, 30, 40), 0.45)


def look_for(name: str) -> Look:
    """Everything about a figure's appearance, from the name alone (case-insensitive)."""
    digest = hashlib.sha256(name.strip().casefold().encode("utf-8")).digest()
    hue = int.from_bytes(digest[0:2], "big") / 65536
    saturation = 0.55 + digest[2] / 255 * 0.3
    value = 0.62 + digest[3] / 255 * 0.25
    r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
    return Look(
        name=name,
        color=(round(r * 255), round(g * 255), round(b * 255)),
        skin=SKIN[digest[4] % len(SKIN)],
        hair=HAIR_COLORS[digest[5] % len(HAIR_COLORS)],
        hair_style=HAIR_STYLES[digest[6] % len(HAIR_STYLES)],
        build=0.8 + digest[7] / 255 * 0.45,
        stature=0.9 + digest[8] / 255 * 0.18,
    )


def description_of(name: str, prompt: str) -> str | None:
    """The bracketed description after ``name`` in the prompt, if any."""
    match = re.search(re.escape(name) + r"\s*\(([^()]*)\)", prompt)
    return match.group(1) if match else None


def _hair(part: str, look: Look) -> Look:
    low = part.lower()
    if re.search(r"\b(shaved|bald|no hair|hairless)\b", low):
        return replace(look, hair_style="bald")
    colours = colour_words(low, materials=False)
    hair = colours[0][1] if colours else look.hair
    if "bun" in low or "tied back" in low or "ponytail" in low or "braid" in low:
        style = "bun"
    elif "curl" in low:
        style = "curly"
    elif re.search(r"\b(long|shoulder[- ]length|flowing|to the shoulders)\b", low):
        style = "long"
    else:
        style = "short"
    return replace(look, hair=hair, hair_style=style)


def _clothing(part: str, look: Look) -> Look:
    low = part.lower()
    colours = colour_words(re.sub(r"\b(hat|cap|hood|helmet|visor)\b.*", "", low) or low)
    if not colours:
        colours = colour_words(low)
    changes: dict[str, object] = {}
    if colours:
        changes["color"] = colours[0][1]
        rest = [c for _, c in colours[1:]]
        top, _, under = low.partition(" over ")
        below = colour_words(under)
        one_piece = any(re.search(rf"\b{w}\b", top.split(" with ")[0]) for w in ONE_PIECE)
        if below and " over " in low:  # "a navy jacket over a grey flight suit": grey below
            changes["legs"] = below[0][1]
        elif one_piece:  # "a white suit with orange patches": white legs, orange shoulders
            changes["legs"] = colours[0][1] if not re.search(r"\bcoat\b", top) else None
            if rest:
                changes["accent"] = rest[0]
        elif rest:
            changes["legs"] = rest[0]
    if re.search(r"\b(hood|hooded)\b", low):
        changes["hair_style"] = "hood"
    elif re.search(r"\b(hat|cap|beret|bonnet)\b", low):
        changes["hair_style"] = "hat"
    if re.search(r"\b(helmet|pressure suit|space ?suit)\b", low) and "raised" not in low:
        changes["helmet"] = True
    return replace(look, **changes)  # type: ignore[arg-type]


def _build(part: str, look: Look) -> Look:
    low = part.lower()
    build, stature = look.build, look.stature
    if re.search(r"broad|burly|stocky|heavy", low):
        build = 1.2
    elif re.search(r"slight|lean|wiry|thin|slender|petite", low):
        build = 0.85
    elif re.search(r"sturdy|compact", low):
        build, stature = 1.1, 0.94
    if re.search(r"\btall|rangy|lanky", low):
        stature = 1.08
    elif re.search(r"\bshort\b|\bsmall\b", low):
        stature = 0.92
    return replace(look, build=build, stature=stature)


def look_from(name: str, prompt: str) -> Look:
    """The figure for ``name``: what the prompt's description of them says, over the name's look."""
    look = look_for(name)
    description = description_of(name, prompt)
    if not description:
        return look
    for part in (p.strip() for p in description.split(";")):
        low = part.lower()
        if not part:
            continue
        if low.startswith("wearing") or re.search(
            r"\b(suit|coat|jacket|shirt|dress|uniform|overalls|apron|smock|armou?r|robe|cloak|"
            r"sweater|jumper|oilskin|wetsuit|chassis|scrubs|raincoat|tunic|hoodie)\b",
            low,
        ):
            look = _clothing(part, look)
        elif re.search(r"\bhair\b|\bhead\b|\bbald\b", low):
            look = _hair(part, look)
        elif re.search(r"build|broad|slight|lean|wiry|tall|rangy|sturdy|compact|slender", low):
            look = _build(part, look)
        elif re.search(r"\babout 1\d\b|\babout [5-9]\b|\bchild\b", low):
            look = replace(look, stature=min(look.stature, 0.75))
    return replace(look, described=True)


__all__ = ["HAIR_COLORS", "HAIR_STYLES", "SKIN", "Look", "description_of", "look_for", "look_from"]
