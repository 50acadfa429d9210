"""The storyboard contact sheet: N + 1 labelled tiles in a grid under a title."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from shotline.film.sheet import boundary_labels, contact_sheet, sheet_layout


def colours(count: int) -> list[tuple[int, int, int]]:
    return [((37 * i) % 200 + 40, (91 * i) % 200 + 40, (53 * i) % 200 + 40) for i in range(count)]


@pytest.fixture
def keyframes(tmp_path: Path) -> list[Path]:
    paths = []
    for i, colour in enumerate(colours(11)):  # 10 segments, 11 boundaries
        path = tmp_path / f"k{i}.png"
        Image.new("RGB", (160, 90), colour).save(path)
        paths.append(path)
    return paths


def test_labels_name_the_segments_each_boundary_joins() -> None:
    labels = boundary_labels(11)
    assert labels[0] == "K0 · opens 1"
    assert labels[3] == "K3 · 3|4"
    assert labels[10] == "K10 · closes 10"
    assert boundary_labels(1) == ["K0"]
    assert boundary_labels(2) == ["K0 · opens 1", "K1 · closes 1"]


def test_sheet_has_the_grid_size_and_one_tile_per_keyframe(
    tmp_path: Path, keyframes: list[Path]
) -> None:
    out = contact_sheet(keyframes, tmp_path / "sheet" / "board.png", columns=4, tile_width=160)
    layout = sheet_layout(11, 4, 160, (160, 90))
    assert layout.rows == 3
    with Image.open(out) as image:
        assert image.size == layout.size
        sheet = image.convert("RGB")
    for i, colour in enumerate(colours(11)):
        left, top, right, bottom = layout.tile_box(i)
        centre = sheet.getpixel(((left + right) // 2, (top + bottom) // 2))
        assert centre == colour, i
    # The twelfth cell of the grid stays empty background.
    left, top, right, bottom = layout.tile_box(11)
    assert sheet.getpixel(((left + right) // 2, (top + bottom) // 2)) != colours(12)[11]
    assert [p.name for p in out.parent.iterdir()] == ["board.png"]  # atomic: no temp left


def test_keyframes_of_another_size_are_scaled_into_the_tile(tmp_path: Path) -> None:
    small = tmp_path / "small.png"
    tall = tmp_path / "tall.png"
    Image.new("RGB", (80, 45), (200, 0, 0)).save(small)
    Image.new("RGB", (45, 80), (0, 200, 0)).save(tall)
    out = contact_sheet([small, tall], tmp_path / "s.png", columns=2, tile_width=160)
    layout = sheet_layout(2, 2, 160, (80, 45))
    with Image.open(out) as image:
        sheet = image.convert("RGB")
        assert sheet.size == layout.size
    left, top, right, bottom = layout.tile_box(0)
    assert sheet.getpixel((left + 2, top + 2)) == (200, 0, 0)  # scaled up to fill the tile
    left, top, right, bottom = layout.tile_box(1)
    assert sheet.getpixel((left + 2, (top + bottom) // 2)) == (0, 0, 0)  # letterboxed
    assert sheet.getpixel(((left + right) // 2, (top + bottom) // 2)) == (0, 200, 0)


def test_custom_labels_must_match(tmp_path: Path, keyframes: list[Path]) -> None:
    with pytest.raises(ValueError, match="labels"):
        contact_sheet(keyframes, tmp_path / "s.png", labels=["only one"])
    with pytest.raises(ValueError, match="no keyframes"):
        contact_sheet([], tmp_path / "s.png")


def test_long_labels_are_shortened_to_their_tile() -> None:
    from shotline import fonts
    from shotline.film.sheet import _fit

    label = "environment:lighthouse-lamp-room=0"
    short = _fit(label, 14, 160)
    assert fonts.text_width(short, 14) <= 160
    assert short.startswith("env") and short.endswith("=0") and "…" in short
    assert _fit("K3=1", 14, 160) == "K3=1"
