"""Per-user undo and redo: every accepted command records the patch it made, and its inverse.

A patch holds each touched clip before and after (``None`` where it did not exist) and the
track lists when they changed. Undo applies the inverse patch to the timeline as it is now, field
by field: a field that someone else changed since is a conflict, so the undo is refused with
the reason and nothing changes; fields nobody touched (a generation's status, say) are kept.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass

from shotline.timeline import Clip, EditError, Timeline, Track, check_timeline

UNDO_DEPTH = 200  # steps kept per user and project (issue 7 asks for at least 100)
_CLIP_FIELDS = tuple(f.name for f in dataclasses.fields(Clip))


@dataclass(frozen=True)
class Patch:
    label: str
    clips: tuple[tuple[Clip | None, Clip | None], ...] = ()
    tracks: tuple[tuple[Track, ...], tuple[Track, ...]] | None = None
    audio_tracks: tuple[tuple[Track, ...], tuple[Track, ...]] | None = None

    @classmethod
    def between(cls, old: Timeline, new: Timeline, label: str) -> Patch:
        before = {c.id: c for c in old.clips}
        changes: list[tuple[Clip | None, Clip | None]] = []
        for clip in new.clips:
            previous = before.pop(clip.id, None)
            if previous is not clip and previous != clip:
                changes.append((previous, clip))
        changes.extend((gone, None) for gone in before.values())
        return cls(
            label=label,
            clips=tuple(changes),
            tracks=(old.tracks, new.tracks) if old.tracks != new.tracks else None,
            audio_tracks=(
                (old.audio_tracks, new.audio_tracks)
                if old.audio_tracks != new.audio_tracks
                else None
            ),
        )

    @property
    def empty(self) -> bool:
        return not self.clips and self.tracks is None and self.audio_tracks is None

    def inverse(self) -> Patch:
        def swap(
            pair: tuple[tuple[Track, ...], tuple[Track, ...]] | None,
        ) -> tuple[tuple[Track, ...], tuple[Track, ...]] | None:
            return None if pair is None else (pair[1], pair[0])

        return Patch(
            label=self.label,
            clips=tuple((after, before) for before, after in self.clips),
            tracks=swap(self.tracks),
            audio_tracks=swap(self.audio_tracks),
        )

    def apply(self, timeline: Timeline) -> Timeline:
        """The timeline with this patch made on it; ``EditError`` (nothing changes) when what it
        expects to find has been changed by someone else since."""
        changes: dict[str, tuple[Track, ...]] = {}
        for attr, pair in (("tracks", self.tracks), ("audio_tracks", self.audio_tracks)):
            if pair is not None:
                if getattr(timeline, attr) != pair[0]:
                    raise EditError("the tracks were changed by another edit since")
                changes[attr] = pair[1]
        updated: dict[str, Clip | None] = {}
        added: list[Clip] = []
        for before, after in self.clips:
            clip_id = (before or after).id  # type: ignore[union-attr]
            current = timeline.clip(clip_id) if timeline.has_clip(clip_id) else None
            if before is None:
                if current is not None:
                    raise EditError(f"a clip with id {clip_id!r} exists again")
                assert after is not None
                added.append(after)
            elif after is None:
                if current is not None:
                    updated[clip_id] = None  # already gone is as good as removed
            else:
                if current is None:
                    raise EditError(f"clip {clip_id!r} was deleted by another edit since")
                moved = {}
                for name in _CLIP_FIELDS:
                    old, new = getattr(before, name), getattr(after, name)
                    if old != new:
                        if getattr(current, name) != old:
                            raise EditError(f"clip {clip_id!r} was changed by another edit since")
                        moved[name] = new
                updated[clip_id] = current.with_(**moved)
        clips = [updated.get(c.id, c) for c in timeline.clips]
        result = timeline.with_(
            clips=(*(c for c in clips if c is not None), *added),
            **changes,
        )
        touched = [c.id for c in added] + [i for i, c in updated.items() if c is not None]
        # Changed tracks can strand clips this patch does not know about: check them all then.
        check_timeline(result, None if changes else touched)
        return result


class History:
    """One user's undo and redo stacks in one project."""

    def __init__(self, depth: int = UNDO_DEPTH) -> None:
        self.undo: deque[Patch] = deque(maxlen=depth)
        self.redo: deque[Patch] = deque(maxlen=depth)

    def record(self, patch: Patch) -> None:
        if not patch.empty:
            self.undo.append(patch)
            self.redo.clear()
