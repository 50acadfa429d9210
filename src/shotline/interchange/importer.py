"""Read a timeline another editor wrote: OTIO, CMX 3600 EDL, FCP7 XML or FCPXML."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from shotline.interchange import edl, fcpxml
from shotline.interchange.errors import InterchangeError
from shotline.interchange.formats import ADAPTERS, resolve_format
from shotline.interchange.from_otio import from_otio
from shotline.timeline.model import Timeline


def import_timeline(
    path: str | Path,
    fmt: str | None = None,
    *,
    rate: Fraction | None = None,
    measure_media: bool = True,
) -> Timeline:
    """Read ``path`` as a validated timeline.

    ``fmt`` as for ``export_timeline``. ``rate`` is for EDLs, which do not record theirs: ours
    state it in a comment, drop-frame ones can only be 29.97 or 59.94, any other needs it. A
    video clip's own sound, laid on audio tracks as NLEs do, comes back as its ``hasAudio``.
    With ``measure_media``, media found on this machine is probed for its real length and rate
    (what EDL, FCP 7 and FCPXML can only give in whole frames, if at all).
    Unreadable files, unknown formats and timelines that break a rule (overlaps, clips past the
    end of their media) raise ``InterchangeError`` naming the file.
    """
    source = Path(path)
    fmt = resolve_format(source, fmt)
    if not source.is_file():
        raise InterchangeError(f"{source}: no such file")
    try:
        read = _read(source, fmt, rate)
    except InterchangeError as exc:
        raise InterchangeError(f"{source}: {exc}") from exc
    except Exception as exc:  # adapters raise anything from OTIOError to ExpatError
        raise InterchangeError(f"{source}: cannot read as {fmt}: {exc}") from exc
    if fmt != "otio" and measure_media:
        _measure_media(read, source.parent)
    try:
        return from_otio(read, fold_sound=fmt != "otio")
    except InterchangeError as exc:
        raise InterchangeError(f"{source}: {exc}") from exc


def _read(source: Path, fmt: str, rate: Fraction | None) -> Any:
    if fmt == "edl":
        checked = edl.readable(source.read_text(encoding="utf-8"), rate)
        read = otio.adapters.read_from_string(checked.text, ADAPTERS[fmt], rate=checked.rate)
    elif fmt == "fcpxml":
        readable = fcpxml.readable(source.read_text(encoding="utf-8"))
        with fcpxml.exact_adapter():
            read = otio.adapters.read_from_string(readable.text, ADAPTERS[fmt])
    else:
        read = otio.adapters.read_from_file(str(source), ADAPTERS[fmt])
    if not isinstance(read, otio.schema.Timeline):
        # FCPXML libraries and OTIO files may hold a collection; we open single timelines.
        timelines = list(read.find_children(descended_from_type=otio.schema.Timeline))
        if len(timelines) != 1:
            raise InterchangeError(f"holds {len(timelines)} timelines; expected exactly one")
        read = timelines[0]
    if fmt == "fcpxml":
        _fcpxml_back(read, readable)
    return read


def _fcpxml_back(read: Any, readable: fcpxml.Readable) -> None:
    """Undo what ``fcpxml.readable`` did for the adapter: rates back to the file's own, media
    lengths exact, and tracks no longer named after their lanes (``0``, ``-1``)."""
    fcpxml.relabel(read, float(readable.rate))
    for track in read.tracks:
        track.name = ""
    for clip in read.find_clips():
        reference = clip.media_reference
        length = readable.asset_lengths.get(getattr(reference, "target_url", None) or "")
        available = getattr(reference, "available_range", None)
        if length is not None and available is not None:
            frames_ = length * readable.rate  # whole unless the media ends mid-frame
            value = float(frames_) if frames_.denominator != 1 else int(frames_)
            reference.available_range = otio.opentime.TimeRange(
                available.start_time, otio.opentime.RationalTime(value, float(readable.rate))
            )


def _measure_media(read: Any, base: Path) -> None:
    """Give clips whose media is here its real length and rate, as an NLE reads them off the file:
    a 65.77 s narration is no longer cut to the frame grid of the sequence."""
    from shotline.media.errors import MediaError
    from shotline.media.probe import probe

    measured: dict[str, Any] = {}
    for clip in read.find_clips():
        reference = clip.media_reference
        url = getattr(reference, "target_url", None)
        path = _local_path(url, base) if url else None
        if path is None:
            continue
        if path not in measured:
            try:
                measured[path] = probe(path)
            except MediaError:
                measured[path] = None  # unreadable here: the file's own numbers stand
        info = measured[path]
        if info is None:
            continue
        if info.has_video and info.fps is not None and info.frame_count:
            length = otio.opentime.RationalTime(info.frame_count, float(info.fps))
        else:
            rate = float(clip.source_range.duration.rate)
            length = otio.opentime.RationalTime(info.duration * rate, rate)
        known = getattr(reference, "available_range", None)
        start = known.start_time if known is not None else otio.opentime.RationalTime(0, 1)
        # The media's own start (a camera's timecode) stays: trims count from it.
        reference.available_range = otio.opentime.TimeRange(start.rescaled_to(length.rate), length)


def _local_path(url: str, base: Path) -> str | None:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
    elif parsed.scheme:
        return None  # a network URL: not measured here
    else:
        path = Path(url) if Path(url).is_absolute() else base / url
    return str(path) if path.is_file() else None
