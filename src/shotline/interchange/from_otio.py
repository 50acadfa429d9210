"""An OTIO timeline as a shotline timeline.

Positions come from the tracks (gaps included). Where a clip carries our metadata and still sits
where we exported it, its exact saved fields come back; a clip moved or trimmed in another editor
takes that editor's times and keeps the rest (links, prompt, cost...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from shotline.interchange.errors import InterchangeError
from shotline.interchange.timing import rate_of, seconds
from shotline.interchange.to_otio import NAMESPACE
from shotline.timeline.edits import check_timeline
from shotline.timeline.errors import TimelineError
from shotline.timeline.model import ClipKind, SourceType, Timeline
from shotline.timeline.snapshot import SCHEMA_VERSION, from_dict
from shotline.timeline.timecode import TIME_EPSILON, format_rate, to_seconds

_KINDS = {otio.schema.TrackKind.Video: ClipKind.VIDEO, otio.schema.TrackKind.Audio: ClipKind.AUDIO}


def from_otio(timeline: Any, *, fold_sound: bool = False) -> Timeline:
    """Build and validate a shotline timeline; raises ``InterchangeError`` naming what is wrong.

    ``fold_sound``: an audio clip that is a video clip's own sound (same media, same place, same
    trim: how NLEs lay linked audio, and how we write it) becomes that clip's ``hasAudio``, and
    an audio track left empty by that goes.
    """
    stored = _plain(timeline.metadata.get(NAMESPACE, {}))
    data: dict[str, Any] = dict(stored.get("timeline") or {})
    data.setdefault("name", timeline.name or "Untitled")
    data.setdefault("schemaVersion", SCHEMA_VERSION)
    tracks: dict[ClipKind, list[dict[str, str]]] = {kind: [] for kind in ClipKind}
    clips: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []  # placed by the structure, not restored
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            raise InterchangeError(f"nested stack {track.name!r} at the top level is not supported")
        kind = _KINDS.get(track.kind)
        if kind is None:
            continue  # neither video nor audio: nothing of ours
        index = len(tracks[kind])
        tracks[kind].append(_track_dict(track, kind, index))
        butt = _Butt()
        for i, child in enumerate(track):
            if isinstance(child, otio.schema.Gap | otio.schema.Transition):
                continue  # gaps are positions; dissolves are not modelled
            if not isinstance(child, otio.schema.Clip):
                raise InterchangeError(
                    f"track {track.name!r}: nested sequence {child.name!r} is not supported"
                )
            placed = track.range_of_child_at_index(i).start_time
            if track.source_range is not None:
                # EDL readers start a track at its first record time: positions count from there.
                placed -= track.source_range.start_time
            clip, restored = _clip_dict(child, placed, kind, index, len(clips) + 1)
            start = seconds(placed)
            butt.follow(clip, start, start + seconds(child.trimmed_range().duration), restored)
            clips.append(clip)
            if not restored:
                moved.append(clip)
    if fold_sound:
        clips, tracks[ClipKind.AUDIO] = _fold_sound(clips, tracks[ClipKind.AUDIO])
        moved = [c for c in moved if any(c is k for k in clips)]
    _unique_ids(clips, moved)
    data["tracks"] = tracks[ClipKind.VIDEO]
    data["audioTracks"] = tracks[ClipKind.AUDIO]
    data["clips"] = clips
    try:
        result = from_dict(data)
        check_timeline(result)
    except TimelineError as exc:
        raise InterchangeError(str(exc)) from exc
    return result


def _fold_sound(
    clips: list[dict[str, Any]], audio_tracks: list[dict[str, str]]
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    def key(clip: dict[str, Any]) -> tuple[Any, ...]:
        times = (clip["startTime"], clip["duration"], clip["trimStart"])
        return (clip.get("cloudUrl"), *(round(t / TIME_EPSILON) for t in times))

    videos = {key(c): c for c in clips if c["type"] == ClipKind.VIDEO.value and c.get("cloudUrl")}
    kept, used = [], set()
    for clip in clips:
        picture = videos.get(key(clip)) if clip["type"] == ClipKind.AUDIO.value else None
        if picture is None:
            kept.append(clip)
            continue
        picture["hasAudio"] = True
        used.add(clip["trackIndex"])
    # Tracks that held only clip sound go; the others keep their order (and clips their index).
    remaining = {c["trackIndex"] for c in kept if c["type"] == ClipKind.AUDIO.value}
    dropped = {i for i in used if i not in remaining}
    new_index: dict[int, int] = {}
    tracks: list[dict[str, str]] = []
    for i, track in enumerate(audio_tracks):
        if i not in dropped:
            new_index[i] = len(tracks)
            tracks.append(track)
    for clip in kept:
        if clip["type"] == ClipKind.AUDIO.value:
            clip["trackIndex"] = new_index[clip["trackIndex"]]
    return kept, tracks


def _track_dict(track: Any, kind: ClipKind, index: int) -> dict[str, str]:
    stored = _plain(track.metadata.get(NAMESPACE, {}))
    prefix = "v" if kind is ClipKind.VIDEO else "a"
    return {
        "id": str(stored.get("id") or f"{prefix}{index + 1}"),
        "name": str(stored.get("name") or track.name or f"{prefix.upper()}{index + 1}"),
    }


class _Butt:
    """Keeps a clip placed in another editor butted against a neighbour restored from metadata.

    A mixed-rate clip's structure ends up to a frame before its exact saved end; a clip the other
    editor put right after it would otherwise overlap the restored end by that sliver.
    """

    def __init__(self) -> None:
        self.structure_end: Fraction | None = None
        self.end = 0.0

    def follow(self, clip: dict[str, Any], start: Fraction, end: Fraction, restored: bool) -> None:
        """``start`` and ``end``: where the structure puts ``clip``, before any restoring."""
        butted = self.structure_end is not None and abs(start - self.structure_end) <= TIME_EPSILON
        shift = self.end - clip["startTime"]
        if not restored and butted and 0 < shift < clip["duration"]:
            clip.update(
                startTime=self.end,
                duration=clip["duration"] - shift,
                trimStart=clip["trimStart"] + shift,
            )
        self.structure_end = end
        self.end = clip["startTime"] + clip["duration"]


def _clip_dict(
    clip: Any, placed: Any, kind: ClipKind, track: int, number: int
) -> tuple[dict[str, Any], bool]:
    """The clip in the saved format, and whether its exact saved times were restored."""
    stored = _plain(clip.metadata.get(NAMESPACE, {}))
    out: dict[str, Any] = dict(stored.get("clip") or {})
    reference = clip.media_reference
    trimmed = clip.trimmed_range()
    available = getattr(reference, "available_range", None)
    if available is not None and available.duration.value <= 0:
        available = None  # FCP7 gives missing media an empty range: its length is unknown
    source_start = seconds(trimmed.start_time)
    trim = source_start - seconds(available.start_time) if available else source_start
    structure = [seconds(placed), seconds(trimmed.duration), source_start]
    restored = bool(out) and _same(stored.get("placed"), structure)
    if not restored:
        # Moved or trimmed elsewhere, or not ours: the structure is the truth.
        duration = structure[1]
        if available is not None:
            length = seconds(available.duration)
            out["sourceDuration"] = to_seconds(length)
            # Formats in whole frames end a clip on the last whole frame of its media (or the
            # frame past it): within a frame of the media's end, the clip reaches that end.
            frame = 1 / rate_of(trimmed.duration)
            if abs(length - (trim + duration)) < frame and length > trim:
                duration = length - trim
        out.update(
            startTime=to_seconds(structure[0]),
            duration=to_seconds(duration),
            trimStart=to_seconds(trim),
        )
    if not stored:
        out.update(id=f"clip-{number}", name=clip.name or f"Clip {number}")
        rate = rate_of(trimmed.duration if available is None else available.duration)
        out["sourceFps"] = format_rate(rate)
    out["type"] = kind.value
    out["trackIndex"] = track
    if isinstance(reference, otio.schema.ExternalReference) and reference.target_url:
        out["cloudUrl"] = _source(reference.target_url)
        out.setdefault("sourceType", SourceType.CLOUD.value)
    elif not stored:
        # No media we can point at (missing, or generated black/bars): a placeholder.
        out.update(cloudUrl=None, sourceType=SourceType.LOCAL.value, placeholder=True)
    return out, restored


def _source(url: str) -> str:
    """Our source string for a media URL: ``file://`` URLs (as the XML formats name files)
    become paths; anything else stays as written."""
    parsed = urlparse(url)
    if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
        return unquote(parsed.path)
    return url


def _same(saved: Any, structure: Sequence[Fraction]) -> bool:
    if not isinstance(saved, list) or len(saved) != len(structure):
        return False
    return all(
        isinstance(a, int | float) and math.isclose(a, float(b), abs_tol=TIME_EPSILON)
        for a, b in zip(saved, structure, strict=True)
    )


def _unique_ids(clips: list[dict[str, Any]], moved: list[dict[str, Any]]) -> None:
    """A clip duplicated in another editor keeps our metadata, id included: give copies new ids.

    Clips still where we exported them keep theirs; moved ones yield.
    """
    seen: set[str] = set()
    kept = [c for c in clips if not any(c is m for m in moved)]
    for clip in kept + moved:
        base = str(clip["id"])
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}-{n}"
        clip["id"] = candidate
        seen.add(candidate)


def _plain(value: Any) -> Any:
    """OTIO metadata (AnyDictionary, AnyVector) as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value
