from __future__ import annotations

import colorsys
import itertools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shotline.providers.contracts import ImageRequest, SimpleContext
from shotline.providers.offline.sketch import (
    OfflineSketch,
    character_names,
    look_for,
    read_scene,
    render_sketch,
)
from shotline.story.prompts import character_reference_prompt, prop_reference_prompt
from shotline.story.script import Script

W, H = 160, 96


def sketch(ctx: SimpleContext, prompt: str, **kw: object) -> tuple[np.ndarray, dict]:  # type: ignore[type-arg]
    out = OfflineSketch().generate(ImageRequest(prompt=prompt, width=W, height=H, **kw), ctx)  # type: ignore[arg-type]
    assert out.path is not None and out.path.suffix == ".png" and out.mime == "image/png"
    with Image.open(out.path) as image:
        assert image.size == (W, H)
        return np.asarray(image.convert("RGB")), dict(out.metadata)


def test_reads_the_prompt() -> None:
    scene = read_scene("Wide establishing shot: Mara and Theo cross a forest at night.")
    assert (scene.environment, scene.time_of_day, scene.framing) == ("forest", "night", "wide")
    assert scene.characters == ("Mara", "Theo")
    assert read_scene("Close up on Ines in the kitchen").framing == "close-up"
    assert read_scene("over-the-shoulder on Bo").framing == "over-the-shoulder"
    assert character_names("Characters: Ada Vance, Bo and Cy. The rover stops.") == (
        "Ada Vance", "Bo", "Cy",
    )  # fmt: skip
    # sentence-initial words are not names unless they are names elsewhere
    assert character_names("The rover stops. Mara waves at Theo. Later Mara sits.") == (
        "Mara", "Theo",
    )  # fmt: skip


def test_deterministic(ctx: SimpleContext) -> None:
    a, _ = sketch(ctx, "Mara walks through the desert at dusk", seed=4)
    b, _ = sketch(ctx, "Mara walks through the desert at dusk", seed=4)
    c, _ = sketch(ctx, "Mara walks through the desert at dusk", seed=5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_same_character_same_colours(ctx: SimpleContext) -> None:
    one, meta1 = sketch(ctx, "Medium shot: Mara talks to Theo on a city street", seed=1)
    two, meta2 = sketch(ctx, "Medium shot: a forest at night, Mara alone", seed=9)
    m1 = next(c for c in meta1["characters"] if c["name"] == "Mara")
    m2 = next(c for c in meta2["characters"] if c["name"] == "Mara")
    assert m1["color"] == m2["color"] == look_for("mara").hex

    def torso_colour(pixels: np.ndarray, box: list[int]) -> np.ndarray:  # type: ignore[type-arg]
        x0, y0, x1, y1 = box
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        return pixels[cy - 2 : cy + 3, cx - 2 : cx + 3].reshape(-1, 3).mean(axis=0)

    diff = np.abs(torso_colour(one, m1["torso"]) - torso_colour(two, m2["torso"]))
    assert diff.max() < 25
    assert look_for("Mara") != look_for("Theo")


def test_framing_changes_figure_size(ctx: SimpleContext) -> None:
    _, wide = sketch(ctx, "Wide shot of Mara in a field")
    _, close = sketch(ctx, "Close-up of Mara in a field")
    assert close["characters"][0]["height"] > 4 * wide["characters"][0]["height"]


def test_references_tint_the_palette(ctx: SimpleContext, tmp_path: Path) -> None:
    red = tmp_path / "red.png"
    Image.new("RGB", (40, 30), (220, 20, 20)).save(red)
    plain, _ = sketch(ctx, "Wide shot of Theo in a desert", seed=2)
    tinted, meta = sketch(ctx, "Wide shot of Theo in a desert", seed=2, references=(red,))
    assert meta["references"] == 1
    area = slice(0, int(H * 0.8))
    shift = tinted[area].astype(float).mean(axis=(0, 1)) - plain[area].astype(float).mean(
        axis=(0, 1)
    )
    assert shift[0] - shift[1] > 20  # redder


def test_references_over_the_cap_are_dropped(ctx: SimpleContext, tmp_path: Path) -> None:
    paths = []
    for i in range(6):
        path = tmp_path / f"ref{i}.png"
        Image.new("RGB", (8, 8), (i * 40, 80, 80)).save(path)
        paths.append(path)
    out = OfflineSketch().generate(
        ImageRequest(prompt="Bo", width=W, height=H, references=tuple(paths)), ctx
    )
    assert out.dropped_references == tuple(paths[4:])


def test_no_characters_still_draws(ctx: SimpleContext) -> None:
    pixels, meta = sketch(ctx, "an empty beach at sunset")
    assert meta["characters"] == [] and meta["environment"] == "ocean"
    assert pixels.std() > 10


@pytest.mark.parametrize("size", [(640, 360), (96, 160)])
def test_other_sizes(tmp_path: Path, size: tuple[int, int]) -> None:
    out = OfflineSketch().generate(
        ImageRequest(
            prompt="Over the shoulder: Mara faces Theo on the moon", width=size[0], height=size[1]
        ),
        SimpleContext(tmp_path),
    )
    assert out.path is not None
    with Image.open(out.path) as image:
        assert image.size == size


# -- what the prompt names is what is drawn ------------------------------------------------------

BIG = (320, 180)


def draw(prompt: str, seed: int = 0) -> tuple[np.ndarray, dict]:  # type: ignore[type-arg]
    image, meta = render_sketch(prompt, *BIG, seed=seed)
    return np.asarray(image.convert("RGB")), meta


def region(pixels: np.ndarray, box: list[int]) -> np.ndarray:  # type: ignore[type-arg]
    x0, y0, x1, y1 = box
    return pixels[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)].reshape(-1, 3)


def dominant(pixels: np.ndarray) -> tuple[float, float, float]:  # type: ignore[type-arg]
    """(hue in degrees, saturation, value) of the median colour of some pixels."""
    r, g, b = (float(v) / 255 for v in np.median(pixels, axis=0))
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    return h * 360, s, v


def portrait(name: str, **appearance: str) -> str:
    script = Script.model_validate({
        "title": "t", "characters": [{"id": name.lower(), "name": name, "appearance": appearance}],
        "environments": [{"id": "set", "name": "Set"}],
        "scenes": [{"id": "s", "environment": "set", "segments": [{"id": "a", "action": "x"}]}],
    })  # fmt: skip
    return character_reference_prompt(script, script.characters[0])


def test_clothing_colour_and_hair_come_from_the_description() -> None:
    coat = "a faded yellow oilskin coat over a cable-knit jumper, rubber boots"
    oilskin, meta = draw(portrait("Noor", clothing=coat, hair="short silver hair"))
    figure = meta["characters"][0]
    hue, saturation, _ = dominant(region(oilskin, figure["torso"]))
    assert 38 <= hue <= 65 and saturation > 0.3  # yellow, not the name's own colour
    assert figure["described"] and figure["hair_style"] == "short"

    suit, meta = draw(portrait("Ravi", clothing="a scuffed white pressure suit with orange "
                               "shoulder patches", hair="short cropped black hair"))  # fmt: skip
    figure = meta["characters"][0]
    _, saturation, value = dominant(region(suit, figure["torso"]))
    assert saturation < 0.12 and value > 0.8  # white
    x0, y0, x1, y1 = figure["head"]
    crown = region(suit, [x0 + (x1 - x0) // 4, y0 + 1, x1 - (x1 - x0) // 4, y0 + (y1 - y0) // 5])
    face = region(suit, [x0 + (x1 - x0) // 3, (y0 + y1) // 2, x1 - (x1 - x0) // 3, y1 - 2])
    hair, skin = np.median(crown, axis=0), np.median(face, axis=0)
    assert hair.max() < 120 and skin.mean() > hair.mean() + 50  # black hair over the face
    top = region(suit, [figure["torso"][0], figure["torso"][1], figure["torso"][2],
                        figure["torso"][1] + 3])  # fmt: skip
    orange = (top[:, 0] > 180) & (top[:, 1] > 90) & (top[:, 1] < 170) & (top[:, 2] < 110)
    assert orange.any()  # the shoulder patches
    # Undescribed, the same name keeps its own colour: the description is what changed it.
    _, meta = draw("Character reference portrait of Ravi.\nCharacters: Ravi")
    assert meta["characters"][0]["color"] == look_for("Ravi").hex != figure["color"]


def test_a_prop_reference_shows_the_prop() -> None:
    def prop_prompt(description: str) -> str:
        script = Script.model_validate({
            "title": "t", "environments": [{"id": "set", "name": "Set"}],
            "props": [{"id": "p", "name": "Seedling", "description": description}],
            "scenes": [{"id": "s", "environment": "set", "segments": [{"id": "a", "action": "x"}]}],
        })  # fmt: skip
        return prop_reference_prompt(script, script.props[0])

    pixels, meta = draw(prop_prompt("a single green seedling in a dented metal cup"))
    (prop,) = meta["props"]
    assert prop["kind"] == "plant" and meta["environment"] == "studio"
    inside = region(pixels, prop["box"]).astype(int)
    green = (inside[:, 1] > inside[:, 0] + 25) & (inside[:, 1] > inside[:, 2] + 15)
    assert green.sum() > 150  # the seedling's leaves
    grey = (np.abs(inside[:, 0] - inside[:, 2]) < 12) & (inside[:, 0] > 110) & (inside[:, 0] < 190)
    assert grey.sum() > 150  # the metal cup
    # Outside the prop, the plain backdrop: (almost) no green anywhere else.
    every = pixels.reshape(-1, 3).astype(int)
    everywhere = ((every[:, 1] > every[:, 0] + 25) & (every[:, 1] > every[:, 2] + 15)).sum()
    assert everywhere - green.sum() < green.sum() / 10
    _, meta = draw(prop_prompt("a wrist-mounted oxygen gauge").replace("Seedling", "Gauge"))
    assert meta["props"][0]["kind"] == "dial"


def test_the_named_setting_wins_over_other_words() -> None:
    moment = ("Boundary frame between segment 7 and segment 8. It ends: Ravi, the astronaut "
              "stranded on the moon, climbs out of the crater. It begins: Ravi kneels. "
              "Camera: wide shot, 16:9. ")  # fmt: skip
    garden = (
        "Setting: Hidden garden (lighting: soft diffuse light; materials: moss, young "
        "ferns, small white flowers; palette: deep greens, soft yellow, earth brown). "
    )
    lunar = ("Setting: Lunar plain (lighting: hard white sunlight; materials: fine grey "
             "regolith, basalt boulders; palette: ash grey, bone white, black). ")  # fmt: skip
    tail = "In frame: Ravi (wearing a white suit).\nCharacters: Ravi"
    green, meta = draw(moment + garden + tail)
    assert (meta["environment"], meta["setting"]) == ("garden", "Hidden garden")
    grey, meta = draw(moment + lunar + tail)
    assert (meta["environment"], meta["setting"]) == ("moon", "Lunar plain")
    below = slice(int(BIG[1] * 0.75), BIG[1])
    r, g, b = green[below].reshape(-1, 3).mean(axis=0)
    assert g > r + 20 and g > b + 20  # a green garden floor
    r, g, b = grey[below].reshape(-1, 3).mean(axis=0)
    assert max(r, g, b) - min(r, g, b) < 15  # grey regolith
    # The set's flowers are drawn in the colour the materials give them (white)
    white = (green[below].reshape(-1, 3) > 215).all(axis=1)
    assert white.sum() > 10


def test_variants_differ_in_composition() -> None:
    prompt = ("Opening frame. Camera: full shot. Setting: Lunar plain (palette: ash grey). "
              "In frame: Mara (wearing a red coat); Theo (wearing a blue coat).\n"
              "Characters: Mara, Theo")  # fmt: skip
    frames = [draw(prompt, seed) for seed in range(3)]
    centres = []
    for pixels, _ in frames:
        red = pixels.astype(int)
        mask = (red[..., 0] > red[..., 1] + 50) & (red[..., 0] > red[..., 2] + 50)  # a red coat
        assert mask.sum() > 30
        centres.append(float(np.nonzero(mask)[1].mean()))
    # Mara stands in clearly different places, measured on the pixels ...
    for a, b in itertools.combinations(centres, 2):
        assert abs(a - b) > BIG[0] * 0.08
    # ... and the horizon (the camera height) moves too.
    horizons = [meta["horizon"] for _, meta in frames]
    assert len(set(horizons)) == 3
