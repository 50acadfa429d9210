"""Text in any script is drawn with a font that has its glyphs: no tofu boxes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, features

from shotline import fonts
from shotline.film.sheet import contact_sheet
from shotline.language import is_rtl, language_of
from shotline.providers.offline.interpolate import title_card

JAPANESE = "月に取り残された宇宙飛行士"
ARABIC = "رائد فضاء عالق على القمر"
OTHER_SCRIPTS = (  # the other languages eSpeak speaks for us
    ("אסטרונאוט על הירח", "Heebo"),
    ("นักบินอวกาศบนดวงจันทร์", "Noto Sans Thai"),
    ("चाँद पर अंतरिक्ष यात्री", "Noto Sans"),
)
NOT_A_CHARACTER = "\U0010fffe"  # no font maps it: what each font draws for a missing glyph


def ink(text: str, face: fonts.Face, size: int = 32) -> np.ndarray:  # type: ignore[type-arg]
    image = Image.new("L", (size * (len(text) + 2), size * 2), 0)
    ImageDraw.Draw(image).text((size // 2, size // 2), text, font=fonts.truetype(face.path, size),
                               fill=255)  # fmt: skip
    return np.asarray(image)


def test_the_chosen_font_has_every_glyph() -> None:
    for text, font_name in ((JAPANESE, "Noto Sans CJK JP"), (ARABIC, "Noto Sans Arabic"),
                            ("Mara walks", "Noto Sans"), *OTHER_SCRIPTS):  # fmt: skip
        assert fonts.missing_glyphs(text) == ""
        (chunk, face), *rest = fonts.runs(text)
        assert not rest and chunk == text and face.name == font_name
        tofu = ink(NOT_A_CHARACTER, face)
        for char in set(text) - {" "}:
            assert face.covers(char)
            drawn = ink(char, face)
            assert drawn.any() and not np.array_equal(drawn, tofu), char  # a real glyph
    # Distinct kanji draw distinct glyphs (tofu would draw one box for all of them)
    face = fonts.face_for("月")
    assert face is not None
    assert len({ink(c, face).tobytes() for c in JAPANESE}) == len(set(JAPANESE))


def test_arabic_is_shaped_right_to_left() -> None:
    assert is_rtl(ARABIC) and language_of(ARABIC) == "ar" and language_of(JAPANESE) == "ja"
    assert features.check_feature("raqm")  # libraqm: joined letters, right-to-left
    face = fonts.face_for("ق")
    assert face is not None
    font = fonts.truetype(face.path, 32)
    # Joined (contextual) forms make the word narrower than its letters set apart.
    word = "القمر"
    assert font.getlength(word) < sum(font.getlength(c) for c in word) * 0.95


def test_mixed_scripts_keep_one_baseline_and_wrap_japanese() -> None:
    image = Image.new("L", (600, 80), 0)
    box = fonts.draw_text(ImageDraw.Draw(image), (10, 10), "Mara · 宇宙 · Mara", 28, 255)
    assert box[2] > 10 and np.asarray(image).any()
    assert [face.name for _, face in fonts.runs("Mara 宇宙")] == ["Noto Sans", "Noto Sans CJK JP"]
    lines = fonts.wrap("月に取り残された宇宙飛行士が歩き回り、自然を見つける。", 24, 200, 5)
    assert (
        len(lines) > 1
        and "".join(lines) == "月に取り残された宇宙飛行士が歩き回り、自然を見つける。"
    )
    assert not any(line.startswith(("、", "。")) for line in lines)


def test_title_cards_and_sheets_draw_any_script(tmp_path: Path) -> None:
    folder = tmp_path
    card = np.asarray(title_card(JAPANESE, 320, 180, 0).convert("L")).astype(int)
    assert (card > 150).sum() > 300  # the text is there, in light ink
    frame = folder / "k.png"
    Image.new("RGB", (64, 36), (90, 90, 90)).save(frame)
    sheet = contact_sheet([frame, frame], folder / "sheet.png", title=ARABIC)
    assert sheet.is_file()
