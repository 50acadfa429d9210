"""``offline.sketch``: storyboard frames drawn from the structure of the prompt, no model.

A pencil-on-paper previz frame, clearly a sketch, that keeps continuity across shots:

- **Place and light** from keywords (moon, forest, desert, ocean, street, interior, mountain; night
  and dusk): palette, horizon and a few set pieces.
- **Framing** from camera words: ``wide``/``establishing``/``long shot`` (small full figures),
  ``medium``/``mid shot`` (cut at the thighs), ``close-up``/``close up``/``closeup`` (head and
  shoulders), ``over-the-shoulder``/``OTS`` (one back in the foreground, the others facing it).
  Nothing said: full figures at a middle distance.
- **Characters**, by this convention: when the prompt has a ``Characters: Mara, Theo and Ines``
  section (up to the end of the line or sentence, split on commas, ``and``, ``&``), those are the
  characters, in that order. Otherwise every run of Capitalised words that does not begin a
  sentence (``Mara``, ``Captain Rosa Diaz``) is a name, plus sentence-initial words that are
  names elsewhere in the prompt. Each is a labelled figure whose colour, build, hair and height
  come from a hash of the name alone, so the same character looks the same in every frame,
  whatever the prompt or seed.
- **References** (up to four) tint the scene: their mean colours and a coarse colour field are
  blended into the wash, so a frame follows the chosen environment and character references.

The seed changes only the paper grain, the pencil jitter and where set pieces stand.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from shotline.providers.contracts import (
    Capabilities,
    Free,
    ImageRequest,
    Kind,
    Output,
    ProviderInfo,
    Request,
    RunContext,
    input_files,
    request_params,
)
from shotline.providers.errors import Canceled, CapabilityError
from shotline.providers.offline._canvas import Canvas
from shotline.providers.offline._imaging import load_rgb, output_name, stable_int
from shotline.providers.offline.appearance import Look, look_for, look_from
from shotline.providers.offline.colours import colour_words, mix
from shotline.providers.offline.props import PropSpec, draw_prop

Color = tuple[int, int, int]
MAX_REFERENCES = 4
MAX_CHARACTERS = 6
PAPER: Color = (244, 239, 226)
GRAPHITE: Color = (52, 54, 62)

# -- reading the prompt ----------------------------------------------------------------------------

ENVIRONMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("moon", ("moon", "lunar", "crater", "astronaut", "space", "mars", "planet")),
    ("ocean", ("ocean", "sea", "beach", "shore", "waves", "harbor", "harbour", "island")),
    (
        "garden",
        (
            "garden",
            "gardens",
            "greenhouse",
            "meadow",
            "hollow",
            "orchard",
            "park",
            "flowers",
            "ferns",
            "moss",
        ),
    ),
    ("forest", ("forest", "woods", "jungle", "trees", "grove")),
    ("desert", ("desert", "dunes", "dune", "sand", "canyon")),
    ("mountain", ("mountain", "mountains", "cliff", "peak", "snow", "glacier")),
    (
        "interior",
        (
            "interior",
            "room",
            "kitchen",
            "office",
            "inside",
            "hallway",
            "bedroom",
            "bar",
            "apartment",
            "house",
            "lab",
            "laboratory",
            "cabin",
            "int",
            "corridor",
            "station",
            "deck",
            "dome",
            "habitat",
            "workshop",
            "library",
        ),
    ),
    ("street", ("street", "city", "alley", "road", "town", "downtown", "market", "avenue")),
)
NIGHT_WORDS = ("night", "midnight", "dark", "stars", "starry", "moonlit", "nighttime")
DUSK_WORDS = ("sunset", "dusk", "dawn", "evening", "golden", "twilight", "sunrise")

# (sky top, sky at horizon, ground) by day
PALETTES: dict[str, tuple[Color, Color, Color]] = {
    "moon": ((40, 44, 60), (90, 96, 112), (168, 166, 160)),
    "ocean": ((110, 170, 215), (190, 220, 235), (40, 110, 150)),
    "forest": ((150, 190, 170), (200, 220, 190), (60, 110, 60)),
    "desert": ((140, 190, 230), (240, 220, 180), (220, 180, 120)),
    "mountain": ((130, 170, 215), (215, 225, 235), (120, 130, 120)),
    "interior": ((200, 180, 150), (215, 195, 165), (150, 115, 85)),
    "street": ((150, 175, 200), (205, 210, 210), (120, 120, 125)),
    "open": ((140, 185, 225), (210, 225, 230), (120, 165, 90)),
    "garden": ((150, 195, 170), (205, 225, 190), (70, 125, 60)),
    "studio": ((206, 203, 196), (222, 219, 212), (186, 182, 174)),
}
# "plain neutral background", as reference prompts ask: a studio backdrop, no set.
_STUDIO = re.compile(r"plain (?:neutral )?background|studio backdrop|seamless backdrop")
# "Setting: Hidden garden (lighting: ...; palette: ...)." in keyframe prompts; an environment
# reference opens with the same "Name (details)." sentence.
_SETTING = re.compile(r"Setting:\s*(?P<name>[^(.\n]+?)\s*(?:\((?P<details>[^()]*)\))?\.")
_OPENING = re.compile(r"^\s*(?P<name>[^(.\n]+?)\s*(?:\((?P<details>[^()]*)\))?\.")
# "Props: Seedling (a single green seedling in a dented metal cup); Lantern (...)."
_PROPS = re.compile(r"Props:\s*((?:[^()\n]|\([^()]*\))+?)\.(?:\s|$)")
_PROP_ITEM = re.compile(r"(?P<name>[^;()]+?)\s*(?:\((?P<description>[^()]*)\))?\s*(?:;|\.?$)")

FRAMINGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("over-the-shoulder", re.compile(r"over[- ]the[- ]shoulder|\bots\b")),
    ("close-up", re.compile(r"\bclose[- ]?ups?\b|\bcloseups?\b|\b(?:e?cu|mcu)\b")),
    ("medium", re.compile(r"\bmedium\b|\bmid[- ]shot\b|\bwaist[- ]shot\b")),
    ("wide", re.compile(r"\bwide\b|\bestablishing\b|\blong shot\b|\baerial\b|\bextreme long\b")),
)

_NOT_NAMES = {
    "i",
    "i'm",
    "i'll",
    "the",
    "a",
    "an",
    "int",
    "ext",
    "day",
    "night",
    "close",
    "up",
    "wide",
    "medium",
    "shot",
    "establishing",
    "ots",
    "cu",
    "ecu",
    "mcu",
    "earth",
    "moon",
    "mars",
    "sun",
    "camera",
    "scene",
    "cut",
    "pov",
    "vfx",
    "sfx",
    "characters",
    "character",
    "then",
    "later",
    "meanwhile",
    "god",
    "english",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
}
_SECTION = re.compile(r"\bcharacters?\s*:\s*([^\n.;]+)", re.IGNORECASE)
_CAPITALISED = re.compile(r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_SENTENCE = re.compile(r"(?:^|[.!?]\s+|\n+)\W*")


@dataclass(frozen=True)
class Scene:
    environment: str
    time_of_day: str  # day | dusk | night
    framing: str  # wide | full | medium | close-up | over-the-shoulder
    characters: tuple[str, ...]
    setting: str = ""  # the set's name, when the prompt names one
    palette: tuple[Color, ...] = ()  # its palette's colours, in order
    materials: str = ""  # what the set is made of ("moss, damp soil, small white flowers")
    props: tuple[PropSpec, ...] = ()  # objects to draw in the frame
    prop_reference: bool = False  # the object alone, large, on a plain background


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def character_names(prompt: str) -> tuple[str, ...]:
    """Names by the convention in the module docstring, first appearance first, no repeats."""
    section = _SECTION.search(prompt)
    if section:
        parts = re.split(r",|\band\b|&|/", section.group(1))
        names = [re.sub(r"\(.*?\)|\(.*$", "", part).strip(" '\"") for part in parts]
        return _unique([n for n in names if n])[:MAX_CHARACTERS]
    starts = {m.end() for m in _SENTENCE.finditer(prompt)}
    found: list[tuple[int, str]] = []
    initial: list[tuple[int, str]] = []
    for match in _CAPITALISED.finditer(prompt):
        words = match.group(0).split()
        while words and words[0].lower() in _NOT_NAMES:
            words.pop(0)
        while words and words[-1].lower() in _NOT_NAMES:
            words.pop()
        if not words or (len(words) == 1 and len(words[0]) < 2):
            continue
        name = " ".join(words).strip("'’-")
        if match.start() in starts and words == match.group(0).split():
            initial.append((match.start(), name))
        else:
            found.append((match.start(), name))
    known = {n.lower() for _, n in found}
    firsts = {n.split()[0].lower() for _, n in found}
    for position, name in initial:  # "Mara walks in. Later Mara sits": the first one counts too
        if name.lower() in known or name.split()[0].lower() in firsts:
            found.append((position, name))
    found.sort()
    return _unique([n for _, n in found])[:MAX_CHARACTERS]


def _unique(names: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            out.append(name)
    return tuple(out)


def _details(text: str, label: str) -> str:
    match = re.search(rf"{label}:\s*([^;]+)", text)
    return match.group(1).strip() if match else ""


def _environment_of(*texts: str) -> str | None:
    for text in texts:
        words = _words(text)
        found = next((env for env, keys in ENVIRONMENTS if words & set(keys)), None)
        if found is not None:
            return found
    return None


def _props(prompt: str) -> tuple[PropSpec, ...]:
    if "prop reference" in prompt.lower():
        first = prompt.split("\n")[0]
        name, _, description = first.partition(":")
        description = re.split(r"\.\s+Prop reference", description)[0]
        return (PropSpec(name.strip(), description.strip().rstrip(".")),)
    section = _PROPS.search(prompt)
    if not section:
        return ()
    found = []
    for match in _PROP_ITEM.finditer(section.group(1).strip()):
        name = match.group("name").strip()
        if name and name.lower() != "(none)":
            found.append(PropSpec(name, (match.group("description") or "").strip()))
    return tuple(found)


def read_scene(prompt: str) -> Scene:
    """What the prompt says about the set, light, framing, cast and props.

    The set a prompt names (``Setting: Hidden garden (...)``, or the opening sentence of an
    environment reference) decides the environment before any other word in the prompt: a
    keyframe of the garden is the garden, even when its action says the lead is an astronaut.
    """
    setting = _SETTING.search(prompt)
    if setting is None and "environment reference" in prompt.lower():
        setting = _OPENING.search(prompt)
    name = setting.group("name").strip() if setting else ""
    details = (setting.group("details") or "") if setting else ""
    props = _props(prompt)
    if _STUDIO.search(prompt.lower()):
        environment = "studio"
    else:
        environment = _environment_of(name, details, prompt) or "open"
    light = _words(_details(details, "lighting") or details) if setting else set()
    words = light or _words(prompt)
    if words & set(NIGHT_WORDS):
        time_of_day = "night"
    elif words & set(DUSK_WORDS):
        time_of_day = "dusk"
    else:
        time_of_day = "day"
    lower = prompt.lower()
    framing = next((name for name, pattern in FRAMINGS if pattern.search(lower)), "full")
    palette = tuple(c for _, c in colour_words(_details(details, "palette"), materials=False))
    return Scene(
        environment,
        time_of_day,
        framing,
        character_names(prompt),
        setting=name,
        palette=palette,
        materials=_details(details, "materials"),
        props=props,
        prop_reference="prop reference" in lower,
    )


# -- drawing -------------------------------------------------------------------------------------


def _palette(scene: Scene) -> tuple[Color, Color, Color]:
    top, horizon, ground = PALETTES[scene.environment]
    # The set's own palette: its first colour on the ground, its second towards the horizon.
    if scene.palette and scene.environment != "studio":
        ground = mix(ground, scene.palette[0], 0.55)
        if len(scene.palette) > 1:
            horizon = mix(horizon, scene.palette[1], 0.35)
    if scene.time_of_day == "night":
        night: Color = (16, 20, 46)
        return mix(top, night, 0.85), mix(horizon, night, 0.7), mix(ground, night, 0.6)
    if scene.time_of_day == "dusk":
        return (
            mix(top, (90, 70, 130), 0.5),
            mix(horizon, (250, 160, 90), 0.6),
            mix(ground, (90, 60, 60), 0.3),
        )
    return top, horizon, ground


def _background(canvas: Canvas, scene: Scene, horizon_y: float, seed: int) -> None:
    width, height = canvas.size
    top, horizon, ground = _palette(scene)
    ramp = np.linspace(0.0, 1.0, max(1, round(horizon_y)), dtype=np.float32)[:, None, None]
    sky = np.array(top, np.float32) * (1 - ramp) + np.array(horizon, np.float32) * ramp
    sky_img = Image.fromarray(
        np.broadcast_to(np.clip(sky + 0.5, 0, 255), (len(ramp), width, 3)).astype(np.uint8)
    )
    canvas.wash.paste(sky_img, (0, 0))
    canvas.paint.rectangle((0, horizon_y, width, height), fill=ground)
    canvas.line([(0, horizon_y), (width, horizon_y)], max(1, height / 160))
    rng = np.random.default_rng(stable_int("set", scene.environment, seed))
    line = max(1.0, height / 200)
    if scene.time_of_day == "night":
        for _ in range(max(6, width * height // 4000)):
            x, y = rng.uniform(0, width), rng.uniform(0, horizon_y * 0.9)
            r = max(0.6, height / 400)
            canvas.paint.ellipse((x - r, y - r, x + r, y + r), fill=(250, 248, 220))
    env = scene.environment
    if env == "moon":
        earth_r = height * 0.09
        ex, ey = width * rng.uniform(0.6, 0.85), horizon_y * 0.35
        canvas.ellipse(
            (ex - earth_r, ey - earth_r, ex + earth_r, ey + earth_r), (70, 120, 200), line
        )
        for _ in range(6):
            cx, cy = rng.uniform(0, width), rng.uniform(horizon_y + 4, height)
            rx = height * rng.uniform(0.04, 0.12)
            canvas.ellipse(
                (cx - rx, cy - rx * 0.3, cx + rx, cy + rx * 0.3), mix(ground, (0, 0, 0), 0.2), line
            )
    elif env == "forest":
        for _ in range(9):
            x = rng.uniform(0, width)
            h = height * rng.uniform(0.25, 0.5)
            trunk = (x - h * 0.03, horizon_y - h * 0.35, x + h * 0.03, horizon_y + 2)
            canvas.paint.rectangle(trunk, fill=(90, 65, 45))
            canvas.line([(trunk[0], trunk[1]), (trunk[0], trunk[3])], line)
            canvas.line([(trunk[2], trunk[1]), (trunk[2], trunk[3])], line)
            crown = [
                (x, horizon_y - h),
                (x - h * 0.25, horizon_y - h * 0.3),
                (x + h * 0.25, horizon_y - h * 0.3),
            ]
            canvas.shape(crown, mix(ground, (20, 60, 30), 0.3), line)
    elif env == "desert":
        for i in range(3):
            y = horizon_y + (height - horizon_y) * (0.2 + 0.3 * i)
            phase = rng.uniform(0, 6)
            pts = [
                (x, y + np.sin(x / width * 6 + phase) * height * 0.03)
                for x in np.linspace(0, width, 24)
            ]
            canvas.line(pts, line, 140)
        sun = height * 0.07
        sx, sy = width * rng.uniform(0.15, 0.85), horizon_y * 0.3
        if scene.time_of_day != "night":
            canvas.ellipse((sx - sun, sy - sun, sx + sun, sy + sun), (250, 225, 150), line)
    elif env == "ocean":
        for i in range(5):
            y = horizon_y + (height - horizon_y) * (0.1 + 0.2 * i)
            pts = [
                (x, y + np.sin(x / width * 14 + i) * height * 0.01)
                for x in np.linspace(0, width, 32)
            ]
            canvas.line(pts, line, 150)
    elif env == "street":
        x = -rng.uniform(0, width * 0.1)
        while x < width:
            w = width * rng.uniform(0.12, 0.22)
            h = height * rng.uniform(0.25, 0.55)
            box = [(x, horizon_y), (x, horizon_y - h), (x + w, horizon_y - h), (x + w, horizon_y)]
            canvas.shape(box, mix((150, 140, 135), top, 0.3), line)
            for wy in np.arange(horizon_y - h * 0.85, horizon_y - h * 0.1, h * 0.2):
                for wx in np.arange(x + w * 0.15, x + w * 0.8, w * 0.3):
                    lit = (250, 220, 130) if scene.time_of_day == "night" else (190, 210, 225)
                    canvas.paint.rectangle((wx, wy, wx + w * 0.15, wy + h * 0.08), fill=lit)
            x += w + width * 0.01
    elif env == "interior":
        wall = mix(horizon, (255, 255, 255), 0.2)
        canvas.paint.rectangle((0, 0, width, horizon_y), fill=wall)
        wx = width * rng.uniform(0.1, 0.6)
        win = (wx, horizon_y * 0.2, wx + width * 0.25, horizon_y * 0.7)
        glass = (30, 40, 80) if scene.time_of_day == "night" else (180, 210, 235)
        canvas.shape(
            [(win[0], win[1]), (win[2], win[1]), (win[2], win[3]), (win[0], win[3])], glass, line
        )
        canvas.line([((win[0] + win[2]) / 2, win[1]), ((win[0] + win[2]) / 2, win[3])], line)
        dx = width * (0.8 if wx < width * 0.4 else 0.05)
        door = [
            (dx, horizon_y),
            (dx, horizon_y * 0.25),
            (dx + width * 0.12, horizon_y * 0.25),
            (dx + width * 0.12, horizon_y),
        ]
        canvas.shape(door, mix(ground, (60, 40, 30), 0.3), line)
    elif env == "mountain":
        x = -width * 0.1
        while x < width:
            w = width * rng.uniform(0.25, 0.45)
            h = height * rng.uniform(0.2, 0.4)
            peak = [(x, horizon_y), (x + w / 2, horizon_y - h), (x + w, horizon_y)]
            canvas.shape(peak, mix(ground, top, 0.35), line)
            snow = [
                (x + w / 2, horizon_y - h),
                (x + w * 0.38, horizon_y - h * 0.7),
                (x + w * 0.62, horizon_y - h * 0.7),
            ]
            canvas.shape(snow, (240, 242, 246), line)
            x += w * 0.7
    elif env == "garden":
        leaf = scene.palette[0] if scene.palette else (50, 120, 55)
        x = -width * 0.05
        while x < width * 1.05:  # a wall of bushes and leaves along the horizon
            r = height * rng.uniform(0.1, 0.2)
            shade = mix(leaf, (20, 60, 25), rng.uniform(0.0, 0.4))
            canvas.ellipse((x - r, horizon_y - r * 1.4, x + r, horizon_y + r * 0.3), shade, line)
            x += r * rng.uniform(1.0, 1.5)
    elif env == "studio":
        canvas.line([(0, horizon_y), (width, horizon_y)], line, 60)  # just the floor's edge
    else:
        for _ in range(3):
            cx, r = rng.uniform(0, width), width * rng.uniform(0.2, 0.4)
            canvas.paint.chord(
                (cx - r, horizon_y - r * 0.25, cx + r, horizon_y + r * 0.25),
                180,
                360,
                fill=mix(ground, top, 0.2),
            )
    if env not in ("interior", "studio"):
        _dressing(canvas, scene, horizon_y, rng, line)
    if scene.time_of_day == "night" and env not in ("moon", "interior", "studio"):
        r = height * 0.06
        mx, my = width * rng.uniform(0.1, 0.9), horizon_y * 0.25
        canvas.ellipse((mx - r, my - r, mx + r, my + r), (240, 238, 215), line)


def _dressing(
    canvas: Canvas, scene: Scene, horizon_y: float, rng: np.random.Generator, line: float
) -> None:
    """What the set's materials name, on the ground: flowers, ferns and moss, rocks, trees."""
    width, height = canvas.size
    materials = scene.materials.lower()
    parts = [p.strip() for p in materials.split(",")]
    depth = height - horizon_y

    def ground_spot() -> tuple[float, float, float]:
        y = horizon_y + depth * rng.uniform(0.1, 0.95)
        scale = 0.4 + 0.6 * (y - horizon_y) / max(depth, 1)  # nearer is bigger
        return rng.uniform(0, width), y, scale

    if re.search(r"\b(boulders?|rocks?|stones?|basalt)\b", materials):
        for _ in range(5):
            x, y, k = ground_spot()
            r = height * 0.05 * k
            canvas.ellipse((x - r * 1.4, y - r, x + r * 1.4, y + r * 0.3), (120, 118, 112), line)
    if re.search(r"\b(ferns?|leaves|moss|grass|undergrowth)\b", materials):
        green = next((c for _, c in colour_words(materials) if c[1] > c[0]), (60, 130, 60))
        for _ in range(7):
            x, y, k = ground_spot()
            h = height * 0.09 * k
            for a in (-0.9, -0.45, 0.0, 0.45, 0.9):
                tip = (x + np.sin(a) * h, y - np.cos(a) * h)
                canvas.shape([(x - h * 0.06, y), tip, (x + h * 0.06, y)], green, line * 0.6)
    flower = next((p for p in parts if re.search(r"flowers?|blossoms?|wildflowers|blooms?", p)), "")
    if flower:
        named = colour_words(flower, materials=False)
        colours = [c for _, c in named] or [(240, 240, 236), (240, 200, 60), (220, 120, 160)]
        for i in range(16):
            x, y, k = ground_spot()
            r = max(1.5, height * 0.009 * (0.6 + k))
            stem = max(1, round(r / 2))
            canvas.paint.line([(x, y), (x, y + r * 3)], fill=(60, 120, 50), width=stem)
            canvas.ellipse((x - r, y - r, x + r, y + r), colours[i % len(colours)], line * 0.5)
    if re.search(r"\b(trees?|trunks?|roots)\b", materials) and scene.environment != "forest":
        for _ in range(3):
            x = rng.uniform(0, width)
            h = height * rng.uniform(0.25, 0.45)
            canvas.rect((x - h * 0.03, horizon_y - h * 0.35, x + h * 0.03, horizon_y + 2),
                        (90, 65, 45), line)  # fmt: skip
            canvas.ellipse((x - h * 0.25, horizon_y - h, x + h * 0.25, horizon_y - h * 0.3),
                           (60, 120, 60), line)  # fmt: skip


@dataclass(frozen=True)
class Placement:
    name: str
    x: float  # centre
    feet: float  # y of the feet (may be below the frame)
    height: float  # full figure height in pixels
    from_behind: bool = False
    head_y: float | None = None  # close framings: where the head's centre goes (feet follow)


@dataclass(frozen=True)
class Composition:
    """How one variant frames the scene: where the group stands, the camera height, the lens."""

    centre: float  # the group's centre, as a fraction of the width
    horizon: float  # added to the horizon's height, as a fraction of the frame's
    scale: float  # figure size against the framing's usual size
    mirrored: bool  # over-the-shoulder from the other side


# Variant 0 is the plain framing; the next ones move the camera in clearly different ways, so
# that variants to pick from differ in layout, not in pencil noise.
COMPOSITIONS = (
    Composition(0.5, 0.0, 1.0, False),
    Composition(0.32, 0.08, 1.12, True),
    Composition(0.68, -0.08, 0.88, False),
    Composition(0.42, 0.12, 0.8, True),
)


def composition(seed: int) -> Composition:
    if 0 <= seed < len(COMPOSITIONS):
        return COMPOSITIONS[seed]
    rng = np.random.default_rng(stable_int("composition", seed))
    return Composition(
        float(rng.uniform(0.3, 0.7)),
        float(rng.uniform(-0.1, 0.12)),
        float(rng.uniform(0.8, 1.15)),
        bool(rng.integers(0, 2)),
    )


def _layout(
    scene: Scene,
    width: int,
    height: int,
    horizon_y: float,
    rng: np.random.Generator,
    frame: Composition = COMPOSITIONS[0],
) -> list[Placement]:
    names = scene.characters
    if not names:
        return []
    out: list[Placement] = []
    k = frame.scale
    if scene.framing == "over-the-shoulder":
        back, front = (0.8, 0.38) if frame.mirrored else (0.2, 0.62)
        out.append(Placement(names[0], width * back, height * 2.3, height * 2.6, from_behind=True))
        rest = names[1:] or ()
        for i, name in enumerate(rest[:3]):
            x = width * (front + (0.18 * i if not frame.mirrored else -0.18 * i))
            out.append(Placement(name, x, height * 1.35, height * 1.25 * k))
        return out
    if scene.framing == "close-up":
        shown = names[:2]
        for i, name in enumerate(shown):
            x = frame.centre if len(shown) == 1 else (frame.centre - 0.2 + 0.4 * i)
            out.append(Placement(name, width * x, 0.0, height * 3.2 * k, head_y=height * 0.42))
        return out
    if scene.framing == "medium":
        fig_h, feet, shown = height * 1.25 * k, height * 1.42, names[:3]
    elif scene.framing == "wide":
        fig_h, feet, shown = height * 0.26 * k, horizon_y + (height - horizon_y) * 0.45, names
    else:
        fig_h, feet, shown = height * 0.5 * k, horizon_y + (height - horizon_y) * 0.6, names
    fig_h = min(fig_h, (feet - height * 0.05) / 1.1)  # a closer lens never loses the head
    spacing = min(width / (len(shown) + 1), fig_h * 0.6 + width * 0.08)
    for i, name in enumerate(shown):
        x = width * frame.centre + (i - (len(shown) - 1) / 2) * spacing
        x = min(max(x, width * 0.08), width * 0.92) + rng.normal(0, width * 0.01)
        out.append(Placement(name, x, feet, fig_h))
    return out


def _figure(canvas: Canvas, look: Look, spot: Placement) -> dict[str, Any]:
    """A silhouette figure with a marker-coloured body; returns its box and head box."""
    h = spot.height * look.stature
    head_r = h * 0.072
    x = spot.x
    feet = spot.feet if spot.head_y is None else spot.head_y + h - head_r
    line = max(1.0, h / 120)
    head_cy = feet - h + head_r
    shoulder_y = feet - h * 0.80
    hip_y = feet - h * 0.47
    half_shoulder = h * 0.13 * look.build
    half_hip = h * 0.09 * look.build
    # legs
    for side in (-1, 1):
        leg = [
            (x + side * half_hip * 0.15, hip_y),
            (x + side * half_hip * 0.95, hip_y),
            (x + side * half_hip * 0.75, feet),
            (x + side * half_hip * 0.25, feet),
        ]
        canvas.shape(leg, look.trousers, line)
    # arms
    for side in (-1, 1):
        arm = [
            (x + side * half_shoulder * 0.8, shoulder_y),
            (x + side * half_shoulder * 1.15, shoulder_y + h * 0.02),
            (x + side * half_shoulder * 1.35, hip_y + h * 0.05),
            (x + side * half_shoulder * 1.05, hip_y + h * 0.05),
        ]
        canvas.shape(arm, mix(look.color, (0, 0, 0), 0.15), line)
    torso = [
        (x - half_shoulder, shoulder_y),
        (x + half_shoulder, shoulder_y),
        (x + half_hip, hip_y),
        (x - half_hip, hip_y),
    ]
    canvas.shape(torso, look.color, line)
    if look.accent is not None:  # shoulder patches, a scarf: the garment's second colour
        for side in (-1, 1):
            patch = [
                (x + side * half_shoulder * 0.55, shoulder_y),
                (x + side * half_shoulder * 1.0, shoulder_y),
                (x + side * half_shoulder * 1.05, shoulder_y + h * 0.06),
                (x + side * half_shoulder * 0.6, shoulder_y + h * 0.06),
            ]
            canvas.shape(patch, look.accent, line)
    neck = h * 0.025
    canvas.paint.rectangle((x - neck, head_cy + head_r * 0.7, x + neck, shoulder_y), fill=look.skin)
    head_box = (x - head_r * 0.85, head_cy - head_r, x + head_r * 0.85, head_cy + head_r)
    face = look.hair if spot.from_behind else look.skin
    canvas.ellipse(head_box, face, line)
    _hair(canvas, look, x, head_cy, head_r, line, spot.from_behind)
    if look.helmet:  # a clear bubble helmet: the face shows through
        r = head_r * 1.45
        canvas.ellipse((x - r, head_cy - r, x + r, head_cy + r * 0.95), None, line)
    return {
        "name": look.name,
        "color": look.hex,
        "hair": "#{:02x}{:02x}{:02x}".format(*look.hair),
        "hair_style": look.hair_style,
        "described": look.described,
        "box": [
            round(x - half_shoulder * 1.35),
            round(feet - h),
            round(x + half_shoulder * 1.35),
            round(feet),
        ],
        "head": [round(v) for v in head_box],
        "torso": [round(x - half_hip), round(shoulder_y), round(x + half_hip), round(hip_y)],
        "height": round(h),
        "from_behind": spot.from_behind,
    }


def _hair(
    canvas: Canvas, look: Look, x: float, cy: float, r: float, line: float, behind: bool
) -> None:
    style = look.hair_style
    top = (x - r * 0.9, cy - r * 1.05, x + r * 0.9, cy + r * 0.1)
    if style == "bald":
        return
    if style == "hat":
        canvas.shape(
            [
                (x - r * 1.3, cy - r * 0.55),
                (x + r * 1.3, cy - r * 0.55),
                (x + r * 0.8, cy - r * 0.65),
                (x + r * 0.7, cy - r * 1.5),
                (x - r * 0.7, cy - r * 1.5),
                (x - r * 0.8, cy - r * 0.65),
            ],
            mix(look.color, (20, 20, 20), 0.5),
            line,
        )
        return
    if style == "hood":
        canvas.shape(
            [
                (x - r * 1.15, cy + r * 0.9),
                (x - r * 1.1, cy - r * 0.6),
                (x, cy - r * 1.3),
                (x + r * 1.1, cy - r * 0.6),
                (x + r * 1.15, cy + r * 0.9),
                (x + r * 0.8, cy + r * 0.9),
                (x + r * 0.75, cy - r * 0.3),
                (x - r * 0.75, cy - r * 0.3),
                (x - r * 0.8, cy + r * 0.9),
            ],
            look.color,
            line,
        )
        return
    canvas.paint.chord(top, 180, 360, fill=look.hair)
    if style == "long":
        canvas.shape(
            [
                (x - r * 0.9, cy - r * 0.4),
                (x - r * 1.0, cy + r * 1.3),
                (x - r * 0.6, cy + r * 1.3),
                (x - r * 0.6, cy),
            ],
            look.hair,
            line,
        )
        canvas.shape(
            [
                (x + r * 0.9, cy - r * 0.4),
                (x + r * 1.0, cy + r * 1.3),
                (x + r * 0.6, cy + r * 1.3),
                (x + r * 0.6, cy),
            ],
            look.hair,
            line,
        )
    elif style == "bun":
        canvas.ellipse((x - r * 0.35, cy - r * 1.55, x + r * 0.35, cy - r * 0.85), look.hair, line)
    elif style == "curly":
        for k in range(5):
            bx = x - r * 0.8 + k * r * 0.4
            canvas.ellipse(
                (bx - r * 0.28, cy - r * 1.2, bx + r * 0.28, cy - r * 0.6), look.hair, line
            )
    if behind:
        canvas.paint.ellipse((x - r * 0.85, cy - r, x + r * 0.85, cy + r * 0.9), fill=look.hair)


def _reference_field(
    paths: tuple[Path, ...], width: int, height: int, who: str
) -> NDArray[np.float32] | None:
    """A smooth colour field (coarse layout of each reference, averaged), or None."""
    if not paths:
        return None
    fields = []
    for path in paths:
        image = load_rgb(path, who).resize((4, 3), Image.Resampling.BOX)
        fields.append(np.asarray(image, dtype=np.float32))
    coarse = np.mean(fields, axis=0)
    return np.asarray(
        cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC), dtype=np.float32
    )


@functools.cache
def _hatching(height: int, width: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """The two diagonal hatch patterns for a frame size (the same for every frame: cached)."""
    spacing = max(4, min(width, height) // 40)
    diagonal = np.add.outer(np.arange(height, dtype=np.int32), np.arange(width, dtype=np.int32))
    anti = np.subtract.outer(np.arange(height, dtype=np.int32), np.arange(width, dtype=np.int32))
    return (
        (diagonal % spacing == 0).astype(np.float32),
        (anti % spacing == 0).astype(np.float32),
    )


def _pencil_finish(wash: NDArray[np.uint8], ink: NDArray[np.uint8], seed: int) -> NDArray[np.uint8]:
    """Paper, a light colour wash, pencil edges, hatching in the dark parts, graphite lines.

    All in float32 with OpenCV's per-pixel kernels: this runs once per sketch, at full size.
    """
    height, width = ink.shape
    rng = np.random.default_rng(stable_int("paper", seed))
    grain = rng.standard_normal((height, width), dtype=np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), 0.8) * np.float32(6.0 * 0.38)
    colour = wash.astype(np.float32)
    flat = cv2.transform(colour, np.full((1, 3), 1 / 3, np.float32))
    # paper * 0.38 + (flat + (colour - flat) * 0.8) * 0.62: a little less saturated than marker
    washed = colour * np.float32(0.496) + (flat * np.float32(0.124) + grain)[..., None]
    washed += np.array(PAPER, np.float32) * np.float32(0.38)
    grey = cv2.cvtColor(wash, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (3, 3), 0), 40, 110).astype(np.float32)
    lum = grey.astype(np.float32) * np.float32(1 / 255)
    hatch, cross = _hatching(height, width)
    dark = np.clip((0.45 - lum) * 2.5, 0, 1) * hatch + np.clip((0.25 - lum) * 4.0, 0, 1) * cross
    lines = ink.astype(np.float32) * np.float32(0.9 / 255) + edges * np.float32(0.35 / 255)
    lines = np.clip(lines + dark * np.float32(0.35), 0, 1)
    lines = cv2.GaussianBlur(lines, (0, 0), 0.5)[..., None]
    graphite = np.array(GRAPHITE, np.float32)
    out = washed + (graphite - washed) * lines
    return np.asarray(np.clip(out + 0.5, 0, 255), dtype=np.uint8)


def render_sketch(
    prompt: str,
    width: int,
    height: int,
    references: tuple[Path, ...] = (),
    seed: int = 0,
    who: str = "offline.sketch",
) -> tuple[Image.Image, dict[str, Any]]:
    """The frame and what was drawn (scene reading, character boxes and colours)."""
    scene = read_scene(prompt)
    area_h = height
    rng = np.random.default_rng(stable_int("pencil", seed, prompt))
    canvas = Canvas(
        Image.new("RGB", (width, area_h), PAPER), Image.new("L", (width, area_h), 0), rng
    )
    horizon = {
        "wide": 0.55,
        "full": 0.6,
        "medium": 0.68,
        "close-up": 0.72,
        "over-the-shoulder": 0.66,
    }
    frame = composition(seed)
    horizon_y = area_h * min(0.85, max(0.3, horizon[scene.framing] + frame.horizon))
    _background(canvas, scene, horizon_y, seed)
    if scene.framing in ("close-up", "over-the-shoulder"):  # shallow depth of field
        blurred = cv2.GaussianBlur(np.asarray(canvas.wash), (0, 0), max(1.0, area_h / 90))
        canvas.wash.paste(Image.fromarray(blurred))
        canvas.ink = Image.fromarray(
            cv2.GaussianBlur(np.asarray(canvas.ink), (0, 0), max(1.0, area_h / 90)) // 2
        )
        canvas.pencil = ImageDraw.Draw(canvas.ink)
    field = _reference_field(references, width, area_h, who)
    if field is not None:
        mixed = np.asarray(canvas.wash, np.float32) * 0.5 + field * 0.5
        canvas.wash.paste(Image.fromarray(np.clip(mixed + 0.5, 0, 255).astype(np.uint8)))
    placements = _layout(scene, width, area_h, horizon_y, rng, frame)
    props = _place_props(canvas, scene, placements, horizon_y, frame)
    # Far figures first; the over-the-shoulder back is drawn last, in front.
    order = sorted(placements, key=lambda p: (p.from_behind, p.height))
    drawn: dict[str, dict[str, Any]] = {}
    for spot in order:
        drawn[spot.name] = _figure(canvas, look_from(spot.name, prompt), spot)
    finished = _pencil_finish(np.asarray(canvas.wash), np.asarray(canvas.ink), seed)
    image = Image.fromarray(finished)
    metadata = {
        "environment": scene.environment,
        "time_of_day": scene.time_of_day,
        "framing": scene.framing,
        "setting": scene.setting,
        "composition": seed if 0 <= seed < len(COMPOSITIONS) else "random",
        "horizon": round(horizon_y),
        "characters": [drawn[p.name] for p in placements],
        "props": props,
        "off_screen": [n for n in scene.characters if n not in drawn],
        "references": len(references),
        "label": "storyboard sketch (offline)",
    }
    return image, metadata


def _place_props(
    canvas: Canvas,
    scene: Scene,
    placements: list[Placement],
    horizon_y: float,
    frame: Composition,
) -> list[dict[str, Any]]:
    """A prop reference: the object alone, large. A frame with props: each one in the
    foreground, beside the lead (drawn before the figures, so a figure may stand in front)."""
    if not scene.props:
        return []
    width, height = canvas.size
    out = []
    if scene.prop_reference or not placements:
        size = height * (0.6 if scene.prop_reference else 0.3) * frame.scale
        bottom = min(height * 0.92, horizon_y + (height - horizon_y) * 0.6 + size * 0.15)
        for i, prop in enumerate(scene.props[:3]):
            cx = width * frame.centre + (i - (len(scene.props[:3]) - 1) / 2) * size * 1.1
            out.append(draw_prop(canvas, prop, cx, bottom, size))
        return out
    lead = placements[0]
    size = max(height * 0.08, min(lead.height * 0.22, height * 0.35))
    side = -1 if lead.x > width / 2 else 1
    bottom = min(lead.feet, height * 0.97) if lead.head_y is None else height * 0.97
    for i, prop in enumerate(scene.props[:2]):
        cx = lead.x + side * (lead.height * 0.18 + size * (0.6 + 1.1 * i))
        out.append(draw_prop(canvas, prop, cx, bottom, size))
    return out


class OfflineSketch:
    """``offline.sketch``: a pencil storyboard frame (PNG) from the prompt's structure."""

    def __init__(self) -> None:
        self.info = ProviderInfo(
            id="offline.sketch",
            kind=Kind.IMAGE,
            model="storyboard-sketch",
            version="3",  # 2: no caption burned in; 3: looks, sets, props and layouts as named
            label="Storyboard sketch (offline)",
            capabilities=Capabilities(
                max_references=MAX_REFERENCES, size_multiple=2, max_size=(4096, 4096)
            ),
            pricing=Free(),
            queue="cpu",
            offline=True,
        )

    def generate(self, request: Request, ctx: RunContext) -> Output:
        who = self.info.id
        if not isinstance(request, ImageRequest):
            raise CapabilityError(f"expects an image request, got {request.kind}", provider=who)
        if request.width < 16 or request.height < 16:
            raise CapabilityError(f"{request.width}x{request.height} is too small", provider=who)
        if ctx.cancelled():
            raise Canceled("canceled", provider=who)
        references = request.references[:MAX_REFERENCES]
        dropped = request.references[MAX_REFERENCES:]
        ctx.progress(0.0, "reading the prompt")
        image, metadata = render_sketch(
            request.prompt, request.width, request.height, references, request.seed or 0, who
        )
        if ctx.cancelled():
            raise Canceled("canceled", provider=who)
        ctx.progress(0.9, "saving")
        params = request_params(request)
        name = output_name("sketch", ".png", params, input_files(request))
        path = Path(ctx.workdir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, format="PNG")
        ctx.progress(1.0, "done")
        return Output(
            path=path,
            mime="image/png",
            width=request.width,
            height=request.height,
            dropped_references=dropped,
            metadata=metadata,
        )


__all__ = [
    "Look",
    "OfflineSketch",
    "Scene",
    "character_names",
    "composition",
    "look_for",
    "look_from",
    "read_scene",
    "render_sketch",
]
