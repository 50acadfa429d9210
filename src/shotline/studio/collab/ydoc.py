"""The project's Y document: its root names and types, and the timeline written into it.

Roots (``docs/collaboration.md`` describes them for client authors):

- ``clips``: Map, clip id -> Map whose keys are the seed's JSON names (``snapshot.clip_to_dict``).
- ``tracks`` / ``audioTracks``: Array of ``{"id", "name"}`` objects, bottom track first.
- ``selection``: Map ``inPoint``, ``outPoint`` (number or null) and ``playhead`` (number).
- ``meta``: Map ``name``, ``schemaVersion``, ``revision`` (bumped by every structural write).

Only the server writes ``clips``, ``tracks``, ``audioTracks`` and ``meta`` (origin ``SERVER``);
clients may write ``selection`` and their awareness state. Numbers come back as floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from pycrdt import Array, Doc, Map

from shotline.timeline import Selection, Timeline, Track
from shotline.timeline.snapshot import SCHEMA_VERSION, clip_to_dict, from_dict

CLIPS = "clips"
TRACKS = "tracks"
AUDIO_TRACKS = "audioTracks"
SELECTION = "selection"
META = "meta"
SERVER = "shotline-server"  # the transaction origin of every server write


class TimelineDoc:
    """Typed access to one project's document. Call only on the collab loop's thread."""

    def __init__(self, doc: Doc[Any]) -> None:
        self.doc = doc
        self.clips: Map[Any] = doc.get(CLIPS, type=Map)
        self.tracks: Array[Any] = doc.get(TRACKS, type=Array)
        self.audio_tracks: Array[Any] = doc.get(AUDIO_TRACKS, type=Array)
        self.selection: Map[Any] = doc.get(SELECTION, type=Map)
        self.meta: Map[Any] = doc.get(META, type=Map)

    # -- reading ---------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return len(self.meta) == 0 and len(self.clips) == 0 and len(self.tracks) == 0

    def read(self) -> Timeline:
        """The whole timeline as the document holds it, validated like a saved file."""
        meta = self.meta.to_py() or {}
        data: dict[str, Any] = {
            "schemaVersion": SCHEMA_VERSION,
            "name": meta.get("name") or "Untitled",
            "clips": sorted(
                (dict(v) for v in (self.clips.to_py() or {}).values()), key=_clip_order
            ),
            "tracks": list(self.tracks.to_py() or []),
            "audioTracks": list(self.audio_tracks.to_py() or []),
        }
        extra = meta.get("extra")
        if isinstance(extra, Mapping):
            data.update({k: v for k, v in extra.items() if k not in data})
        timeline = from_dict(data)
        return timeline.with_(selection=self.read_selection())

    def read_selection(self) -> Selection:
        """The shared selection; a value a client wrote that is not a time reads as unset."""
        sel = self.selection.to_py() or {}
        in_point, out_point = _time(sel.get("inPoint")), _time(sel.get("outPoint"))
        if in_point is not None and out_point is not None and out_point < in_point:
            in_point = out_point = None
        return Selection(in_point=in_point, out_point=out_point,
                         playhead=_time(sel.get("playhead")) or 0.0)  # fmt: skip

    def clip_fields(self, clip_id: str) -> dict[str, Any] | None:
        value = self.clips.get(clip_id)
        return value.to_py() if isinstance(value, Map) else None

    # -- writing (inside the caller's ``doc.transaction(origin=SERVER)``) ------------------------

    def write_all(self, timeline: Timeline) -> None:
        """Replace everything: clips, tracks, meta and the selection."""
        self.clips.clear()
        for clip in timeline.clips:
            self.clips[clip.id] = Map(clip_to_dict(clip))
        _set_tracks(self.tracks, timeline.tracks)
        _set_tracks(self.audio_tracks, timeline.audio_tracks)
        self.write_meta(timeline, revision=_revision(self.meta) + 1)
        self.write_selection(timeline.selection)

    def write_diff(self, old: Timeline, new: Timeline) -> None:
        """Write only what differs between two timelines: new, gone and changed clips (field by
        field), tracks and the name. Unchanged clips are the same objects in both (edits keep
        them), so the scan is one identity check per clip."""
        before = {c.id: c for c in old.clips}
        for clip in new.clips:
            previous = before.pop(clip.id, None)
            if previous is clip:
                continue
            if previous is None:
                self.clips[clip.id] = Map(clip_to_dict(clip))
            elif previous != clip:
                self.write_clip_fields(clip.id, clip_to_dict(clip), clip_to_dict(previous))
        for gone in before:
            if gone in self.clips:
                del self.clips[gone]
        if old.tracks != new.tracks:
            _set_tracks(self.tracks, new.tracks)
        if old.audio_tracks != new.audio_tracks:
            _set_tracks(self.audio_tracks, new.audio_tracks)
        self.write_meta(new, revision=_revision(self.meta) + 1)

    def write_clip_fields(
        self, clip_id: str, fields: Mapping[str, Any], previous: Mapping[str, Any] | None = None
    ) -> None:
        """Make the clip's map hold exactly ``fields``, writing only the keys that differ from
        ``previous`` (from what the document holds when None)."""
        target = self.clips.get(clip_id)
        if not isinstance(target, Map):
            self.clips[clip_id] = Map(dict(fields))
            return
        known = previous if previous is not None else target.to_py() or {}
        for key in set(known) - set(fields):
            if key in target:
                del target[key]
        for key, value in fields.items():
            if key not in known or known[key] != value:
                target[key] = value

    def write_meta(self, timeline: Timeline, revision: int) -> None:
        if self.meta.get("name") != timeline.name:
            self.meta["name"] = timeline.name
        if self.meta.get("schemaVersion") != SCHEMA_VERSION:
            self.meta["schemaVersion"] = SCHEMA_VERSION
        extra = dict(timeline.extra)
        if (self.meta.get("extra") or {}) != extra:
            self.meta["extra"] = extra
        self.meta["revision"] = revision

    def write_selection(self, selection: Selection) -> None:
        values = {"inPoint": selection.in_point, "outPoint": selection.out_point,
                  "playhead": selection.playhead}  # fmt: skip
        for key, value in values.items():
            if self.selection.get(key) != value or key not in self.selection:
                self.selection[key] = value

    def write_tracks(self, video: Iterable[Track], audio: Iterable[Track]) -> None:
        _set_tracks(self.tracks, tuple(video))
        _set_tracks(self.audio_tracks, tuple(audio))


def _set_tracks(target: Array[Any], tracks: tuple[Track, ...]) -> None:
    wanted = [{"id": t.id, "name": t.name} for t in tracks]
    if (target.to_py() or []) == wanted:
        return
    target.clear()
    target.extend(wanted)


def _revision(meta: Map[Any]) -> int:
    value = meta.get("revision")
    return int(value) if isinstance(value, int | float) and math.isfinite(value) else 0


def _time(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def _clip_order(clip: Mapping[str, Any]) -> tuple[str, float, float, str]:
    track, start = _sort_number(clip.get("trackIndex")), _sort_number(clip.get("startTime"))
    return (str(clip.get("type")), track, start, str(clip.get("id")))


def _sort_number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else 0.0
