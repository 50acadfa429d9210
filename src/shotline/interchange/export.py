"""Write a timeline for another editor: OTIO, CMX 3600 EDL, FCP7 XML or FCPXML."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from shotline.files import write_atomic
from shotline.interchange import edl, fcpxml
from shotline.interchange.conform import conform
from shotline.interchange.errors import InterchangeError
from shotline.interchange.formats import ADAPTERS, resolve_format
from shotline.interchange.timing import frames, span, timeline_rate
from shotline.interchange.to_otio import NAMESPACE, to_otio
from shotline.timeline.model import Timeline
from shotline.timeline.timecode import frame_count, frame_start, frames_exact, parse_rate


def export_timeline(
    timeline: Timeline,
    path: str | Path,
    fmt: str | None = None,
    *,
    rate: Fraction | None = None,
    track_index: int = 0,
    drop_frame: bool | None = None,
    base_dir: str | Path | None = None,
) -> Path:
    """Write ``timeline`` to ``path`` atomically and return the path.

    ``fmt`` is ``"otio"``, ``"edl"``, ``"fcp7"`` or ``"fcpxml"``; when None the suffix decides
    (``.otio``, ``.edl``, ``.xml`` or ``.fcp7``, ``.fcpxml``). ``rate`` is the sequence rate
    (default: the most common clip rate, or 24).

    ``.otio`` keeps everything. The others are written at the one rate, in whole frames, each edit
    point on the nearest frame. CMX 3600 holds a single video track (``track_index``, 0 is V1) and
    its clips' sound; ``drop_frame`` picks its timecode at 29.97 and 59.94 (default: drop-frame).
    The XML formats name media by ``file://`` URL: relative sources are taken from ``base_dir``
    (the saved timeline's folder; default the current one).
    """
    target = Path(path)
    fmt = resolve_format(target, fmt)
    rate = rate or timeline_rate(timeline)
    try:
        text = _render(timeline, fmt, rate, track_index, drop_frame, Path(base_dir or "."))
    except InterchangeError as exc:
        raise InterchangeError(f"{target}: {exc}") from exc
    except Exception as exc:  # adapters raise anything from OTIOError to KeyError
        raise InterchangeError(f"{target}: cannot write {fmt}: {exc}") from exc
    _write_atomic(target, text)
    return target


def _render(
    timeline: Timeline,
    fmt: str,
    rate: Fraction,
    track_index: int,
    drop_frame: bool | None,
    base_dir: Path,
) -> str:
    if fmt == "otio":
        text: str = otio.adapters.write_to_string(to_otio(timeline, rate), ADAPTERS[fmt])
        return text
    if fmt == "edl":
        built = conform(_one_video_track(to_otio(timeline, rate, one_rate=True), track_index), rate)
        if drop_frame is None:
            drop_frame = edl.default_drop_frame(rate)
        return edl.write(timeline.name, built.tracks[0], rate, drop_frame=drop_frame,
                         has_sound=_has_sound)  # fmt: skip
    whole = fcpxml.adapter_rate(rate) if fmt == "fcpxml" else None  # refuse before any work
    built = to_otio(timeline, rate, one_rate=True, clip_sound=True)
    _file_urls(built, base_dir)
    _bound_unknown_media(built)
    built = conform(built, rate)  # a no-op unless some time is still off the frame grid
    lengths = _source_lengths(built)
    if fmt == "fcp7":
        _files_at_source_rate(built)
        text = otio.adapters.write_to_string(built, ADAPTERS[fmt])
        return text
    assert whole is not None
    _pad_primary_storyline(built)
    missing = [c.name for c in built.find_clips() if c.media_reference.is_missing_reference]
    fcpxml.relabel(built, whole)
    with fcpxml.exact_adapter():
        text = otio.adapters.write_to_string(built, ADAPTERS[fmt])
    return fcpxml.repair(text, rate, missing, {url: s for url, (s, _) in lengths.items()})


def _saved(clip: Any) -> dict[str, Any]:
    """Our fields of an OTIO clip (``clip_to_dict``), empty when it is not ours."""
    stored = clip.metadata.get(NAMESPACE, {}).get("clip", {})
    return dict(stored) if stored else {}


def _has_sound(clip: Any) -> bool:
    return bool(_saved(clip).get("hasAudio"))


def _file_urls(built: Any, base_dir: Path) -> None:
    """Name local media by absolute ``file://`` URL, as FCP 7 ``pathurl`` and FCPXML ``src``
    expect; URLs (``https://``...) stay as they are."""
    for clip in built.find_clips():
        reference = clip.media_reference
        if isinstance(reference, otio.schema.ExternalReference) and reference.target_url:
            reference.target_url = file_url(reference.target_url, base_dir)
            # The FCP 7 writer names a file after its URL, %20s and all: give it the real name.
            reference.name = PurePosixPath(unquote(urlparse(reference.target_url).path)).name


def file_url(source: str, base_dir: Path) -> str:
    if urlparse(source).scheme:
        return source
    path = Path(source)
    return (path if path.is_absolute() else (base_dir / path).absolute()).as_uri()


def _source_lengths(built: Any) -> dict[str, tuple[Fraction, Fraction | None]]:
    """Each clip's media by URL: its exact length in seconds (whole frames of its rate when it
    has one) and that rate. The sequence-rate ranges the formats are cut in would round it."""
    found: dict[str, tuple[Fraction, Fraction | None]] = {}
    for clip in built.find_clips():
        saved = _saved(clip)
        url = getattr(clip.media_reference, "target_url", None)
        if not url or saved.get("sourceDuration") is None:
            continue
        length = Fraction(repr(float(saved["sourceDuration"])))  # 65.77 is 6577/100
        if saved.get("sourceFps"):
            source_rate = parse_rate(str(saved["sourceFps"]))
            found[url] = (frame_start(frame_count(length, source_rate), source_rate), source_rate)
        else:
            found[url] = (length, None)  # sound without a frame rate: the length as saved
    return found


def _files_at_source_rate(built: Any) -> None:
    """FCP 7 gives each ``<file>`` its own rate and length: the source's, not the sequence's
    (a 29.97 source in a 24 fps sequence is not a 24 fps file)."""
    lengths = _source_lengths(built)
    for clip in built.find_clips():
        reference = clip.media_reference
        length, source_rate = lengths.get(getattr(reference, "target_url", None) or "", (0, None))
        if source_rate is not None:
            count = frames_exact(length, source_rate)
            reference.available_range = span(frames(0, source_rate), frames(count, source_rate))


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
    built.tracks[:] = [chosen]  # CMX 3600 is one video track (and its clips' sound)
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
