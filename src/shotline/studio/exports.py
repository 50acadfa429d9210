"""Exports of a project's live timeline: an MP4 render (a background job with progress events)
and the editorial interchange files (EDL, FCP 7 XML, FCPXML, OTIO), kept as assets.

Interchange files take milliseconds and are written while the request waits. A render runs on
one worker thread (ffmpeg uses the cores; two renders at once would only share them), reports
progress through ``export`` events, and its record says queued, running, succeeded or failed.
A render cut short by a server stop is marked failed when the server starts again: nothing
stays "running" forever.

Clips name their media by the studio's media URL (``cloudUrl``); the render needs files, so
``media_path`` maps such a URL to the asset's local file.
"""

from __future__ import annotations

import builtins
import math
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shotline.assets.catalog import AssetCatalog, AssetKind
from shotline.db import metadata
from shotline.interchange.export import export_timeline
from shotline.studio.dam import DamItem, DamKind
from shotline.studio.errors import InvalidName, NotFound
from shotline.studio.events import EventLog, ExportEvent
from shotline.timeline.model import Timeline

exports_table = sa.Table(
    "studio_exports",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("project", sa.String(64), nullable=False, index=True),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Float, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("asset", sa.String(64)),
    sa.Column("size", sa.BigInteger),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)

# format -> (MIME type, file suffix)
FORMATS: dict[str, tuple[str, str]] = {
    "mp4": ("video/mp4", ".mp4"),
    "otio": ("application/json", ".otio"),
    "edl": ("text/plain", ".edl"),
    "fcp7": ("application/xml", ".xml"),
    "fcpxml": ("application/xml", ".fcpxml"),
}


class EmptyTimeline(InvalidName):
    """Nothing to render (422)."""


ExportStatus = Literal["queued", "running", "succeeded", "failed"]
PROGRESS_EVERY = 0.5  # seconds between progress events of one render


@dataclass(frozen=True)
class ExportOptions:
    width: int = 1280  # MP4 only
    height: int = 720
    fps: Fraction = Fraction(24)  # the MP4's rate, and the sequence rate of interchange files
    track: int = 0  # the video track an EDL holds (CMX 3600 has one)

    def as_json(self) -> dict[str, Any]:
        return {"width": self.width, "height": self.height, "fps": str(self.fps),
                "track": self.track}  # fmt: skip


@dataclass(frozen=True)
class ExportRecord:
    id: str
    project: str
    format: str
    status: ExportStatus
    progress: float
    error: str | None
    asset: str | None
    size: int | None
    filename: str
    by: str
    created_at: datetime
    finished_at: datetime | None

    @property
    def mime(self) -> str:
        return FORMATS[self.format][0]


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _record(row: Any) -> ExportRecord:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return ExportRecord(
        id=row.id, project=row.project, format=row.format, status=row.status,
        progress=row.progress, error=row.error, asset=row.asset, size=row.size,
        filename=row.filename, by=row.by, created_at=created,
        finished_at=_aware(row.finished_at),
    )  # fmt: skip


def _utc_now() -> datetime:
    return datetime.now(UTC)


def export_url(project: str, export_id: str) -> str:
    return f"/api/projects/{project}/exports/{export_id}/file"


# The studio's media URL (``cloudUrl``), as served by the media route (see STUDIO_CONTRACT.md).
_MEDIA_URL = re.compile(r"/api/projects/([^/]+)/media/([0-9a-f]{64})")


def media_file(catalog: AssetCatalog, project: str, url: str) -> str | None:
    """The local file of a media URL of ``project``; None for any other source (a URL of
    another project is not followed: a timeline cannot pull in assets it was not given)."""
    found = _MEDIA_URL.fullmatch(url)
    if found is None or found.group(1) != project:
        return None
    return str(catalog.local_path(found.group(2)))


class ExportService:
    def __init__(
        self,
        engine: Engine,
        catalog: AssetCatalog,
        events: EventLog,
        timeline_of: Callable[[str], Timeline],
        media_path: Callable[[str, str], str | None],
        *,
        clock: Callable[[], datetime] = _utc_now,
        progress_every: float = PROGRESS_EVERY,
    ) -> None:
        self.engine = engine
        self.progress_every = progress_every
        self.catalog = catalog
        self.events = events
        self.timeline_of = timeline_of
        self.media_path = media_path
        self.clock = clock
        self._renders = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-render")
        self._closed = threading.Event()

    # -- lifecycle ------------------------------------------------------------------------------

    def recover(self) -> int:
        """Mark renders a stopped server left queued or running as failed; returns how many."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                exports_table.update()
                .where(exports_table.c.status.in_(("queued", "running")))
                .values(status="failed", error="interrupted: the server stopped",
                        finished_at=self.clock())
                .returning(exports_table.c.id)
            ).all()  # fmt: skip
        return len(rows)

    def close(self) -> None:
        """Stop taking renders and wait for the running one."""
        self._closed.set()
        self._renders.shutdown(wait=True, cancel_futures=True)

    # -- reading --------------------------------------------------------------------------------

    def get(self, project: str, export_id: str) -> ExportRecord:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(exports_table).where(
                    exports_table.c.id == export_id, exports_table.c.project == project
                )
            ).first()
        if row is None:
            raise NotFound(f"no export {export_id[:40]!r} in project {project!r}")
        return _record(row)

    def list(self, project: str, limit: int = 200) -> builtins.list[ExportRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(exports_table)
                .where(exports_table.c.project == project)
                .order_by(exports_table.c.created_at.desc(), exports_table.c.id)
                .limit(limit)
            ).all()
        return [_record(r) for r in rows]

    def file(self, project: str, export_id: str) -> tuple[Path, ExportRecord]:
        record = self.get(project, export_id)
        if record.status != "succeeded" or record.asset is None:
            raise NotFound(f"export {export_id} has no file ({record.status})")
        return self.catalog.local_path(record.asset), record

    def dam_items(self, project: str) -> builtins.list[DamItem]:
        """The project's finished exports, for the DAM."""
        return [
            DamItem(
                id=f"export:{r.id}",
                kind=DamKind.EXPORT,
                name=r.filename,
                owner=r.by,
                created_at=r.created_at,
                status=r.status,
                asset=r.asset,
                mime=r.mime,
                size=r.size,
                url=export_url(project, r.id),
            )
            for r in self.list(project, limit=10_000)
            if r.status == "succeeded"
        ]

    # -- exporting ------------------------------------------------------------------------------

    def start(self, project: str, user: str, fmt: str, options: ExportOptions) -> ExportRecord:
        """Export the project's timeline as it is now. Interchange formats are done when this
        returns (an ``InterchangeError`` when the timeline cannot be written that way, and no
        record); an MP4 is queued and rendered in the background."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}; expected one of {sorted(FORMATS)}")
        timeline = self.timeline_of(project)
        if fmt == "mp4" and not timeline.clips:
            raise EmptyTimeline("the timeline is empty: nothing to render")
        export_id = uuid.uuid4().hex
        stamp = self.clock().strftime("%Y%m%d-%H%M%S")
        record = ExportRecord(
            id=export_id, project=project, format=fmt, status="queued", progress=0.0,
            error=None, asset=None, size=None, filename=f"{project}-{stamp}{FORMATS[fmt][1]}",
            by=user, created_at=self.clock(), finished_at=None,
        )  # fmt: skip
        if fmt != "mp4":
            with tempfile.TemporaryDirectory(prefix="shotline-export-") as scratch:
                out = Path(scratch) / record.filename
                export_timeline(timeline, out, fmt, rate=options.fps, track_index=options.track)
                record = self._stored(record, out)
            self._insert(record, options)
            self._publish(record)
            return record
        self._insert(record, options)
        self._publish(record)
        self._renders.submit(self._render, record, timeline, options)
        return record

    def _insert(self, record: ExportRecord, options: ExportOptions) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                exports_table.insert().values(
                    id=record.id, project=record.project, format=record.format,
                    status=record.status, progress=record.progress, error=record.error,
                    asset=record.asset, size=record.size, filename=record.filename,
                    by=record.by, options=options.as_json(), created_at=record.created_at,
                    finished_at=record.finished_at,
                )
            )  # fmt: skip

    def _update(self, record: ExportRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                exports_table.update()
                .where(exports_table.c.id == record.id)
                .values(status=record.status, progress=record.progress, error=record.error,
                        asset=record.asset, size=record.size, finished_at=record.finished_at)
            )  # fmt: skip

    def _publish(self, record: ExportRecord) -> None:
        self.events.publish(
            record.project,
            ExportEvent(
                export_id=record.id, format=record.format, status=record.status,
                progress=record.progress, error=record.error,
            ),
        )  # fmt: skip

    def _stored(self, record: ExportRecord, path: Path) -> ExportRecord:
        kind = AssetKind.VIDEO if record.format == "mp4" else AssetKind.OTHER
        asset = self.catalog.add_file(path, kind=kind, mime=record.mime, owner=record.by)
        return replace(
            record, status="succeeded", progress=1.0, asset=asset.sha256, size=asset.size,
            finished_at=self.clock(),
        )  # fmt: skip

    def _render(self, record: ExportRecord, timeline: Timeline, options: ExportOptions) -> None:
        from shotline.media.render import render_timeline  # ffmpeg machinery, only when used

        record = replace(record, status="running")
        self._update(record)
        self._publish(record)
        last = [-math.inf]

        def progress(fraction: float) -> None:
            now = time.monotonic()
            if fraction >= 1.0 or now - last[0] < self.progress_every:
                return
            last[0] = now
            moving = replace(record, progress=round(fraction, 3))
            self._update(moving)
            self._publish(moving)

        try:
            with tempfile.TemporaryDirectory(prefix="shotline-render-") as scratch:
                out = Path(scratch) / record.filename
                render_timeline(
                    self.with_local_media(record.project, timeline), out,
                    size=(options.width, options.height), fps=options.fps, progress=progress,
                )  # fmt: skip
                record = self._stored(record, out)
        except Exception as exc:  # any failure ends the export with its reason, shown to users
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            record = replace(record, status="failed", error=reason[:500],
                             finished_at=self.clock())  # fmt: skip
        self._update(record)
        self._publish(record)

    def with_local_media(self, timeline_project: str, timeline: Timeline) -> Timeline:
        """The timeline with each media URL of the project replaced by the asset's file."""
        clips = []
        for clip in timeline.clips:
            local = self.media_path(timeline_project, clip.source) if clip.source else None
            clips.append(clip.with_(source=local) if local else clip)
        return replace(timeline, clips=tuple(clips))
