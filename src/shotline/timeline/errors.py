"""Errors raised by timeline edits and validation. Each says which clip and why."""

from __future__ import annotations


class TimelineError(ValueError):
    """Base for every timeline error; a rejected edit leaves the timeline unchanged."""


class ClipNotFound(TimelineError, KeyError):
    def __init__(self, clip_id: str) -> None:
        super().__init__(f"no clip with id {clip_id!r}")
        self.clip_id = clip_id

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class EditError(TimelineError):
    """An edit that would break a timeline rule (overlap, out of range, unknown track...)."""


class OverlapError(EditError):
    def __init__(self, clip_id: str, other_id: str, track: str) -> None:
        super().__init__(f"clip {clip_id!r} would overlap clip {other_id!r} on track {track}")
        self.clip_id = clip_id
        self.other_id = other_id


class SnapshotError(TimelineError):
    """A saved timeline that cannot be read: names the clip and field at fault."""
