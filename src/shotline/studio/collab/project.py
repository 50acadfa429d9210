"""One project's live timeline: its Y document, its store, the authoritative timeline, undo.

Lives on the collab loop for as long as the server runs, whether or not anyone is connected:
rooms come and go with their clients and borrow this document, so a generation that finishes
while nobody watches still writes its clip, and the store still records it.

Persistence: every document update (server writes and the selection clients write) goes to the
project's ``SQLiteYStore``; on open, the stored updates are applied before anything else sees the
document. The store's squash path only keeps history when compression callbacks are registered,
so identity callbacks are (a restart after a squash is tested).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from anyio.abc import TaskGroup
from pycrdt import Doc, TransactionEvent, merge_updates
from pycrdt._base import BaseEvent
from pycrdt.store import SQLiteYStore, YDocNotFound

from shotline.studio.collab.history import History, Patch
from shotline.studio.collab.ydoc import SERVER, TimelineDoc
from shotline.timeline import (
    EditError,
    Selection,
    SnapshotError,
    Timeline,
    Track,
    add_clip,
    check_timeline,
)
from shotline.timeline.snapshot import clip_from_dict, clip_to_dict

log = logging.getLogger(__name__)


def _same(data: bytes) -> bytes:
    return data


class TimelineStore(SQLiteYStore):
    """The project's updates in ``<data>/collab/<project>.ystore.db``."""

    checkpoint_interval = 200
    squash_no_more_often_than = 60

    def __init__(self, db_path: Path, project: str, squash_after: float | None) -> None:
        super().__init__(path=project)
        self.db_path = str(db_path)
        self.squash_history_older_than = None if squash_after is None else int(squash_after)
        if squash_after is not None and squash_after <= 0:
            self.squash_no_more_often_than = 0
        self.register_compression_callbacks(_same, _same)  # see the module docstring


class ProjectTimeline:
    def __init__(self, project: str, doc: Doc[Any], store: TimelineStore) -> None:
        self.project = project
        self.doc = doc
        self.view = TimelineDoc(doc)
        self.store = store
        self.timeline = Timeline()  # structure only; the selection lives in the document
        self.histories: dict[str, History] = {}
        self._updates: asyncio.Queue[bytes] = asyncio.Queue()
        self._foreign: set[str] = set()  # clip ids a client wrote directly, to revert
        self._foreign_roots = False
        self._revert_scheduled = False
        self.reverts = 0  # how many direct structural writes were undone (for tests and logs)

    @classmethod
    async def open(
        cls, project: str, db_path: Path, group: TaskGroup, squash_after: float | None = None
    ) -> ProjectTimeline:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        store = TimelineStore(db_path, project, squash_after)
        await group.start(store.start)
        doc: Doc[Any] = Doc()
        with contextlib.suppress(YDocNotFound):  # a new project: nothing stored yet
            await store.apply_updates(doc)
        opened = cls(project, doc, store)
        opened._load()
        doc.observe(opened._on_update)
        opened.view.clips.observe_deep(opened._on_clips)
        for root in (opened.view.tracks, opened.view.audio_tracks, opened.view.meta):
            root.observe_deep(opened._on_roots)
        group.start_soon(opened._write_updates)
        if opened.view.is_empty():
            with doc.transaction(origin=SERVER):
                opened.view.write_all(opened.timeline)
        return opened

    def _load(self) -> None:
        if self.view.is_empty():
            return
        try:
            self.timeline = self.view.read().with_(selection=Selection())
        except SnapshotError as exc:
            # Only the server writes structure, so this means a broken store: keep what is valid.
            log.error("project %s: stored timeline breaks a rule (%s); keeping valid clips",
                      self.project, exc)  # fmt: skip
            self.timeline = _salvage(self.view)

    # -- reading ---------------------------------------------------------------------------------

    def current(self) -> Timeline:
        return self.timeline.with_(selection=self.view.read_selection())

    @property
    def revision(self) -> int:
        value = self.view.meta.get("revision")
        return int(value) if isinstance(value, int | float) else 0

    # -- writing (synchronous on the loop: no other write can interleave) ------------------------

    def write(self, new: Timeline) -> None:
        """Make ``new`` (already checked) the timeline, in one transaction."""
        self._revert_now()
        with self.doc.transaction(origin=SERVER):
            self.view.write_diff(self.timeline, new)
        self.timeline = new.with_(selection=Selection())

    def replace(self, new: Timeline) -> None:
        """Everything at once (a load): structure, selection with the playhead at 0."""
        check_timeline(new)
        with self.doc.transaction(origin=SERVER):
            sel = new.selection
            self.view.write_all(new.with_(selection=Selection(sel.in_point, sel.out_point, 0.0)))
        self.timeline = new.with_(selection=Selection())
        self._foreign.clear()
        self._foreign_roots = False
        self.histories.clear()  # the old steps refer to a timeline that is gone

    def set_selection(self, selection: Selection) -> None:
        with self.doc.transaction(origin=SERVER):
            self.view.write_selection(selection)

    def history(self, user: str) -> History:
        return self.histories.setdefault(user, History())

    def undo(self, user: str) -> Timeline:
        return self._step(user, undo=True)

    def redo(self, user: str) -> Timeline:
        return self._step(user, undo=False)

    def _step(self, user: str, *, undo: bool) -> Timeline:
        history = self.history(user)
        stack, other = (history.undo, history.redo) if undo else (history.redo, history.undo)
        verb = "undo" if undo else "redo"
        if not stack:
            raise EditError(f"nothing to {verb}")
        patch = stack[-1]
        try:
            new = (patch.inverse() if undo else patch).apply(self.timeline)
        except EditError as exc:
            raise EditError(f"cannot {verb} {patch.label}: {exc}") from exc
        stack.pop()
        self.write(new)
        other.append(patch)
        return self.current()

    def record(self, user: str, patch: Patch) -> None:
        self.history(user).record(patch)

    # -- persistence -----------------------------------------------------------------------------

    def _on_update(self, event: TransactionEvent) -> None:
        self._updates.put_nowait(event.update)

    async def _write_updates(self) -> None:
        while True:
            batch = [await self._updates.get()]
            while not self._updates.empty():
                batch.append(self._updates.get_nowait())
            try:
                await self.store.write(batch[0] if len(batch) == 1 else merge_updates(*batch))
            except Exception:
                log.exception("project %s: could not store %d update(s)", self.project, len(batch))
            finally:
                for _ in batch:
                    self._updates.task_done()

    async def flush(self) -> None:
        """Wait until every update so far is in the store."""
        await self._updates.join()

    async def close(self) -> None:
        await self.flush()
        await self.store.stop()

    # -- clients may not write structure ---------------------------------------------------------

    def _on_clips(self, events: list[BaseEvent]) -> None:
        if _by_server(events):
            return
        for event in events:
            path = list(getattr(event, "path", None) or [])
            if path:  # inside one clip's map: path[0] is its id
                self._foreign.add(str(path[0]))
            else:  # clips added, removed or replaced at the root
                self._foreign.update(str(k) for k in (getattr(event, "keys", None) or {}))
        self._schedule_revert()

    def _on_roots(self, events: list[BaseEvent]) -> None:
        if not _by_server(events):
            self._foreign_roots = True
            self._schedule_revert()

    def _schedule_revert(self) -> None:
        if not self._revert_scheduled:
            self._revert_scheduled = True
            asyncio.get_running_loop().call_soon(self._revert_now)

    def _revert_now(self) -> None:
        """Put back what clients wrote into the structure (after their transaction ended)."""
        self._revert_scheduled = False
        if not self._foreign and not self._foreign_roots:
            return
        touched, self._foreign = self._foreign, set()
        roots, self._foreign_roots = self._foreign_roots, False
        with self.doc.transaction(origin=SERVER):
            self._restore_clips(touched)
            if roots:
                self.view.write_tracks(self.timeline.tracks, self.timeline.audio_tracks)
                self.view.write_meta(self.timeline, revision=self.revision)
        self.reverts += 1
        log.warning("project %s: reverted a direct structural write by a client", self.project)

    def _restore_clips(self, ids: Iterable[str]) -> None:
        wanted = {c.id: c for c in self.timeline.clips} if ids else {}
        for clip_id in ids:
            clip = wanted.get(clip_id)
            if clip is None:
                if clip_id in self.view.clips:
                    del self.view.clips[clip_id]
                continue
            fields = clip_to_dict(clip)
            if self.view.clip_fields(clip_id) != fields:
                self.view.write_clip_fields(clip_id, fields)


def _by_server(events: list[BaseEvent]) -> bool:
    return bool(events) and events[0].transaction.origin == SERVER


def _salvage(view: TimelineDoc) -> Timeline:
    tracks = [t for t in view.tracks.to_py() or [] if isinstance(t, dict)]
    audio = [t for t in view.audio_tracks.to_py() or [] if isinstance(t, dict)]

    timeline = Timeline(
        tracks=tuple(Track(str(t.get("id")), str(t.get("name", ""))) for t in tracks)
        or Timeline().tracks,
        audio_tracks=tuple(Track(str(t.get("id")), str(t.get("name", ""))) for t in audio),
    )
    for data in (view.clips.to_py() or {}).values():
        try:
            timeline = add_clip(timeline, clip_from_dict(data))
        except (EditError, SnapshotError):
            log.error("dropping stored clip %r", data.get("id") if isinstance(data, dict) else "?")
    return timeline
