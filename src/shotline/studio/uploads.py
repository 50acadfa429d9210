"""Uploads: a local clip's file becoming a shared asset (seed 000, "The Local File Challenge").

An upload is a row (who, which project, which clip, the declared size, its status) and a partial
file in the data folder named by the upload's id: the client's file name is kept for display only
and never becomes a path. Bytes arrive in any number of requests, each at an offset: a client that
lost its connection asks how much arrived and continues from there (or from any earlier offset, or
from 0: restartable). The size limit is checked on the declared size and again on every chunk.

When the last byte is in, the file is inspected (refused with the reason when it is not decodable
media), then, in the background, transcoded when the seed's rule says so (over the threshold and
not already H.264 at 1080 lines or fewer), stored in the asset catalog, and the upload is ready.
Every status change goes to the ``listener`` (the server syncs it to the clip and the event
stream): ``converting`` (the client's own transcode, declared when the upload is created, or
ours) -> ``uploading`` (bytes arriving) -> ``converting`` (ours, when needed) -> ``ready``, or
``failed`` with the reason.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import os
import threading
import unicodedata
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shotline.assets.catalog import Asset, AssetCatalog, AssetKind
from shotline.db import create_tables, metadata
from shotline.media.errors import MediaError, UnreadableMedia
from shotline.media.ingest import Inspection, inspect_upload
from shotline.media.transcode import SHARE_THRESHOLD, needs_share_transcode, share_transcode
from shotline.studio.errors import StudioError

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 4 * 1024**3  # 4 GiB
MAX_NAME = 255
_PROGRESS_STEP = 0.05  # report progress in steps of 5%, not per chunk


class UploadStatus(StrEnum):
    CONVERTING = "converting"
    UPLOADING = "uploading"
    READY = "ready"
    FAILED = "failed"


uploads_table = sa.Table(
    "studio_uploads",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("project", sa.String(64), nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("filename", sa.String(MAX_NAME), nullable=False),  # display only, never a path
    sa.Column("size", sa.BigInteger, nullable=False),  # declared by the client
    sa.Column("clip_id", sa.String(255)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Float, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("complete", sa.Boolean, nullable=False),  # every byte is in: no more writes
    sa.Column("transcoded", sa.Boolean, nullable=False),
    sa.Column("asset", sa.String(64)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_studio_uploads_project", "project", "created_at"),
)


class UploadError(StudioError, ValueError):
    """Base: bad input, with a message meant for the person uploading."""

    status = 400


class UploadTooLarge(UploadError):
    status = 413


class NotMedia(UploadError):
    status = 415


class UploadNotFound(UploadError, LookupError):
    status = 404


class OffsetMismatch(UploadError):
    status = 409

    def __init__(self, message: str, received: int) -> None:
        super().__init__(message)
        self.received = received


class UploadClosed(UploadError):
    status = 409


@dataclass(frozen=True)
class Upload:
    id: str
    project: str
    owner: str
    filename: str
    size: int
    clip_id: str | None
    status: UploadStatus
    progress: float
    error: str | None
    complete: bool
    transcoded: bool
    asset: str | None
    created_at: datetime
    updated_at: datetime
    received: int = 0  # bytes on disk so far (from the partial file, the truth after a crash)

    @property
    def open(self) -> bool:
        """Still taking bytes."""
        return not self.complete and self.status not in (UploadStatus.READY, UploadStatus.FAILED)


Listener = Callable[[Upload], None]


def display_name(name: str) -> str:
    """The client's file name, checked: a plain name (no folders, no control characters).
    It is shown to people and stored as text; it never names a file on the server."""
    cleaned = unicodedata.normalize("NFC", name or "").strip()
    if not cleaned:
        raise UploadError("the file name is empty")
    if len(cleaned) > MAX_NAME:
        raise UploadError(f"the file name is longer than {MAX_NAME} characters")
    if any(unicodedata.category(c) == "Cc" for c in cleaned):
        raise UploadError("the file name contains control characters")
    if "/" in cleaned or "\\" in cleaned or cleaned in (".", ".."):
        raise UploadError(f"the file name must be a plain name without folders, got {name!r}")
    return cleaned


def _now() -> datetime:
    return datetime.now(UTC)


def _row_upload(row: Any, received: int) -> Upload:
    def aware(value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    return Upload(
        id=row["id"],
        project=row["project"],
        owner=row["owner"],
        filename=row["filename"],
        size=int(row["size"]),
        clip_id=row["clip_id"],
        status=UploadStatus(row["status"]),
        progress=float(row["progress"]),
        error=row["error"],
        complete=bool(row["complete"]),
        transcoded=bool(row["transcoded"]),
        asset=row["asset"],
        created_at=aware(row["created_at"]),
        updated_at=aware(row["updated_at"]),
        received=received,
    )


def _mime(inspection: Inspection) -> str:
    info = inspection.info
    fmt = info.format
    if fmt.startswith("mov"):
        return "video/mp4" if info.has_video else "audio/mp4"
    table = {"matroska,webm": "video/x-matroska", "avi": "video/x-msvideo",
             "mpegts": "video/mp2t", "mpeg": "video/mpeg", "flv": "video/x-flv",
             "mxf": "application/mxf", "mp3": "audio/mpeg", "wav": "audio/wav",
             "flac": "audio/flac", "ogg": "audio/ogg", "aac": "audio/aac",
             "aiff": "audio/aiff", "caf": "audio/x-caf"}  # fmt: skip
    return table.get(fmt, "application/octet-stream")


class UploadService:
    def __init__(
        self,
        engine: Engine,
        catalog: AssetCatalog,
        folder: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        share_threshold: int = SHARE_THRESHOLD,
        workers: int = 1,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.share_threshold = share_threshold
        self._listeners: list[Listener] = []
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload")
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        create_tables(engine)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    # -- files ----------------------------------------------------------------------------------

    def _part(self, upload_id: str) -> Path:
        return self.folder / f"{uuid.UUID(upload_id)}.part"  # a uuid: never the client's name

    def _lock(self, upload_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(upload_id, threading.Lock())

    def _received(self, upload_id: str) -> int:
        try:
            return self._part(upload_id).stat().st_size
        except FileNotFoundError:
            return 0

    # -- rows -----------------------------------------------------------------------------------

    def create(
        self,
        project: str,
        owner: str,
        filename: str,
        size: int,
        *,
        clip_id: str | None = None,
        converting: bool = False,
    ) -> Upload:
        """Open an upload of ``size`` bytes. ``converting``: the client is still transcoding
        the file itself (the seed's browser-side FFmpeg); the bytes come later."""
        name = display_name(filename)
        if not isinstance(size, int) or size < 0:
            raise UploadError(f"the size must be a whole number of bytes, got {size!r}")
        if size == 0:
            raise NotMedia("the file is empty")
        if size > self.max_bytes:
            raise UploadTooLarge(
                f"the file is {size} bytes; uploads are limited to {self.max_bytes} bytes"
            )
        now = _now()
        upload_id = str(uuid.uuid4())
        status = UploadStatus.CONVERTING if converting else UploadStatus.UPLOADING
        row = {"id": upload_id, "project": project, "owner": owner, "filename": name,
               "size": size, "clip_id": clip_id, "status": status.value, "progress": 0.0,
               "error": None, "complete": False, "transcoded": False, "asset": None,
               "created_at": now, "updated_at": now}  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(uploads_table.insert().values(**row))
        self._part(upload_id).touch()
        upload = self.get(project, upload_id)
        self._emit(upload)
        return upload

    def convert(
        self,
        project: str,
        upload_id: str,
        *,
        size: int | None = None,
        progress: float | None = None,
    ) -> Upload:
        """The client's own transcode (opened with ``converting``) moved on: its progress, for
        everyone to see, and once done the size of the file it will send (only known then).
        Only before any byte arrived."""
        with self._lock(upload_id):
            upload = self.get(project, upload_id)
            if upload.status is not UploadStatus.CONVERTING or upload.received or upload.complete:
                raise UploadClosed(
                    f"upload {upload_id} is {upload.status.value} with {upload.received} bytes "
                    "received: only a converting upload with no bytes yet can change"
                )
            fields: dict[str, Any] = {}
            if size is not None:
                if size <= 0:
                    raise NotMedia("the converted file is empty")
                if size > self.max_bytes:
                    raise UploadTooLarge(
                        f"the converted file is {size} bytes; uploads are limited to "
                        f"{self.max_bytes} bytes"
                    )
                fields["size"] = size
            if progress is not None:
                fields["progress"] = min(1.0, max(0.0, progress))
            return self._set(upload_id, **fields) if fields else upload

    def get(self, project: str, upload_id: str) -> Upload:
        try:
            uuid.UUID(upload_id)
        except ValueError:
            raise UploadNotFound(f"no upload {upload_id!r} in project {project!r}") from None
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(uploads_table).where(
                    uploads_table.c.id == upload_id, uploads_table.c.project == project
                )
            ).one_or_none()
        if row is None:
            raise UploadNotFound(f"no upload {upload_id!r} in project {project!r}")
        return _row_upload(row._mapping, self._received(upload_id))

    def list(self, project: str, limit: int = 200) -> builtins.list[Upload]:
        query = (
            sa.select(uploads_table)
            .where(uploads_table.c.project == project)
            .order_by(uploads_table.c.created_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_row_upload(r._mapping, self._received(r.id)) for r in rows]

    def has_asset(self, project: str, sha: str) -> bool:
        """Whether an upload of ``project`` became asset ``sha``."""
        query = sa.select(uploads_table.c.id).where(
            uploads_table.c.project == project, uploads_table.c.asset == sha
        )
        with self.engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None

    def _set(self, upload_id: str, **fields: Any) -> Upload:
        fields["updated_at"] = _now()
        with self.engine.begin() as conn:
            conn.execute(
                uploads_table.update().where(uploads_table.c.id == upload_id).values(**fields)
            )
            row = conn.execute(
                sa.select(uploads_table).where(uploads_table.c.id == upload_id)
            ).one()
        upload = _row_upload(row._mapping, self._received(upload_id))
        self._emit(upload)
        return upload

    def _emit(self, upload: Upload) -> None:
        for listener in self._listeners:
            try:
                listener(upload)
            except Exception:  # a listener's failure must not lose the upload
                log.exception("upload listener failed for %s", upload.id)

    # -- bytes ----------------------------------------------------------------------------------

    def write(self, project: str, upload_id: str, offset: int, chunk_source: Any) -> Upload:
        """Write bytes from ``chunk_source`` (an iterable of ``bytes``) at ``offset``.

        ``offset`` may be any point up to what arrived so far (resume, or restart at 0); the
        bytes after it are replaced. A source that stops early (a dropped connection) keeps what
        it wrote: the next request resumes there. When the last byte is in, the file is
        inspected here (a refusal raises ``NotMedia`` with the reason) and the rest of the work
        goes on in the background.
        """
        with self._lock(upload_id):
            upload = self.get(project, upload_id)
            if not upload.open:
                state = "complete" if upload.complete else upload.status.value
                raise UploadClosed(f"upload {upload_id} is {state}: it takes no more bytes")
            if not 0 <= offset <= upload.received:
                raise OffsetMismatch(
                    f"offset {offset} is past the {upload.received} bytes received so far",
                    upload.received,
                )
            if upload.status is not UploadStatus.UPLOADING:
                upload = self._set(upload_id, status=UploadStatus.UPLOADING.value, progress=0.0)
            position = self._append(upload, offset, chunk_source)
            progress = position / upload.size
            upload = self._set(upload_id, progress=progress)
            if position < upload.size:
                return upload
            return self._complete(upload)

    def _append(self, upload: Upload, offset: int, chunk_source: Any) -> int:
        part = self._part(upload.id)
        position, reported = offset, offset / upload.size
        with open(part, "r+b") as fh:
            fh.truncate(offset)
            fh.seek(offset)
            try:
                for chunk in chunk_source:
                    if position + len(chunk) > upload.size:
                        fh.write(chunk[: upload.size - position])
                        position = upload.size
                        fh.flush()
                        too_big = upload.size > self.max_bytes
                        cls = UploadTooLarge if too_big else UploadError
                        raise cls(
                            f"more bytes than the {upload.size} declared; resume at "
                            f"{upload.size} or start a new upload"
                        )
                    fh.write(chunk)
                    position += len(chunk)
                    if position / upload.size - reported >= _PROGRESS_STEP:
                        reported = position / upload.size
                        self._set(upload.id, progress=reported)
            finally:
                fh.flush()
                os.fsync(fh.fileno())
        return position

    def receive_all(self, project: str, upload_id: str, source: Any) -> Upload:
        """Everything in one go (tests, the CLI)."""
        return self.write(project, upload_id, 0, source)

    # -- processing -----------------------------------------------------------------------------

    def _complete(self, upload: Upload) -> Upload:
        part = self._part(upload.id)
        upload = self._set(upload.id, complete=True)
        try:
            inspection = inspect_upload(part)
        except (UnreadableMedia, MediaError) as exc:
            self._fail(upload, f"refused: {exc}")
            raise NotMedia(f"{upload.filename} was refused: {exc}") from exc
        needs = needs_share_transcode(inspection, upload.size, self.share_threshold)
        if needs:
            upload = self._set(upload.id, status=UploadStatus.CONVERTING.value, progress=0.0)
        self._pool.submit(self._finish, upload, inspection, needs)
        return upload

    def _fail(self, upload: Upload, error: str) -> Upload:
        with contextlib.suppress(FileNotFoundError):
            self._part(upload.id).unlink()
        return self._set(upload.id, status=UploadStatus.FAILED.value, error=error)

    def _finish(self, upload: Upload, inspection: Inspection, transcode: bool) -> None:
        part = self._part(upload.id)
        final = part
        try:
            if transcode:
                final = part.with_suffix(".mp4")
                duration = inspection.info.duration or 1.0

                def progress(seconds: float) -> None:
                    fraction = min(0.99, seconds / duration)
                    if fraction - progress.last >= _PROGRESS_STEP:  # type: ignore[attr-defined]
                        progress.last = fraction  # type: ignore[attr-defined]
                        self._set(upload.id, progress=fraction)

                progress.last = 0.0  # type: ignore[attr-defined]
                share_transcode(part, final, inspection, progress=progress)
                inspection = inspect_upload(final)
            asset = self._store(upload, final, inspection)
            self._set(upload.id, status=UploadStatus.READY.value, progress=1.0,
                      transcoded=transcode, asset=asset.sha256)  # fmt: skip
        except Exception as exc:  # anything: the upload must end, never stay "converting"
            log.exception("upload %s failed", upload.id)
            self._fail(upload, f"{type(exc).__name__}: {exc}")
        finally:
            for path in {part, final}:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def _store(self, upload: Upload, path: Path, inspection: Inspection) -> Asset:
        info = inspection.info
        size = info.display_size
        return self.catalog.add_file(
            path,
            kind=AssetKind.VIDEO if info.has_video else AssetKind.AUDIO,
            mime=_mime(inspection),
            owner=upload.owner,
            duration=info.duration,
            width=None if size is None else size[0],
            height=None if size is None else size[1],
            fps=info.fps,
        )

    def wait(self, project: str, upload_id: str, timeout: float = 60.0) -> Upload:
        """Block until the upload is ready or failed (tests and the CLI)."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            upload = self.get(project, upload_id)
            if upload.status in (UploadStatus.READY, UploadStatus.FAILED):
                return upload
            if time.monotonic() > deadline:
                raise TimeoutError(f"upload {upload_id} still {upload.status} after {timeout} s")
            time.sleep(0.02)
