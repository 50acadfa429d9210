"""The timeline as immutable values: tracks, clips, the shared selection.

Values never change in place; edits (``edits.py``) return new timelines. Times are seconds as
floats, as the saved format has them; ``timecode`` turns them into frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from typing import Any

from shotline.timeline.errors import ClipNotFound


class ClipKind(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"


class SourceType(StrEnum):
    LOCAL = "local"  # exists only on its owner's machine; others see a placeholder
    CLOUD = "cloud"  # a shared asset on the server
    GENERATED = "generated"  # produced by a provider from an in/out selection


class ClipStatus(StrEnum):
    READY = "ready"
    PROCESSING = "processing"  # generation running
    CONVERTING = "converting"  # transcoding before upload
    UPLOADING = "uploading"
    FAILED = "failed"


@dataclass(frozen=True)
class Track:
    id: str
    name: str


@dataclass(frozen=True)
class Clip:
    id: str
    name: str
    start: float
    duration: float
    kind: ClipKind = ClipKind.VIDEO
    track_index: int = 0
    trim_start: float = 0.0  # offset into the source, seconds
    source: str | None = None  # path or URL of the media; None for a placeholder
    source_duration: float | None = None  # the source's available length; None if unknown
    source_fps: Fraction | None = None
    width: int | None = None
    height: int | None = None
    has_audio: bool = False
    source_type: SourceType = SourceType.CLOUD
    owner: str | None = None
    status: ClipStatus = ClipStatus.READY
    prompt: str | None = None
    cost: float | None = None
    linked_clip_ids: tuple[str, ...] = ()
    # Fields we do not model, kept so that a load/save round trip loses nothing.
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def end(self) -> float:
        return self.start + self.duration

    def with_(self, **changes: Any) -> Clip:
        return replace(self, **changes)


@dataclass(frozen=True)
class Selection:
    """The one shared in/out selection and playhead that every collaborator sees."""

    in_point: float | None = None
    out_point: float | None = None
    playhead: float = 0.0


DEFAULT_VIDEO_TRACKS = (Track("v1", "V1"), Track("v2", "V2"))
DEFAULT_AUDIO_TRACKS = (Track("a1", "A1"),)


@dataclass(frozen=True)
class Timeline:
    name: str = "Untitled"
    tracks: tuple[Track, ...] = DEFAULT_VIDEO_TRACKS
    audio_tracks: tuple[Track, ...] = DEFAULT_AUDIO_TRACKS
    clips: tuple[Clip, ...] = ()
    selection: Selection = Selection()
    saved_at: str | None = None
    saved_by: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def _by_id(self) -> dict[str, Clip]:
        # Built once per (immutable) timeline; the first clip wins if ids repeat.
        found: dict[str, Clip] = {}
        for clip in self.clips:
            found.setdefault(clip.id, clip)
        return found

    def clip(self, clip_id: str) -> Clip:
        try:
            return self._by_id[clip_id]
        except KeyError:
            raise ClipNotFound(clip_id) from None

    def has_clip(self, clip_id: str) -> bool:
        return clip_id in self._by_id

    def tracks_of(self, kind: ClipKind) -> tuple[Track, ...]:
        return self.tracks if kind is ClipKind.VIDEO else self.audio_tracks

    def on_track(self, kind: ClipKind, track_index: int) -> list[Clip]:
        """Clips of one track, ordered by start."""
        found = [c for c in self.clips if c.kind is kind and c.track_index == track_index]
        return sorted(found, key=lambda c: c.start)

    @property
    def duration(self) -> float:
        return max((c.end for c in self.clips), default=0.0)

    def with_clips(self, clips: Iterable[Clip]) -> Timeline:
        return replace(self, clips=tuple(clips))

    def with_(self, **changes: Any) -> Timeline:
        return replace(self, **changes)
