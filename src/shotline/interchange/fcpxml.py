"""Work around the fcpx_xml adapter (otio-fcpx-xml-adapter 1.0.0) where it writes or reads wrong.

What its source does, and what we do about it:

- Rates are whole numbers everywhere: ``_frame_rate_from_element`` and ``to_rational_time`` use
  ``int(rate)``, and ``_framerate_to_frame_duration`` looks up ``int(rate)`` in a table, so 29.97
  finds nothing and writing fails ("not enough values to unpack"). We hand it NTSC timelines
  relabelled to the whole rate (29.97 -> 30, same frame counts) and scale every time in what it
  writes by 1001/1000; reading, we scale the other way first and relabel back after.
- Times are cut to frames with ``int(a / b * fps)`` in floats, which truncates 29/25 s to frame 28:
  while writing we swap in an exact ``to_rational_time``; before reading we rewrite every time as
  its frame count nudged a millionth of a frame up, which the float division cannot drop.
- Asset durations are written in frames of the sequence rate (a 4.004 s 29.97 source in a 24 fps
  sequence becomes 97 frames = 4.0417 s): we write the source's exact length and read it back.
- Missing media gets a made-up ``file:///tmp/<clip name>`` source: we drop it, so the asset says
  plainly that its media is missing (read back as a MissingReference).
- Tracks come back named after their lanes (``0``, ``1``, ``-1``): the importer names them.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from shotline.interchange.errors import InterchangeError
from shotline.timeline.timecode import format_rate

_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n'
_MADE_UP_PREFIX = "file:///tmp/"
_TIME_ATTRIBUTES = ("offset", "start", "duration", "tcStart")
# The rates the adapter's frame-duration table knows, by the whole rate we hand it.
_ADAPTER_RATES = (24, 25, 30, 50, 60)
_NUDGE = 1_000_000
_patch_lock = threading.Lock()


def adapter_rate(rate: Fraction) -> int:
    """The whole rate the adapter works in for ``rate`` (30 for 29.97); refuses others."""
    whole = math.ceil(rate)
    if whole not in _ADAPTER_RATES or rate not in (whole, Fraction(whole * 1000, 1001)):
        raise InterchangeError(
            f"FCPXML is written at 23.976, 24, 25, 29.97, 30, 50, 59.94 or 60 fps, not "
            f"{format_rate(rate)}; pass another rate"
        )
    return whole


def parse_time(text: str | None) -> Fraction:
    """An FCPXML time (``"1001/30000s"``, ``"4s"``, ``"0s"``) as exact seconds."""
    if not text:
        return Fraction(0)
    try:
        return Fraction(text.removesuffix("s"))
    except (ValueError, ZeroDivisionError) as exc:
        raise InterchangeError(f"not an FCPXML time: {text!r}") from exc


def format_time(seconds: Fraction) -> str:
    if seconds == 0:
        return "0s"
    if seconds.denominator == 1:
        return f"{seconds.numerator}s"
    return f"{seconds.numerator}/{seconds.denominator}s"


def relabel(timeline: Any, rate: float) -> None:
    """Give every time in an OTIO timeline the rate ``rate``, keeping its frame count."""

    def move(time: Any) -> Any:
        return otio.opentime.RationalTime(time.value, rate)

    def move_range(span: Any) -> Any:
        return otio.opentime.TimeRange(move(span.start_time), move(span.duration))

    for track in timeline.tracks:
        if track.source_range is not None:
            track.source_range = move_range(track.source_range)
        for child in track:
            if isinstance(child, otio.schema.Transition):
                child.in_offset, child.out_offset = move(child.in_offset), move(child.out_offset)
                continue
            if child.source_range is not None:
                child.source_range = move_range(child.source_range)
            reference: Any = getattr(child, "media_reference", None)
            available = getattr(reference, "available_range", None)
            if reference is not None and available is not None:
                reference.available_range = move_range(available)
    if timeline.global_start_time is not None:
        timeline.global_start_time = move(timeline.global_start_time)


def _exact_to_rational_time(rational_number: str | None, fps: float) -> Any:
    """``to_rational_time`` as the adapter means it, in exact arithmetic."""
    frames = math.floor(parse_time(rational_number) * Fraction(fps))
    return otio.opentime.RationalTime(frames, int(fps))


@contextlib.contextmanager
def exact_adapter() -> Iterator[None]:
    """Run the adapter with our exact ``to_rational_time`` (restored after)."""
    module: Any = importlib.import_module("otio_fcpx_xml_adapter.fcpx_xml")
    with _patch_lock:
        original = module.to_rational_time
        module.to_rational_time = _exact_to_rational_time
        try:
            yield
        finally:
            module.to_rational_time = original


def repair(
    text: str,
    rate: Fraction,
    missing: Iterable[str],
    asset_lengths: Mapping[str, Fraction],
) -> str:
    """Fix what the adapter wrote for a timeline conformed to ``rate`` and relabelled to its
    whole rate. ``asset_lengths``: exact seconds of media by source URL."""
    root = ET.fromstring(text)
    scale = Fraction(adapter_rate(rate)) / rate  # 1001/1000 for NTSC, else 1
    for element in root.iter():
        for name in _TIME_ATTRIBUTES:
            value = element.get(name)
            if value is not None and scale != 1:
                element.set(name, format_time(parse_time(value) * scale))
    for element in root.iter("format"):
        element.set("frameDuration", format_time(1 / rate))
    made_up = {_MADE_UP_PREFIX + name for name in missing}
    for element in root.iter("asset"):
        source = element.get("src") or ""
        if source in made_up:
            del element.attrib["src"]
        elif source in asset_lengths:
            element.set("duration", format_time(asset_lengths[source]))
    ET.indent(root, space="    ")
    return _HEADER + ET.tostring(root, encoding="unicode") + "\n"


@dataclass(frozen=True)
class Readable:
    """An FCPXML file rewritten so the adapter reads it right, and what it cannot carry."""

    text: str
    rate: Fraction  # the file's one frame rate
    adapter_rate: int  # the whole rate the adapter reads it at
    asset_lengths: dict[str, Fraction]  # exact media length (seconds) by source URL


def readable(text: str) -> Readable:
    """Check a file's rates and rewrite its times so the adapter reads whole frames exactly."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InterchangeError(f"not valid XML: {exc}") from exc
    rates = set()
    for element in root.iter("format"):
        duration = element.get("frameDuration")
        if duration:
            frame = parse_time(duration)
            if frame <= 0:
                raise InterchangeError(f"format {element.get('id')!r}: bad frameDuration")
            rates.add(1 / frame)
    if len(rates) > 1:
        listed = ", ".join(sorted(format_rate(r) for r in rates))
        raise InterchangeError(
            f"formats at several rates ({listed}); the FCPXML reader handles one rate: "
            "export the project at one rate, or as FCP 7 XML"
        )
    rate = rates.pop() if rates else Fraction(24)
    whole = adapter_rate(rate)
    lengths = {
        element.get("src", ""): parse_time(element.get("duration"))
        for element in root.iter("asset")
        if element.get("src") and element.get("duration")
    }
    for element in root.iter():
        for name in _TIME_ATTRIBUTES:
            value = element.get(name)
            if value is None:
                continue
            frames = math.floor(parse_time(value) * rate)
            if frames != 0:
                # A millionth of a frame away from zero: the adapter's float division and
                # int() cannot then land on the frame below.
                nudged = frames * _NUDGE + (1 if frames > 0 else -1)
                element.set(name, f"{nudged}/{whole * _NUDGE}s")
            else:
                element.set(name, "0s")
    for element in root.iter("format"):
        element.set("frameDuration", f"1/{whole}s")
    return Readable(_HEADER + ET.tostring(root, encoding="unicode"), rate, whole, lengths)
