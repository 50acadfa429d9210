"""CMX 3600 EDLs: written here, read through the OTIO cmx_3600 adapter after a check.

Why we write them ourselves (otio-cmx3600-adapter 1.0.0, ``cmx_3600.py``): ``_reel_from_clip``
keeps spaces in reel names ("a b" for "a b.mov"), which splits the event line so a reader makes
up a track from half the name; ``EventLine.to_edl_format`` calls ``to_timecode`` without
``drop_frame``, so 29.97 and 59.94 are always drop-frame; and no ``FCM`` line says which.

EDLs do not record their rate. We state ours in a comment under the first event (a comment
before any event stops the OTIO reader with "Unknown event type"); other EDLs need the rate
from the user, except drop-frame ones, which can only be 29.97 or 59.94.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Any

import opentimelineio as otio

from shotline.interchange.errors import InterchangeError
from shotline.timeline.timecode import RateError, format_rate, parse_rate

RATE_COMMENT = "SHOTLINE RATE:"
DROP_FRAME_RATES = (Fraction(30000, 1001), Fraction(60000, 1001))
_RESERVED_REELS = {"BL", "BLACK", "BARS"}  # the reader turns these into generated black/bars
_EVENT = re.compile(r"^\d+\s")
_TIMECODE = re.compile(r"^(\d\d):(\d\d):(\d\d)([:;.,])(\d\d)$")
_STATED = re.compile(r"^\*\s*" + RATE_COMMENT + r"\s*(\S+)\s*$", re.MULTILINE)


def reel_name(clip_name: str, source: str | None) -> str:
    """Up to 8 letters, digits or underscores, as CMX readers expect; ``AX`` when none fit."""
    base = PurePosixPath((source or clip_name).replace("\\", "/")).stem or clip_name
    reel = re.sub(r"[^A-Za-z0-9_]", "", base)[:8]
    return "AX" if not reel or reel.upper() in _RESERVED_REELS else reel


def default_drop_frame(rate: Fraction) -> bool:
    """NTSC video is cut in drop-frame timecode unless asked otherwise."""
    return rate in DROP_FRAME_RATES


def write(
    name: str,
    track: Any,
    rate: Fraction,
    *,
    drop_frame: bool,
    has_sound: Callable[[Any], bool],
) -> str:
    """The EDL of one conformed OTIO video track; clips with sound go on channel ``B``."""
    if drop_frame and rate not in DROP_FRAME_RATES:
        raise InterchangeError(f"drop-frame timecode exists only at 29.97 and 59.94, not {rate}")
    fps = float(rate)

    def tc(frames: float) -> str:
        time = otio.opentime.RationalTime(round(frames), fps)
        text: str = otio.opentime.to_timecode(time, fps, drop_frame)
        return text

    lines = [f"TITLE: {name}", f"FCM: {'DROP FRAME' if drop_frame else 'NON-DROP FRAME'}", ""]
    number = 0
    for index, child in enumerate(track):
        if not isinstance(child, otio.schema.Clip):
            continue  # gaps are record-time jumps; dissolves are not modelled
        number += 1
        placed = track.range_of_child_at_index(index)
        source = child.source_range
        reference = child.media_reference
        url = getattr(reference, "target_url", None) if not reference.is_missing_reference else None
        channel = "B" if has_sound(child) else "V"
        record_in, record_out = placed.start_time.value, placed.end_time_exclusive().value
        source_in = source.start_time.value
        source_out = source_in + (record_out - record_in)
        lines.append(
            f"{number:03d}  {reel_name(child.name, url):<8} {channel:<5} C        "
            f"{tc(source_in)} {tc(source_out)} {tc(record_in)} {tc(record_out)}"
        )
        lines.append(f"* FROM CLIP NAME: {child.name}")
        if url:
            lines.append(f"* FROM CLIP: {url}")
        if number == 1:
            lines.append(f"* {RATE_COMMENT} {format_rate(rate)}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Readable:
    text: str  # timecodes rewritten the way the OTIO reader parses them
    rate: Fraction
    drop_frame: bool


def readable(text: str, rate: Fraction | None) -> Readable:
    """Decide the EDL's rate (told, stated, or drop-frame) and check every timecode against it."""
    stated = _stated_rate(text)
    if rate is not None and stated is not None and rate != stated:
        raise InterchangeError(
            f"the EDL says it is {format_rate(stated)} fps, but {format_rate(rate)} was asked"
        )
    events = [line for line in text.splitlines() if _EVENT.match(line.strip())]
    drop_marked = any(";" in line for line in events) or re.search(
        r"^FCM:\s*DROP", text, re.MULTILINE
    )
    chosen = rate or stated
    if chosen is None:
        if not drop_marked:
            raise InterchangeError(
                "an EDL does not record its frame rate: say which (import --fps, or rate=)"
            )
        frame_fields = [int(m.group(5)) for m in _timecodes(events)]
        chosen = DROP_FRAME_RATES[1] if max(frame_fields, default=0) >= 30 else DROP_FRAME_RATES[0]
    nominal = math.ceil(chosen)
    out, drop = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("FCM:"):
            drop = "NON" not in stripped.upper() and "DROP" in stripped.upper()
        elif _EVENT.match(stripped):
            line = _rewrite_event(stripped, drop, chosen, nominal)
        out.append(line)
    if any(";" in line for line in out if _EVENT.match(line.strip())):
        drop = True
    if drop and chosen not in DROP_FRAME_RATES:
        raise InterchangeError(
            f"drop-frame timecode at {format_rate(chosen)} fps: only 29.97 and 59.94 drop frames"
        )
    return Readable("\n".join(out) + "\n", chosen, drop)


def _stated_rate(text: str) -> Fraction | None:
    found = _STATED.search(text)
    if found is None:
        return None
    try:
        return parse_rate(found.group(1))
    except RateError as exc:
        raise InterchangeError(f"bad {RATE_COMMENT} comment: {exc}") from exc


def _timecodes(events: list[str]) -> list[re.Match[str]]:
    found = []
    for line in events:
        for field in line.split()[-4:]:
            match = _TIMECODE.match(field)
            if match:
                found.append(match)
    return found


def _rewrite_event(line: str, fcm_drop: bool, rate: Fraction, nominal: int) -> str:
    """Check the four timecodes of an event and write them as the OTIO reader parses them:
    ``;`` before the frames for drop-frame (an FCM line may say so with ``:`` written)."""
    fields = line.split()
    for i in range(len(fields) - 4, len(fields)):
        match = _TIMECODE.match(fields[i]) if i >= 0 else None
        if match is None:
            continue  # frame counts instead of timecodes: the reader takes those as they are
        hours, minutes, seconds, separator, frames = match.groups()
        if int(frames) >= nominal:
            raise InterchangeError(
                f"timecode {fields[i]} counts frame {int(frames)}, but {format_rate(rate)} fps "
                f"counts 0-{nominal - 1}: give the EDL's real rate (import --fps)"
            )
        drop = fcm_drop or separator in ";,"
        fields[i] = f"{hours}:{minutes}:{seconds}{';' if drop else ':'}{frames}"
    return "  ".join(fields)
