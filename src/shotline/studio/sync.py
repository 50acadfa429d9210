"""What media work tells everyone: upload, job and film-run changes become clip updates on the
live timeline and typed events on the project's stream. Wired by the composition root."""

from __future__ import annotations

import logging
from collections.abc import Callable

from shotline.studio.collab.service import TimelineService
from shotline.studio.derivatives import media_url
from shotline.studio.events import EventLog, FilmRunEvent, JobEvent, UploadEvent
from shotline.studio.films import FilmNotice, FilmRuns
from shotline.studio.generation import JobFollower, JobNotice
from shotline.studio.uploads import Upload, UploadService, UploadStatus
from shotline.timeline.errors import ClipNotFound, EditError

log = logging.getLogger(__name__)


def upload_listener(timelines: TimelineService, events: EventLog) -> Callable[[Upload], None]:
    """An upload's status on its clip (``local`` becomes ``cloud`` in place when it is ready)
    and as an ``upload`` event."""

    def on_upload(upload: Upload) -> None:
        if upload.clip_id is not None:
            fields: dict[str, object] = {"status": upload.status.value, "uploadId": upload.id,
                                         "uploadProgress": round(upload.progress, 3)}  # fmt: skip
            if upload.status is UploadStatus.READY and upload.asset is not None:
                fields.update(status="ready", sourceType="cloud", error=None,
                              cloudUrl=media_url(upload.project, upload.asset),
                              uploadProgress=None)  # fmt: skip
            elif upload.status is UploadStatus.FAILED:
                fields.update(error=upload.error, uploadProgress=None)
            try:
                timelines.update_clip(upload.project, upload.clip_id, **fields)
            except (ClipNotFound, EditError) as exc:  # deleted meanwhile: the asset still lands
                log.info("upload %s: clip %s not updated: %s", upload.id, upload.clip_id, exc)
        events.publish(upload.project, UploadEvent(
            upload_id=upload.id, clip_id=upload.clip_id, status=upload.status.value,
            progress=upload.progress, error=upload.error,
        ))  # fmt: skip

    return on_upload


def job_notifier(events: EventLog) -> Callable[[JobNotice], None]:
    def on_job(notice: JobNotice) -> None:
        events.publish(notice.project, JobEvent(
            job_id=notice.job_id, status=notice.status, progress=notice.progress,
            message=notice.message, cost=notice.cost, clip_id=notice.clip_id, error=notice.error,
        ))  # fmt: skip

    return on_job


def film_notifier(events: EventLog) -> Callable[[FilmNotice], None]:
    def on_film(notice: FilmNotice) -> None:
        events.publish(notice.project, FilmRunEvent(
            run_id=notice.run_id, step=notice.step, status=notice.status, log=notice.log,
        ))  # fmt: skip

    return on_film


def register_state(
    events: EventLog, uploads: UploadService, follower: JobFollower, films: FilmRuns
) -> None:
    """What a reconnecting event stream gets first: unfinished generations, uploads and runs."""

    def jobs(project: str) -> list[dict[str, object]]:
        engine = follower.studio.engine
        open_ = [g for g in follower.generations(project) if not g.done]
        out: list[dict[str, object]] = []
        for gen in open_:
            job = engine.get(gen.job_id)
            out.append({"job_id": job.id, "clip_id": gen.clip_id, "status": job.status.value,
                        "progress": job.progress, "message": job.message})  # fmt: skip
        return out

    def open_uploads(project: str) -> list[dict[str, object]]:
        return [{"upload_id": u.id, "clip_id": u.clip_id, "status": u.status.value,
                 "progress": u.progress, "received": u.received, "size": u.size}
                for u in uploads.list(project)
                if u.status in (UploadStatus.CONVERTING, UploadStatus.UPLOADING)]  # fmt: skip

    def running_films(project: str) -> list[dict[str, object]]:
        return [{"run_id": s.id, "status": s.phase.value, "message": s.message}
                for s in films.runs(project) if films.running(s.id)]  # fmt: skip

    events.add_state_source("generations", jobs)
    events.add_state_source("uploads", open_uploads)
    events.add_state_source("films", running_films)
