"""Which writing system and language a piece of text is in, from its characters alone.

Fonts (``shotline.fonts``), the offline speech voice and the offline draft writer all need to know
whether text is Japanese, Arabic or Latin-script, and none of them may call a model to find out.
The Unicode block of each letter says the script; a few scripts name one language outright
(kana: Japanese; Hangul: Korean), Han alone reads as Chinese, and Latin letters say nothing more
than "a Latin-script language" (English unless told otherwise).
"""

from __future__ import annotations

import unicodedata
from collections import Counter

# (script, [(first, last code point), ...]); the first matching range wins.
_RANGES: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("kana", ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))),
    ("han", ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))),
    ("hangul", ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))),
    ("arabic", ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                (0xFE70, 0xFEFF))),
    ("hebrew", ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))),
    ("cyrillic", ((0x0400, 0x052F),)),
    ("greek", ((0x0370, 0x03FF), (0x1F00, 0x1FFF))),
    ("devanagari", ((0x0900, 0x097F),)),
    ("thai", ((0x0E00, 0x0E7F),)),
    ("latin", ((0x0041, 0x005A), (0x0061, 0x007A), (0x00C0, 0x024F), (0x1E00, 0x1EFF))),
)  # fmt: skip

# A script's language when the script names one (for the rest: None, say nothing).
_LANGUAGE = {
    "kana": "ja",
    "han": "zh",
    "hangul": "ko",
    "arabic": "ar",
    "hebrew": "he",
    "cyrillic": "ru",
    "greek": "el",
    "devanagari": "hi",
    "thai": "th",
    "latin": "en",
}
RTL_SCRIPTS = frozenset(("arabic", "hebrew"))
NAMES = {"ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ar": "Arabic", "he": "Hebrew",
         "ru": "Russian", "el": "Greek", "hi": "Hindi", "th": "Thai", "en": "English"}  # fmt: skip


def script_of_char(char: str) -> str | None:
    """The script of one letter, or None for digits, punctuation, spaces and symbols."""
    point = ord(char)
    for script, ranges in _RANGES:
        if any(first <= point <= last for first, last in ranges):
            # Punctuation inside a block (the Arabic comma, the katakana middle dot) is no
            # evidence of a language on its own; letters and marks are.
            return script if unicodedata.category(char)[0] in "LM" else None
    return None


def scripts(text: str) -> Counter[str]:
    """How many letters of each script the text has."""
    return Counter(s for s in map(script_of_char, text) if s is not None)


def language_of(text: str) -> str:
    """An ISO 639-1 code for the text's main language: ``en`` when nothing says otherwise.

    Any kana makes Japanese text Japanese, however many Han characters it has (Japanese writes
    most nouns in Han); otherwise the script with the most letters decides.
    """
    counts = scripts(text)
    if not counts:
        return "en"
    if counts.get("kana"):
        return "ja"
    script, _ = counts.most_common(1)[0]
    return _LANGUAGE.get(script, "en")


def language_name(code: str) -> str:
    return NAMES.get(code, code)


def is_rtl(text: str) -> bool:
    """True when the first letter with a direction is right-to-left (the paragraph's base)."""
    for char in text:
        script = script_of_char(char)
        if script is not None:
            return script in RTL_SCRIPTS
    return False


def uses_spaces(text: str) -> bool:
    """False for text in scripts that do not put spaces between words (Japanese, Chinese, Thai)."""
    counts = scripts(text)
    spaceless = counts.get("kana", 0) + counts.get("han", 0) + counts.get("thai", 0)
    return spaceless * 2 < sum(counts.values()) if counts else True


__all__ = ["is_rtl", "language_name", "language_of", "script_of_char", "scripts", "uses_spaces"]
