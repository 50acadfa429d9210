"""``TimelineService``: the server's side of every project's live timeline.

The server owns structure: commands from users (HTTP or socket) and system writes (generation,
uploads) are applied with the timeline core and written into the project's Y document in one
transaction. Each method exists twice: plain (callable from any thread, it waits for the collab
loop) and ``a``-prefixed (awaitable from any event loop).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import anyio

from shotline.studio.collab.commands import Command, describe
from shotline.studio.collab.history import Patch
from shotline.studio.collab.loop import CollabLoop
from shotline.studio.collab.project import ProjectTimeline
from shotline.studio.collab.socket import BridgeChannel, Rooms
from shotline.timeline import (
    Clip,
    ClipKind,
    EditError,
    OverlapError,
    Selection,
    Timeline,
    add_clip,
    add_track,
    check_timeline,
    set_selection,
)
from shotline.timeline.snapshot import clip_from_dict, clip_to_dict

T = TypeVar("T")
PROJECT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# A clip's identity: ``update_clip`` refuses to change these (other fields are checked by the core).
_IDENTITY = {"id", "type"}


class TimelineService:
    def __init__(self, data_dir: Path, *, squash_after: float | None = 3600.0) -> None:
        self.data_dir = Path(data_dir)
        self.squash_after = squash_after
        self.loop = CollabLoop()
        self._projects: dict[str, ProjectTimeline] = {}
        self._opening: dict[str, anyio.Lock] = {}
        self.loop.on_close(self._close_projects)
        self.rooms: Rooms | None = None  # started with the first socket
        self._rooms_lock: anyio.Lock | None = None

    # -- the project documents (on the loop) -----------------------------------------------------

    def store_path(self, project: str) -> Path:
        if not PROJECT.match(project):
            raise ValueError(f"not a project id: {project[:80]!r}")
        return self.data_dir / "collab" / f"{project}.ystore.db"

    async def open(self, project: str) -> ProjectTimeline:
        """The project's live timeline, loaded from its store the first time (on the loop)."""
        opened = self._projects.get(project)
        if opened is not None:
            return opened
        lock = self._opening.setdefault(project, anyio.Lock())
        async with lock:
            opened = self._projects.get(project)
            if opened is None:
                opened = await ProjectTimeline.open(
                    project, self.store_path(project), self.loop.task_group, self.squash_after
                )
                self._projects[project] = opened
        return opened

    async def serve_channel(self, channel: BridgeChannel) -> None:
        """Serve one client socket in its project's room (on the loop)."""
        if self._rooms_lock is None:
            self._rooms_lock = anyio.Lock()
        async with self._rooms_lock:
            if self.rooms is None:
                rooms = Rooms(self)
                await self.loop.task_group.start(rooms.start)
                self.rooms = rooms
        await self.rooms.serve(channel)

    async def _close_projects(self) -> None:
        if self.rooms is not None:
            await self.rooms.close()
        for opened in self._projects.values():
            await opened.close()
        # A later call starts a new loop: nothing bound to this one may survive.
        self.rooms, self._rooms_lock = None, None
        self._projects.clear()
        self._opening.clear()

    def close(self) -> None:
        """Flush every store and stop the collab loop (a later call starts it again)."""
        self.loop.close()

    def _run(self, work: Callable[[], Awaitable[T]]) -> T:
        return self.loop.call(work)

    async def _arun(self, work: Callable[[], Awaitable[T]]) -> T:
        return await self.loop.acall(work)

    # -- reading ---------------------------------------------------------------------------------

    async def _get(self, project: str) -> Timeline:
        return (await self.open(project)).current()

    def get(self, project: str) -> Timeline:
        return self._run(lambda: self._get(project))

    async def aget(self, project: str) -> Timeline:
        return await self._arun(lambda: self._get(project))

    async def _revision(self, project: str) -> int:
        return (await self.open(project)).revision

    async def arevision(self, project: str) -> int:
        return await self._arun(lambda: self._revision(project))

    # -- user edits ------------------------------------------------------------------------------

    async def apply_command(self, project: str, user: str, command: Command) -> Timeline:
        """On the loop: apply and write one user command."""
        live = await self.open(project)
        new = command.apply(live.timeline, user)  # raises EditError: nothing written
        live.record(user, Patch.between(live.timeline, new, describe(command)))
        live.write(new)
        return live.current()

    def command(self, project: str, user: str, command: Command) -> Timeline:
        return self._run(lambda: self.apply_command(project, user, command))

    async def acommand(self, project: str, user: str, command: Command) -> Timeline:
        return await self._arun(lambda: self.apply_command(project, user, command))

    async def step(self, project: str, user: str, *, redo: bool) -> Timeline:
        """On the loop: undo (or redo) the user's last command."""
        live = await self.open(project)
        return live.redo(user) if redo else live.undo(user)

    def undo(self, project: str, user: str) -> Timeline:
        return self._run(lambda: self.step(project, user, redo=False))

    def redo(self, project: str, user: str) -> Timeline:
        return self._run(lambda: self.step(project, user, redo=True))

    async def aundo(self, project: str, user: str) -> Timeline:
        return await self._arun(lambda: self.step(project, user, redo=False))

    async def aredo(self, project: str, user: str) -> Timeline:
        return await self._arun(lambda: self.step(project, user, redo=True))

    async def _select(
        self,
        project: str,
        in_point: float | None,
        out_point: float | None,
        playhead: float | None,
        clear: bool,
    ) -> Timeline:
        live = await self.open(project)
        current = live.current()
        base = current.with_(selection=Selection(playhead=current.selection.playhead))
        updated = set_selection(base if clear else current, in_point, out_point, playhead)
        live.set_selection(updated.selection)
        return live.current()

    async def aselect(
        self,
        project: str,
        *,
        in_point: float | None = None,
        out_point: float | None = None,
        playhead: float | None = None,
        clear: bool = False,
    ) -> Timeline:
        """Set the shared in/out and playhead (None keeps a value; ``clear`` drops in/out)."""
        return await self._arun(lambda: self._select(project, in_point, out_point, playhead, clear))

    def select(
        self,
        project: str,
        *,
        in_point: float | None = None,
        out_point: float | None = None,
        playhead: float | None = None,
        clear: bool = False,
    ) -> Timeline:
        return self._run(lambda: self._select(project, in_point, out_point, playhead, clear))

    # -- system writes (not user edits: not in anyone's undo) ------------------------------------

    async def _update_clip(self, project: str, clip_id: str, fields: dict[str, Any]) -> Clip:
        live = await self.open(project)
        clip = live.timeline.clip(clip_id)
        if _IDENTITY & fields.keys():
            raise EditError(f"clip {clip_id!r}: {sorted(_IDENTITY & fields.keys())} cannot change")
        data = clip_to_dict(clip) | fields  # None removes a field (an error that is over)
        updated = clip_from_dict({k: v for k, v in data.items() if v is not None})
        new = live.timeline.with_clips(
            updated if c.id == clip_id else c for c in live.timeline.clips
        )
        check_timeline(new, [clip_id])
        live.write(new)
        return updated

    def update_clip(self, project: str, clip_id: str, **fields: Any) -> Clip:
        """Set fields of a clip by their JSON names (``status``, ``cloudUrl``, ``sourceType``,
        ``error``, ``cost``...); written even with nobody connected, not recorded for undo."""
        return self._run(lambda: self._update_clip(project, clip_id, fields))

    async def aupdate_clip(self, project: str, clip_id: str, **fields: Any) -> Clip:
        return await self._arun(lambda: self._update_clip(project, clip_id, fields))

    async def _add_clip_system(
        self, project: str, clip: Clip, link_to: Sequence[str], new_track_if_needed: bool
    ) -> Clip:
        live = await self.open(project)
        timeline = live.timeline
        sources = [timeline.clip(i) for i in link_to]
        links = tuple(dict.fromkeys((*clip.linked_clip_ids, *link_to)))
        placed = clip.with_(kind=ClipKind.VIDEO, linked_clip_ids=links)
        lowest = max(
            (s.track_index + 1 for s in sources if s.kind is ClipKind.VIDEO),
            default=clip.track_index,
        )
        new: Timeline | None = None
        for track in range(lowest, len(timeline.tracks)):
            try:
                new = add_clip(timeline, placed.with_(track_index=track))
                break
            except OverlapError:
                continue
        if new is None:
            if not new_track_if_needed:
                raise EditError(
                    f"clip {clip.id!r}: no video track above its sources is free from "
                    f"{clip.start:.3f}s to {clip.end:.3f}s"
                )
            grown = add_track(timeline, ClipKind.VIDEO)
            new = add_clip(grown, placed.with_(track_index=max(lowest, len(grown.tracks) - 1)))
        live.write(new)
        return new.clip(clip.id)

    def add_clip_system(
        self,
        project: str,
        clip: Clip,
        *,
        link_to: Sequence[str] = (),
        new_track_if_needed: bool = True,
    ) -> Clip:
        """Place a generated clip on the lowest free video track above its sources (``link_to``,
        which it is linked to), adding a track on top when none is free; returns it as placed."""
        return self._run(lambda: self._add_clip_system(project, clip, link_to, new_track_if_needed))

    async def aadd_clip_system(
        self,
        project: str,
        clip: Clip,
        *,
        link_to: Sequence[str] = (),
        new_track_if_needed: bool = True,
    ) -> Clip:
        return await self._arun(
            lambda: self._add_clip_system(project, clip, link_to, new_track_if_needed)
        )

    async def _replace(self, project: str, timeline: Timeline) -> Timeline:
        live = await self.open(project)
        live.replace(timeline)
        return live.current()

    def replace(self, project: str, timeline: Timeline, user: str | None = None) -> Timeline:
        """Replace the whole timeline for everyone in one transaction; the playhead goes to 0
        and every undo history of the project is dropped."""
        return self._run(lambda: self._replace(project, timeline))

    async def areplace(self, project: str, timeline: Timeline, user: str | None = None) -> Timeline:
        return await self._arun(lambda: self._replace(project, timeline))

    # -- tests and tools -------------------------------------------------------------------------

    async def _flush(self, project: str) -> None:
        await (await self.open(project)).flush()

    def flush(self, project: str) -> None:
        """Wait until the project's document is in its store."""
        self._run(lambda: self._flush(project))

    async def _reverts(self, project: str) -> int:
        return (await self.open(project)).reverts

    def reverts(self, project: str) -> int:
        return self._run(lambda: self._reverts(project))


__all__ = ["TimelineService", "clip_from_dict"]
