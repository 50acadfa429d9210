"""The timeline: a pure model of tracks, clips and the shared selection, and the edits on it.

Nothing here does I/O or imports another shotline package.
"""

from shotline.timeline.edits import (
    add_clip,
    add_track,
    check_timeline,
    clear_selection,
    dangling_links,
    delete_clip,
    link_clips,
    linked_group,
    move_clip,
    move_clip_to,
    remove_track,
    set_selection,
    split_clip,
    trim_clip,
    unlink_clip,
)
from shotline.timeline.errors import (
    ClipNotFound,
    EditError,
    OverlapError,
    SnapshotError,
    TimelineError,
)
from shotline.timeline.model import (
    Clip,
    ClipKind,
    ClipStatus,
    Selection,
    SourceType,
    Timeline,
    Track,
)
from shotline.timeline.resolve import BoundaryFrames, FrameRef, resolve_frame, selection_frames

__all__ = [
    "BoundaryFrames",
    "Clip",
    "ClipKind",
    "ClipNotFound",
    "ClipStatus",
    "EditError",
    "FrameRef",
    "OverlapError",
    "Selection",
    "SnapshotError",
    "SourceType",
    "Timeline",
    "TimelineError",
    "Track",
    "add_clip",
    "add_track",
    "check_timeline",
    "clear_selection",
    "dangling_links",
    "delete_clip",
    "link_clips",
    "linked_group",
    "move_clip",
    "move_clip_to",
    "remove_track",
    "resolve_frame",
    "selection_frames",
    "set_selection",
    "split_clip",
    "trim_clip",
    "unlink_clip",
]
