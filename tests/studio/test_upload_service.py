"""The upload service without HTTP: chunks, resume, limits, refusals, the share transcode."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from shotline.assets.blobs import LocalBlobStore
from shotline.assets.catalog import AssetCatalog
from shotline.db import create_tables, make_engine
from shotline.media.ffmpeg import run_ffmpeg
from shotline.media.probe import probe
from shotline.media.testcard import TestCard, write_testcard
from shotline.studio.uploads import (
    NotMedia,
    OffsetMismatch,
    Upload,
    UploadClosed,
    UploadError,
    UploadService,
    UploadStatus,
    UploadTooLarge,
)


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("upload-media")
    return write_testcard(TestCard(Fraction(25), 2.0, tone=330.0), folder / "card.mp4")


@pytest.fixture
def catalog(tmp_path: Path) -> AssetCatalog:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tables(engine)
    return AssetCatalog(engine, LocalBlobStore(tmp_path / "blobs"))


def _service(
    catalog: AssetCatalog, tmp_path: Path, **kwargs: int
) -> tuple[UploadService, list[Upload]]:
    service = UploadService(catalog.engine, catalog, tmp_path / "uploads", **kwargs)
    seen: list[Upload] = []
    service.subscribe(seen.append)
    return service, seen


def _chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _statuses(seen: list[Upload]) -> list[str]:
    out: list[str] = []
    for upload in seen:
        if not out or out[-1] != upload.status.value:
            out.append(upload.status.value)
    return out


def test_resumed_upload_becomes_the_same_bytes_as_an_asset(
    catalog: AssetCatalog, tmp_path: Path, card: Path
) -> None:
    service, seen = _service(catalog, tmp_path)
    data = card.read_bytes()
    upload = service.create("p1", "ana", "street wide.mp4", len(data), clip_id="clip-1")
    assert upload.status is UploadStatus.UPLOADING and upload.received == 0

    def dropped() -> Iterator[bytes]:  # the connection drops after 3 chunks
        chunks = _chunks(data[:10_000], 3000)
        yield from (next(chunks) for _ in range(3))
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        service.write("p1", upload.id, 0, dropped())
    upload = service.get("p1", upload.id)
    assert upload.received == 9000  # what was written is kept
    with pytest.raises(OffsetMismatch) as caught:
        service.write("p1", upload.id, 12_000, _chunks(data[12_000:]))
    assert caught.value.received == 9000
    service.write("p1", upload.id, 9000, _chunks(data[9000:]))
    done = service.wait("p1", upload.id)
    assert done.status is UploadStatus.READY and not done.transcoded
    assert done.asset == hashlib.sha256(data).hexdigest()  # kept as it is: under the threshold
    asset = catalog.get(done.asset)
    assert (asset.owner, asset.width, asset.height, asset.fps) == ("ana", 320, 180, 25)
    assert _statuses(seen) == ["uploading", "ready"]
    assert seen[-1].clip_id == "clip-1"
    assert not list((tmp_path / "uploads").iterdir())  # no partial files left behind
    with pytest.raises(UploadClosed):
        service.write("p1", upload.id, 0, _chunks(data))


def test_restart_from_zero_replaces_what_arrived(
    catalog: AssetCatalog, tmp_path: Path, card: Path
) -> None:
    service, _ = _service(catalog, tmp_path)
    data = card.read_bytes()
    upload = service.create("p1", "ana", "card.mp4", len(data))
    service.write("p1", upload.id, 0, [b"x" * 5000])
    service.write("p1", upload.id, 0, _chunks(data))
    assert service.wait("p1", upload.id).asset == hashlib.sha256(data).hexdigest()


def test_large_non_h264_files_are_transcoded_before_sharing(
    catalog: AssetCatalog, tmp_path: Path, card: Path
) -> None:
    camera = tmp_path / "camera.mov"
    run_ffmpeg(["-i", str(card), "-c:v", "mpeg4", "-q:v", "2", "-c:a", "pcm_s16le", str(camera)])
    data = camera.read_bytes()
    service, seen = _service(catalog, tmp_path, share_threshold=10_000)  # "50 MB", scaled down
    upload = service.create("p1", "ana", "camera.mov", len(data), clip_id="c", converting=True)
    assert upload.status is UploadStatus.CONVERTING  # the client says it is transcoding itself
    service.write("p1", upload.id, 0, _chunks(data))
    done = service.wait("p1", upload.id)
    assert done.status is UploadStatus.READY and done.transcoded
    assert _statuses(seen) == ["converting", "uploading", "converting", "ready"]
    stored = probe(catalog.local_path(done.asset or ""))
    assert (stored.video_codec, stored.audio_codec) == ("h264", "aac")
    assert (stored.width, stored.height, stored.fps) == (320, 180, 25)


def test_limits_and_names_are_checked_before_any_byte(
    catalog: AssetCatalog, tmp_path: Path, card: Path
) -> None:
    service, _ = _service(catalog, tmp_path, max_bytes=50_000)
    with pytest.raises(UploadTooLarge, match="limited to 50000 bytes"):
        service.create("p1", "ana", "huge.mp4", 50_001)
    for name in ("../../etc/passwd", "clips/a.mp4", "..\\boot.ini", "..", "a\x00.mp4", " "):
        with pytest.raises(UploadError):
            service.create("p1", "ana", name, 1000)
    upload = service.create("p1", "ana", "Кадр 1 — 東京.mp4", 1000)
    assert upload.filename == "Кадр 1 — 東京.mp4"
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [f"{upload.id}.part"]
    with pytest.raises(UploadError, match="more bytes than the 1000 declared"):
        service.write("p1", upload.id, 0, [b"y" * 800, b"y" * 800])
    assert service.get("p1", upload.id).received == 1000


def test_non_media_is_refused_with_its_reason(catalog: AssetCatalog, tmp_path: Path) -> None:
    service, seen = _service(catalog, tmp_path)
    text = b"not a video, just words\n" * 100
    upload = service.create("p1", "ana", "renamed.mp4", len(text), clip_id="c1")
    with pytest.raises(NotMedia, match="renamed.mp4 was refused: it is a text file"):
        service.write("p1", upload.id, 0, [text])
    failed = service.get("p1", upload.id)
    assert failed.status is UploadStatus.FAILED and "text file" in (failed.error or "")
    assert seen[-1].status is UploadStatus.FAILED
    assert catalog.list() == []
    with pytest.raises(NotMedia, match="empty"):
        service.create("p1", "ana", "empty.mp4", 0)


def test_an_upload_belongs_to_its_project(catalog: AssetCatalog, tmp_path: Path) -> None:
    service, _ = _service(catalog, tmp_path)
    upload = service.create("p1", "ana", "a.mp4", 10)
    with pytest.raises(LookupError):
        service.get("p2", upload.id)
    with pytest.raises(LookupError):
        service.get("p1", "../../etc")
