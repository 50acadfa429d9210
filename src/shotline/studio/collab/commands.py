"""Edit commands as clients send them (HTTP body or socket message), applied with the core.

The names are the seed's camelCase JSON names; times are seconds. Every command is a pure
function of the timeline: ``apply`` returns the new timeline or raises the core's ``EditError``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from shotline.timeline import (
    ClipKind,
    EditError,
    SnapshotError,
    Timeline,
    add_clip,
    add_track,
    delete_clip,
    link_clips,
    move_clip,
    move_clip_to,
    remove_track,
    split_clip,
    trim_clip,
    unlink_clip,
)
from shotline.timeline.snapshot import clip_from_dict

Seconds = Annotated[float, Field(ge=0, le=1e7, allow_inf_nan=False)]
Delta = Annotated[float, Field(ge=-1e7, le=1e7, allow_inf_nan=False)]
MAX_ID = 200
ClipId = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
TrackIndex = Annotated[int, Field(ge=0, le=999)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        raise NotImplementedError


class AddClip(_Command):
    """Add a clip (seed JSON); a ``local`` clip is owned by whoever adds it."""

    op: Literal["add"]
    clip: dict[str, Any]

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        try:
            clip = clip_from_dict(self.clip)
        except SnapshotError as exc:
            raise EditError(str(exc)) from exc
        if not 0 < len(clip.id) <= MAX_ID:
            raise EditError(f"a clip id has 1 to {MAX_ID} characters, got {len(clip.id)}")
        if clip.owner is None:
            clip = clip.with_(owner=user)
        return add_clip(timeline, clip)


class MoveClip(_Command):
    """Move a clip (its linked group follows): to ``startTime``/``trackIndex``, or by
    ``delta`` seconds and ``trackDelta`` tracks."""

    op: Literal["move"]
    clipId: ClipId
    startTime: Seconds | None = None
    trackIndex: TrackIndex | None = None
    delta: Delta | None = None
    trackDelta: Annotated[int, Field(ge=-999, le=999)] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> MoveClip:
        absolute = self.startTime is not None or self.trackIndex is not None
        relative = self.delta is not None or self.trackDelta is not None
        if absolute == relative:
            raise ValueError("give startTime/trackIndex or delta/trackDelta (one of the two)")
        return self

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        if self.delta is not None or self.trackDelta is not None:
            return move_clip(timeline, self.clipId, self.delta or 0.0, self.trackDelta or 0)
        start = timeline.clip(self.clipId).start if self.startTime is None else self.startTime
        return move_clip_to(timeline, self.clipId, start, self.trackIndex)


class MoveToTrack(_Command):
    op: Literal["moveToTrack"]
    clipId: ClipId
    trackIndex: TrackIndex

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        clip = timeline.clip(self.clipId)
        return move_clip(timeline, self.clipId, 0.0, self.trackIndex - clip.track_index)


class TrimClip(_Command):
    op: Literal["trim"]
    clipId: ClipId
    edge: Literal["start", "end"]
    to: Seconds

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        return trim_clip(timeline, self.clipId, self.edge, self.to)


class SplitClip(_Command):
    op: Literal["split"]
    clipId: ClipId
    at: Seconds
    newId: ClipId | None = None

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        return split_clip(timeline, self.clipId, self.at, self.newId)


class DeleteClip(_Command):
    op: Literal["delete"]
    clipId: ClipId

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        return delete_clip(timeline, self.clipId)


class LinkClips(_Command):
    op: Literal["link"]
    clipId: ClipId
    sourceIds: Annotated[list[ClipId], Field(min_length=1, max_length=100)]

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        return link_clips(timeline, self.clipId, self.sourceIds)


class UnlinkClip(_Command):
    op: Literal["unlink"]
    clipId: ClipId

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        return unlink_clip(timeline, self.clipId)


class AddTrack(_Command):
    """Insert a track (on top unless ``index`` says where)."""

    op: Literal["addTrack"]
    kind: Literal["video", "audio"] = "video"
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    index: TrackIndex | None = None

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        return add_track(timeline, ClipKind(self.kind), self.name, self.index)


class RemoveTrack(_Command):
    """Remove an empty track."""

    op: Literal["removeTrack"]
    kind: Literal["video", "audio"] = "video"
    index: TrackIndex

    def apply(self, timeline: Timeline, user: str) -> Timeline:
        return remove_track(timeline, ClipKind(self.kind), self.index)


Command = Annotated[
    AddClip
    | MoveClip
    | MoveToTrack
    | TrimClip
    | SplitClip
    | DeleteClip
    | LinkClips
    | UnlinkClip
    | AddTrack
    | RemoveTrack,
    Field(discriminator="op"),
]
COMMAND: TypeAdapter[Command] = TypeAdapter(Command)


def describe(command: _Command) -> str:
    """A short label for undo ("move clip-3")."""
    target = getattr(command, "clipId", None)
    op: str = getattr(command, "op", type(command).__name__)
    return f"{op} {target}" if target else op
