"""Write a timeline for another editor: OTIO, CMX 3600 EDL, FCP7 XML or FCPXML."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from shotline.files import write_atomic
from shotline.interchange import fcpxml
from shotline.interchange.conform import conform
from shotline.interchange.errors import InterchangeError
from shotline.interchange.formats import ADAPTERS, resolve_format
from shotline.interchange.timing import timeline_rate
from shotline.interchange.to_otio import to_otio
from shotline.timeline.model import Timeline


def export_timeline(
    timeline: Timeline,
    path: str | Path,
    fmt: str | None = None,
    *,
    rate: Fraction | None = None,
    track_index: int = 0,
) -> Path:
    """Write ``timeline`` to ``path`` atomically and return the path.

    ``fmt`` is ``"otio"``, ``"edl"``, ``"fcp7"`` or ``"fcpxml"``; when None the suffix decides
    (``.otio``, ``.edl``, ``.xml``, ``.fcpxml``). ``rate`` is the sequence rate (default: the most
    common clip rate, or 24).

    ``.otio`` keeps everything. The others are written at the one rate, in whole frames. CMX 3600
    holds a single video track and no audio: an EDL gets only video track ``track_index``
    (0 is V1).
    """
    target = Path(path)
    fmt = resolve_format(target, fmt)
    rate = rate or timeline_rate(timeline)
    try:
        text = _render(timeline, fmt, rate, track_index)
    except InterchangeError as exc:
        raise InterchangeError(f"{target}: {exc}") from exc
    except Exception as exc:  # adapters raise anything from OTIOError to KeyError
        raise InterchangeError(f"{target}: cannot write {fmt}: {exc}") from exc
    _write_atomic(target, text)
    return target


def _render(timeline: Timeline, fmt: str, rate: Fraction, track_index: int) -> str:
    built = to_otio(timeline, rate, one_rate=fmt != "otio")
    options: dict[str, Any] = {}
    if fmt == "edl":
        built = _one_video_track(built, track_index)
        options["rate"] = float(rate)
    if fmt in ("fcp7", "fcpxml"):
        _bound_unknown_media(built)
    if fmt != "otio":
        built = conform(built, rate)  # a no-op unless some time is still off the frame grid
    if fmt == "fcpxml":
        _pad_primary_storyline(built)
    text: str = otio.adapters.write_to_string(built, ADAPTERS[fmt], **options)
    if fmt == "fcpxml":
        missing = [c.name for c in built.find_clips() if c.media_reference.is_missing_reference]
        text = fcpxml.repair(text, rate, missing)
    return text


def _one_video_track(built: Any, track_index: int) -> Any:
    videos = [t for t in built.tracks if t.kind == otio.schema.TrackKind.Video]
    if not 0 <= track_index < len(videos):
        raise InterchangeError(
            f"an EDL holds one video track; track {track_index + 1} does not exist "
            f"(the timeline has {len(videos)})"
        )
    chosen = videos[track_index]
    if not any(isinstance(c, otio.schema.Clip) for c in chosen):
        raise InterchangeError(f"video track {chosen.name!r} has no clips to write")
    built.tracks[:] = [chosen]  # CMX 3600 is one video track; audio is dropped
    return built


def _bound_unknown_media(built: Any) -> None:
    """Both XML writers need every file's length: where we do not know it, say the media runs to
    the end of what the clip shows (true, if not the whole truth)."""
    for clip in built.find_clips():
        reference = clip.media_reference
        if isinstance(reference, otio.schema.ExternalReference) and not reference.available_range:
            end = clip.source_range.end_time_exclusive()
            zero = otio.opentime.RationalTime(0, end.rate)
            reference.available_range = otio.opentime.range_from_start_end_time(zero, end)


def _pad_primary_storyline(built: Any) -> None:
    """FCPXML hangs every other track's clips off the first track's items (its primary
    storyline); the adapter fails on a clip with nothing under it, so run a gap to the end."""
    if not built.tracks:
        return
    primary = built.tracks[0]
    end = max(track.duration() for track in built.tracks)
    if primary.duration() < end:
        primary.append(otio.schema.Gap(duration=end - primary.duration()))


def _write_atomic(target: Path, text: str) -> None:
    """Temp file in the same folder, then rename: readers see the old file or the new."""
    try:
        write_atomic(target, text.encode("utf-8"))
    except OSError as exc:
        raise InterchangeError(f"{target}: cannot write: {exc}") from exc
