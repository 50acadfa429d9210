"""Work around the fcpx_xml adapter (otio-fcpx-xml-adapter 1.x) where it writes or reads wrong.

- It looks up a format's frame duration in a table keyed by 23.98/29.97/59.94, so an exact NTSC
  rate (29.97002997...) gets ``frameDuration=""``: we write the exact one.
- It gives missing media a made-up ``file:///tmp/<clip name>`` source: we drop it, so the asset
  says plainly that its media is missing (the adapter reads that back as a MissingReference).
- It reads rates as whole numbers (29.97 becomes 29) and truncates times, so an NTSC file would
  come back with every clip misplaced: we refuse to read those rather than guess.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from fractions import Fraction

from shotline.interchange.errors import InterchangeError

_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n'
_MADE_UP_PREFIX = "file:///tmp/"


def repair(text: str, rate: Fraction, missing: Iterable[str]) -> str:
    """Fix what the adapter wrote for a timeline conformed to ``rate``."""
    root = ET.fromstring(text)
    for element in root.iter("format"):
        if not element.get("frameDuration"):
            element.set("frameDuration", f"{rate.denominator}/{rate.numerator}s")
    made_up = {_MADE_UP_PREFIX + name for name in missing}
    for element in root.iter("asset"):
        if element.get("src") in made_up:
            del element.attrib["src"]
    ET.indent(root, space="    ")
    return _HEADER + ET.tostring(root, encoding="unicode") + "\n"


def check_readable(text: str) -> None:
    """Refuse files whose times the adapter would read wrongly (any non-whole frame rate)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InterchangeError(f"not valid XML: {exc}") from exc
    for element in root.iter("format"):
        duration = element.get("frameDuration", "").removesuffix("s")
        try:
            rate = 1 / Fraction(duration)
        except (ValueError, ZeroDivisionError):
            continue  # no rate given: nothing for the adapter to misread
        if rate.denominator != 1:
            raise InterchangeError(
                f"format {element.get('id')!r} is {float(rate):.3f} fps; the FCPXML adapter reads "
                "only whole-number rates correctly (it would misplace every clip), so open an "
                ".otio or FCP7 XML export of this timeline instead"
            )
