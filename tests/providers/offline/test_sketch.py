from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shotline.providers.contracts import ImageRequest, SimpleContext
from shotline.providers.offline.sketch import OfflineSketch, character_names, look_for, read_scene

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
