"""Saved timelines: seed-compatible JSON beside a PNG preview, one folder per project.

The files are the database (seed 000): ``<data>/saves/<project>/<save id>.json`` and ``.png``,
written atomically by ``shotline.savefile``. Ids are made here (time stamp + random), never from
a client's name, so a name cannot become a path. Loading replaces the live timeline for everyone.
"""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from shotline.media.errors import MediaError
from shotline.media.frames import thumbnail
from shotline.media.sources import resolve_source
from shotline.savefile import load_timeline, preview_path, save_timeline
from shotline.studio.collab.service import PROJECT, TimelineService
from shotline.studio.events import EventLog, TimelineLoadedEvent, TimelineSavedEvent
from shotline.timeline import Timeline
from shotline.timeline.resolve import resolve_frame

log = logging.getLogger(__name__)
SAVE_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
PREVIEW_SIZE = (640, 360)


class SaveNotFound(LookupError):
    def __init__(self, project: str, save_id: str) -> None:
        super().__init__(f"project {project!r} has no saved timeline {save_id[:80]!r}")


@dataclass(frozen=True)
class SavedTimeline:
    id: str
    name: str
    saved_by: str | None
    saved_at: str | None
    clips: int
    tracks: int
    audio_tracks: int
    has_preview: bool


def frame_under_playhead(
    timeline: Timeline, source_path: Callable[[str], str | None] | None = None
) -> bytes:
    """A PNG of what the player shows at the playhead: the topmost clip's frame, else black."""
    image = Image.new("RGB", PREVIEW_SIZE)
    ref = resolve_frame(timeline, timeline.selection.playhead)
    if ref is not None and ref.source:
        path = (source_path or _local_file)(ref.source)
        if path is not None:
            try:
                image = thumbnail(path, float(ref.source_time), PREVIEW_SIZE)
            except (MediaError, OSError, ValueError) as exc:
                log.warning("preview of clip %s: %s", ref.clip_id, exc)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _local_file(source: str) -> str | None:
    try:
        return resolve_source(source)
    except MediaError:
        return None


class SaveService:
    def __init__(
        self,
        data_dir: Path,
        timelines: TimelineService,
        events: EventLog | None = None,
        source_path: Callable[[str, str], str | None] | None = None,
    ) -> None:
        self.root = Path(data_dir) / "saves"
        self.timelines = timelines
        self.events = events
        self.source_path = source_path  # (project, a clip's source) -> a local file, or None

    def folder(self, project: str) -> Path:
        if not PROJECT.match(project):
            raise ValueError(f"not a project id: {project[:80]!r}")
        return self.root / project

    def path(self, project: str, save_id: str) -> Path:
        path = self.folder(project) / f"{save_id}.json"
        if not SAVE_ID.match(save_id) or not path.is_file():
            raise SaveNotFound(project, save_id)
        return path

    def save(self, project: str, name: str, user: str) -> SavedTimeline:
        """Save the live timeline under ``name`` with the frame under the playhead."""
        timeline = self.timelines.get(project).with_(name=name)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        save_id = f"{stamp}-{secrets.token_hex(4)}"
        path = self.folder(project) / f"{save_id}.json"
        png = frame_under_playhead(timeline, self._source_path(project))
        save_timeline(timeline, path, saved_by=user, preview_png=png)
        if self.events is not None:
            self.events.publish(project, TimelineSavedEvent(save_id=save_id, name=name, by=user))
        return self._entry(path)

    def _source_path(self, project: str) -> Callable[[str], str | None] | None:
        """A clip's source as a local file for the preview: the project's media URLs through
        the catalog; a source that cannot be found leaves the preview black, never the save."""
        find = self.source_path
        if find is None:
            return None

        def path(source: str) -> str | None:
            try:
                return find(project, source) or _local_file(source)
            except (LookupError, OSError, ValueError, MediaError) as exc:
                log.warning("preview source %s of %s: %s", source[:100], project, exc)
                return None

        return path

    def list(self, project: str) -> list[SavedTimeline]:
        """Newest first; a file that cannot be read is logged and left out."""
        folder = self.folder(project)
        entries = []
        for path in sorted(folder.glob("*.json"), reverse=True) if folder.is_dir() else ():
            if SAVE_ID.match(path.stem):
                try:
                    entries.append(self._entry(path))
                except (OSError, ValueError) as exc:
                    log.warning("unreadable saved timeline %s: %s", path, exc)
        return entries

    def get(self, project: str, save_id: str) -> SavedTimeline:
        return self._entry(self.path(project, save_id))

    def read(self, project: str, save_id: str) -> Timeline:
        return load_timeline(self.path(project, save_id))

    def preview(self, project: str, save_id: str) -> Path:
        png = preview_path(self.path(project, save_id))
        if not png.is_file():
            raise SaveNotFound(project, f"{save_id}.png")
        return png

    def load(self, project: str, save_id: str, user: str) -> Timeline:
        """Replace the live timeline for everyone (one transaction; playhead to 0)."""
        saved = self.read(project, save_id)
        result = self.timelines.replace(project, saved, user)
        if self.events is not None:
            loaded = TimelineLoadedEvent(save_id=save_id, name=saved.name, by=user)
            self.events.publish(project, loaded)
        return result

    def delete(self, project: str, save_id: str) -> None:
        path = self.path(project, save_id)
        preview_path(path).unlink(missing_ok=True)
        path.unlink()

    def _entry(self, path: Path) -> SavedTimeline:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a saved timeline")

        def count(key: str) -> int:
            value = data.get(key)
            return len(value) if isinstance(value, list) else 0

        return SavedTimeline(
            id=path.stem,
            name=str(data.get("name") or path.stem),
            saved_by=data.get("savedBy"),
            saved_at=data.get("savedAt"),
            clips=count("clips"),
            tracks=count("tracks"),
            audio_tracks=count("audioTracks"),
            has_preview=preview_path(path).is_file(),
        )
