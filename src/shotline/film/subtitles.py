"""Subtitles from the narration's clock: a WebVTT and an SRT file beside the film, and a
``mov_text`` stream inside the MP4.

The words on screen come from the script, never from the pictures: each spoken line (narration or
dialogue) is one cue, timed exactly where its speech sits in the master track. A long line is cut
into cues of at most two short lines each, its time shared by length, so that a cue is never more
than a reader takes in at once. Dialogue cues name their speaker.

MP4 carries text subtitles as 3GPP timed text (``mov_text``, the one text codec the format
defines); ffmpeg converts SubRip to it in a stream copy of the picture and sound.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from shotline.files import atomic_path, write_atomic
from shotline.film.timing import Span
from shotline.language import language_of, uses_spaces
from shotline.media.ffmpeg import run_ffmpeg

MAX_LINE = 42  # characters per subtitle line (the common broadcast limit)
MAX_LINE_SPACELESS = 16  # Japanese and Chinese: characters are wider, lines shorter
# ISO 639-2 codes for the MP4's language tag (it takes three letters).
ISO_639_2 = {"en": "eng", "ja": "jpn", "zh": "zho", "ko": "kor", "ar": "ara", "he": "heb",
             "ru": "rus", "el": "ell", "hi": "hin", "th": "tha"}  # fmt: skip


@dataclass(frozen=True)
class SpokenLine:
    text: str
    speaker: str | None = None  # a character's name; None for the narrator


@dataclass(frozen=True)
class Cue:
    start: Fraction
    end: Fraction
    text: str  # may hold one line break


def _pieces(text: str) -> list[str]:
    """Words, or characters for text written without spaces (with its punctuation attached)."""
    if uses_spaces(text):
        return text.split()
    out: list[str] = []
    for char in text.replace(" ", ""):
        if out and char in "、。，．！？」』）":
            out[-1] += char
        else:
            out.append(char)
    return out


def _lines(text: str, limit: int | None = None) -> list[str]:
    """Subtitle lines of at most ``limit`` (``MAX_LINE``) characters, broken between words."""
    spaced = uses_spaces(text)
    limit = limit or (MAX_LINE if spaced else MAX_LINE_SPACELESS)
    joiner = " " if spaced else ""
    lines: list[str] = []
    current = ""
    for piece in _pieces(text):
        trial = f"{current}{joiner if current else ''}{piece}"
        if len(trial) <= limit or not current:
            current = trial
        else:
            lines.append(current)
            current = piece
    if current:
        lines.append(current)
    return lines


def _balanced(text: str) -> list[str]:
    """As few lines as ``_lines`` gives, but of even lengths (no one-word last line)."""
    rows = _lines(text)
    for limit in range(max(1, -(-len(text) // len(rows))), max(len(r) for r in rows)):
        even = _lines(text, limit)
        if len(even) == len(rows):
            return even
    return rows


def _blocks(text: str) -> list[str]:
    """Cue texts of at most two lines: whole sentences together while they fit, a sentence
    too long for one cue cut into balanced two-line pieces."""
    sentences = [s for s in re.split(r"(?<=[.!?。！？])\s*", text) if s.strip()]
    joiner = " " if uses_spaces(text) else ""
    grouped: list[str] = []
    for sentence in sentences:
        trial = f"{grouped[-1]}{joiner}{sentence}" if grouped else sentence
        if grouped and len(_lines(trial)) <= 2:
            grouped[-1] = trial
        else:
            grouped.append(sentence)
    out: list[str] = []
    for group in grouped:
        rows = _balanced(group)
        out += ["\n".join(rows[k : k + 2]) for k in range(0, len(rows), 2)]
    return out


def cues(lines: Sequence[SpokenLine], spans: Sequence[Span]) -> list[Cue]:
    """One or more cues per spoken line, inside that line's ``[start, end)`` on the track."""
    if len(lines) != len(spans):
        raise ValueError(f"{len(lines)} lines for {len(spans)} timed spans")
    out: list[Cue] = []
    for line, (start, end) in zip(lines, spans, strict=True):
        text = " ".join(line.text.split())
        if not text or end <= start:
            continue
        if line.speaker:
            text = f"{line.speaker}: {text}"
        blocks = _blocks(text)
        weights = [max(1, len(block)) for block in blocks]
        total, done = sum(weights), 0
        for block, weight in zip(blocks, weights, strict=True):
            a = start + (end - start) * Fraction(done, total)
            done += weight
            b = start + (end - start) * Fraction(done, total)
            out.append(Cue(a, b, block))
    return out


def _stamp(t: Fraction, separator: str) -> str:
    millis = round(t * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _clean(text: str) -> str:
    # A blank line ends a cue in both formats, and "-->" would read as a timing line.
    return re.sub(r"\n\s*\n", "\n", text).replace("-->", "->")


def to_srt(items: Sequence[Cue]) -> str:
    blocks = [
        f"{k}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{_clean(c.text)}\n"
        for k, c in enumerate(items, start=1)
    ]
    return "\n".join(blocks)


def to_webvtt(items: Sequence[Cue]) -> str:
    blocks = [f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{_clean(c.text)}\n" for c in items]
    return "\n".join(["WEBVTT\n", *blocks])


def subtitle_language(lines: Sequence[SpokenLine]) -> str:
    """The ISO 639-2 tag of the lines' language (``eng`` when nothing says otherwise)."""
    return ISO_639_2.get(language_of(" ".join(line.text for line in lines)), "und")


def write_subtitles(items: Sequence[Cue], video: Path) -> tuple[Path, Path]:
    """``film.vtt`` and ``film.srt`` beside ``film.mp4``."""
    vtt, srt = video.with_suffix(".vtt"), video.with_suffix(".srt")
    write_atomic(vtt, to_webvtt(items).encode("utf-8"))
    write_atomic(srt, to_srt(items).encode("utf-8"))
    return vtt, srt


def mux_subtitles(video: Path, srt: Path, language: str) -> None:
    """Add ``srt`` to ``video`` as its subtitle stream (``mov_text``), picture and sound copied.

    Any subtitle stream the file had is replaced, so muxing again after an edit never stacks them.
    """
    with atomic_path(video) as partial:
        args = ["-i", str(video), "-i", str(srt), "-map", "0:v", "-map", "0:a?", "-map", "1:s"]
        args += ["-c:v", "copy", "-c:a", "copy", "-c:s", "mov_text"]
        args += ["-metadata:s:s:0", f"language={language}", "-movflags", "+faststart"]
        run_ffmpeg([*args, "-f", "mp4", str(partial)])


__all__ = [
    "Cue",
    "SpokenLine",
    "cues",
    "mux_subtitles",
    "subtitle_language",
    "to_srt",
    "to_webvtt",
    "write_subtitles",
]
