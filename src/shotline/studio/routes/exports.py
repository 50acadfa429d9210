"""Exports of the project's live timeline: MP4 (rendered in the background, progress as
``export`` events), EDL, FCP 7 XML, FCPXML and OTIO; list, status and download."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field, field_validator

from shotline.studio.deps import Member, Services
from shotline.studio.exports import ExportOptions, ExportRecord, export_url
from shotline.studio.schemas import Body
from shotline.timeline.timecode import RateError, parse_rate

router = APIRouter(prefix="/api/projects/{project}/exports", tags=["exports"])


class ExportRequest(Body):
    format: Literal["mp4", "edl", "fcp7", "fcpxml", "otio"]
    width: int = Field(1280, ge=16, le=7680, multiple_of=2, description="MP4 only")
    height: int = Field(720, ge=16, le=4320, multiple_of=2, description="MP4 only")
    fps: str = Field("24", max_length=32, description='the rate: "24", "30000/1001", "29.97"')
    track: int = Field(0, ge=0, le=99, description="EDL only: the video track (0 is V1)")

    @field_validator("fps")
    @classmethod
    def _rate(cls, value: str) -> str:
        try:
            parse_rate(value)
        except RateError as exc:
            raise ValueError(str(exc)) from None
        return value

    def options(self) -> ExportOptions:
        return ExportOptions(self.width, self.height, parse_rate(self.fps), self.track)


class ExportOut(BaseModel):
    id: str
    format: str
    status: str
    progress: float
    error: str | None
    filename: str
    size: int | None
    by: str
    created_at: datetime
    finished_at: datetime | None
    url: str | None  # the download, once it succeeded

    @classmethod
    def of(cls, record: ExportRecord) -> ExportOut:
        done = record.status == "succeeded"
        return cls(
            id=record.id, format=record.format, status=record.status, progress=record.progress,
            error=record.error, filename=record.filename, size=record.size, by=record.by,
            created_at=record.created_at, finished_at=record.finished_at,
            url=export_url(record.project, record.id) if done else None,
        )  # fmt: skip


@router.post("", status_code=201, responses={202: {"model": ExportOut}, 422: {}})
def start_export(
    body: ExportRequest, access: Member, services: Services, response: Response
) -> ExportOut:
    """An interchange file is ready when this answers (201); an MP4 is queued (202): follow its
    ``export`` events or poll its record."""
    record = services.exports.start(access.project, access.user.name, body.format, body.options())
    if record.status != "succeeded":
        response.status_code = 202
    return ExportOut.of(record)


@router.get("")
def list_exports(access: Member, services: Services) -> list[ExportOut]:
    return [ExportOut.of(r) for r in services.exports.list(access.project)]


@router.get("/{export_id}", responses={404: {}})
def get_export(export_id: str, access: Member, services: Services) -> ExportOut:
    return ExportOut.of(services.exports.get(access.project, export_id))


@router.get("/{export_id}/file", response_class=FileResponse, responses={404: {}})
def download_export(export_id: str, access: Member, services: Services) -> FileResponse:
    path, record = services.exports.file(access.project, export_id)
    return FileResponse(path, media_type=record.mime, filename=record.filename)
