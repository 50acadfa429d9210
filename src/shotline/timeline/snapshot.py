"""Timeline <-> JSON-ready dict, in the seed's save format (seed 000, "What Gets Saved").

Field names are the seed's camelCase ones; fields we do not model are kept in ``extra`` and written
back unchanged. Local clips are written as placeholders (owner, filename, duration): a path on
one person's machine means nothing to anyone else. Pure: file I/O is ``savefile``'s job.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from shotline.timeline.edits import check_timeline
from shotline.timeline.errors import EditError, SnapshotError
from shotline.timeline.model import (
    Clip,
    ClipKind,
    ClipStatus,
    Selection,
    SourceType,
    Timeline,
    Track,
)
from shotline.timeline.timecode import RateError, format_rate, parse_rate

SCHEMA_VERSION = 1

_CLIP_FIELDS = {
    "id", "name", "type", "startTime", "duration", "trackIndex", "trimStart", "cloudUrl",
    "sourceDuration", "sourceFps", "width", "height", "hasAudio", "sourceType", "owner", "status",
    "prompt", "cost", "linkedClipIds", "placeholder",
}  # fmt: skip
_TIMELINE_FIELDS = {
    "schemaVersion", "name", "savedAt", "savedBy", "clips", "tracks", "audioTracks", "selection",
}  # fmt: skip

T = TypeVar("T")


def _upgrade_v0(data: dict[str, Any]) -> dict[str, Any]:
    """Version 0 is the seed's format: no version, no clip types (every clip was video)."""
    data = dict(data)
    data["schemaVersion"] = 1
    return data


# Upgrades from version N to N+1, applied in order on load.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _upgrade_v0}


class _Reader:
    """Reads typed fields out of one JSON object, naming the object and field in every error."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        if not isinstance(data, Mapping):
            raise SnapshotError(f"{where}: expected an object, got {type(data).__name__}")
        self.data = data
        self.where = where

    def fail(self, key: str, why: str) -> SnapshotError:
        return SnapshotError(f"{self.where}: field {key!r} {why}")

    def get(self, key: str, kind: Callable[[Any], T], default: T | None = None) -> T:
        if key not in self.data or self.data[key] is None:
            if default is None:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        try:
            return kind(value)
        except (TypeError, ValueError) as exc:
            raise self.fail(key, f"is invalid ({exc}): {value!r}") from exc

    def optional(self, key: str, kind: Callable[[Any], T]) -> T | None:
        if self.data.get(key) is None:
            return None
        return self.get(key, kind)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("must be a number")
    if not math.isfinite(value):
        raise ValueError("must be finite")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("must be a string")
    return value


def _index(value: Any) -> int:
    number = _number(value)  # Yjs hands ints back as floats
    if number != int(number) or number < 0:
        raise ValueError("must be a whole number >= 0")
    return int(number)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("must be true or false")
    return value


def _ids(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("must be a list of clip ids")
    return tuple(value)


def _clip_from(data: Mapping[str, Any], position: int) -> Clip:
    label = data.get("id") if isinstance(data, Mapping) else None
    r = _Reader(data, f"clip {label!r} (#{position + 1})" if label else f"clip #{position + 1}")
    source_type = r.get("sourceType", SourceType, SourceType.CLOUD)
    return Clip(
        id=r.get("id", _text),
        name=r.get("name", _text, ""),
        kind=r.get("type", ClipKind, ClipKind.VIDEO),
        start=r.get("startTime", _number),
        duration=r.get("duration", _number),
        track_index=r.get("trackIndex", _index, 0),
        trim_start=r.get("trimStart", _number, 0.0),
        source=r.optional("cloudUrl", _text),
        source_duration=r.optional("sourceDuration", _number),
        source_fps=r.optional("sourceFps", parse_rate),
        width=r.optional("width", _index),
        height=r.optional("height", _index),
        has_audio=r.get("hasAudio", _flag, False),
        source_type=source_type,
        owner=r.optional("owner", _text),
        status=r.get("status", ClipStatus, ClipStatus.READY),
        prompt=r.optional("prompt", _text),
        cost=r.optional("cost", _number),
        linked_clip_ids=r.get("linkedClipIds", _ids, ()),
        extra={k: v for k, v in data.items() if k not in _CLIP_FIELDS},
    )


def clip_from_dict(data: Mapping[str, Any]) -> Clip:
    """One clip in the seed's JSON names (as a client sends it), validated field by field."""
    return _clip_from(data, 0)


def _tracks_from(value: Any, key: str, default: tuple[Track, ...]) -> tuple[Track, ...]:
    if value is None:
        return default
    if not isinstance(value, list):
        raise SnapshotError(f"timeline: field {key!r} must be a list of tracks")
    tracks = []
    for i, item in enumerate(value):
        r = _Reader(item, f"{key}[{i}]")
        tracks.append(Track(id=r.get("id", _text), name=r.get("name", _text, "")))
    return tuple(tracks)


def from_dict(data: Mapping[str, Any]) -> Timeline:
    """Read a saved timeline (any schema version we know), validating every field and rule."""
    if not isinstance(data, Mapping):
        raise SnapshotError("timeline: expected a JSON object at the top level")
    version = data.get("schemaVersion", 0)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise SnapshotError(
            f"timeline: schemaVersion {version!r} is newer than this shotline understands "
            f"({SCHEMA_VERSION}); upgrade shotline to open it"
        )
    upgraded = dict(data)
    while version < SCHEMA_VERSION:
        upgraded = UPGRADES[version](upgraded)
        version += 1
    r = _Reader(upgraded, "timeline")
    raw_clips = upgraded.get("clips", [])
    if not isinstance(raw_clips, list):
        raise SnapshotError("timeline: field 'clips' must be a list")
    sel = _Reader(upgraded.get("selection") or {}, "selection")
    timeline = Timeline(
        name=r.get("name", _text, "Untitled"),
        saved_at=r.optional("savedAt", _text),
        saved_by=r.optional("savedBy", _text),
        tracks=_tracks_from(upgraded.get("tracks"), "tracks", Timeline().tracks),
        audio_tracks=_tracks_from(upgraded.get("audioTracks"), "audioTracks", ()),
        clips=tuple(_clip_from(c, i) for i, c in enumerate(raw_clips)),
        selection=Selection(
            in_point=sel.optional("inPoint", _number),
            out_point=sel.optional("outPoint", _number),
            playhead=sel.get("playhead", _number, 0.0),
        ),
        extra={k: v for k, v in upgraded.items() if k not in _TIMELINE_FIELDS},
    )
    try:
        check_timeline(timeline)
    except EditError as exc:
        raise SnapshotError(f"timeline breaks a rule: {exc}") from exc
    return timeline


def clip_to_dict(clip: Clip) -> dict[str, Any]:
    placeholder = clip.source_type is SourceType.LOCAL
    out: dict[str, Any] = {
        "id": clip.id,
        "name": clip.name,
        "type": clip.kind.value,
        "duration": clip.duration,
        "startTime": clip.start,
        "trackIndex": clip.track_index,
        "trimStart": clip.trim_start,
        "sourceType": clip.source_type.value,
        "cloudUrl": None if placeholder else clip.source,
        "linkedClipIds": list(clip.linked_clip_ids),
        "hasAudio": clip.has_audio,
        "status": clip.status.value,
    }
    optional = {
        "sourceDuration": clip.source_duration,
        "sourceFps": format_rate(clip.source_fps) if clip.source_fps else None,
        "width": clip.width,
        "height": clip.height,
        "owner": clip.owner,
        "prompt": clip.prompt,
        "cost": clip.cost,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    if placeholder:
        out["placeholder"] = True  # its owner re-selects or uploads the file after loading
    for key, value in clip.extra.items():
        out.setdefault(key, value)
    return out


def to_dict(timeline: Timeline) -> dict[str, Any]:
    sel = timeline.selection
    out: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "name": timeline.name,
        "savedAt": timeline.saved_at,
        "savedBy": timeline.saved_by,
        "clips": [clip_to_dict(c) for c in timeline.clips],
        "tracks": [{"id": t.id, "name": t.name} for t in timeline.tracks],
        "audioTracks": [{"id": t.id, "name": t.name} for t in timeline.audio_tracks],
        "selection": {"inPoint": sel.in_point, "outPoint": sel.out_point, "playhead": sel.playhead},
    }
    for key, value in timeline.extra.items():
        out.setdefault(key, value)
    return out


__all__ = ["SCHEMA_VERSION", "RateError", "clip_from_dict", "clip_to_dict", "from_dict", "to_dict"]
