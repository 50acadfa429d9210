"""Read a timeline another editor wrote: OTIO, CMX 3600 EDL, FCP7 XML or FCPXML."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from shotline.interchange import fcpxml
from shotline.interchange.errors import InterchangeError
from shotline.interchange.formats import ADAPTERS, resolve_format
from shotline.interchange.from_otio import from_otio
from shotline.interchange.timing import DEFAULT_RATE
from shotline.timeline.model import Timeline


def import_timeline(
    path: str | Path, fmt: str | None = None, *, rate: Fraction | None = None
) -> Timeline:
    """Read ``path`` as a validated timeline.

    ``fmt`` as for ``export_timeline``. ``rate`` is only for EDLs, which do not record theirs
    (default 24). Unreadable files, unknown formats and timelines that break a rule (overlaps,
    clips past the end of their media) raise ``InterchangeError`` naming the file.
    """
    source = Path(path)
    fmt = resolve_format(source, fmt)
    if not source.is_file():
        raise InterchangeError(f"{source}: no such file")
    options: dict[str, Any] = {}
    if fmt == "edl":
        options["rate"] = float(rate or DEFAULT_RATE)
    try:
        if fmt == "fcpxml":
            fcpxml.check_readable(source.read_text(encoding="utf-8"))
        read = otio.adapters.read_from_file(str(source), ADAPTERS[fmt], **options)
    except InterchangeError as exc:
        raise InterchangeError(f"{source}: {exc}") from exc
    except Exception as exc:  # adapters raise anything from OTIOError to ExpatError
        raise InterchangeError(f"{source}: cannot read as {fmt}: {exc}") from exc
    if not isinstance(read, otio.schema.Timeline):
        # FCPXML libraries and OTIO files may hold a collection; we open single timelines.
        timelines = list(read.find_children(descended_from_type=otio.schema.Timeline))
        if len(timelines) != 1:
            raise InterchangeError(
                f"{source}: holds {len(timelines)} timelines; expected exactly one"
            )
        read = timelines[0]
    try:
        return from_otio(read)
    except InterchangeError as exc:
        raise InterchangeError(f"{source}: {exc}") from exc
