"""The asset catalog on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shotline.assets import (
    Asset,
    AssetCatalog,
    AssetKind,
    AssetNotFound,
    CorruptAsset,
    LocalBlobStore,
    canonical_json,
)
from shotline.assets.catalog import assets_table
from tests.assets.helpers import blob_files, write

T0 = datetime(2026, 2, 16, 8, 30, tzinfo=UTC)


def ticking(start: datetime = T0) -> Callable[[], datetime]:
    """A clock that advances one second per call, so 'newest first' is well defined."""
    count = iter(range(1_000_000))
    return lambda: start + timedelta(seconds=next(count))


@pytest.fixture
def catalog(engine: Engine, blobs: LocalBlobStore) -> AssetCatalog:
    return AssetCatalog(engine, blobs, clock=ticking())


def rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(assets_table)).scalar_one())


def test_identical_bytes_are_one_asset(
    catalog: AssetCatalog, engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    first = catalog.add_file(
        write(tmp_path / "take1.mp4", b"same pixels"),
        kind="video",
        mime="video/mp4",
        owner="ana",
        prompt="jeep at dusk",
    )
    second = catalog.add_file(
        write(tmp_path / "copy.mp4", b"same pixels"),
        kind="video",
        mime="video/mp4",
        owner="ben",
        prompt="other",
    )
    assert second == first  # first writer's metadata wins
    assert first.sha256 == first.id == hashlib.sha256(b"same pixels").hexdigest()
    assert len(blob_files(blobs.root)) == 1
    assert rows(engine) == 1


def test_metadata_round_trips_exactly(catalog: AssetCatalog, tmp_path: Path) -> None:
    parent = catalog.add_file(write(tmp_path / "in.png", b"png"), kind="image", mime="image/png")
    asset = catalog.add_file(
        write(tmp_path / "out.mp4", b"mp4 bytes"),
        kind=AssetKind.VIDEO,
        mime="video/mp4",
        owner="JP Castel",
        prompt="AI: jeep drives under camera",
        provider="fal.ltx-2",
        model="ltx-2-19b-distilled",
        cost=Decimal("0.0888"),
        job_id="job-42",
        parents=[parent.sha256],
        duration=4.8,
        width=1280,
        height=720,
        fps=Fraction(24000, 1001),
    )
    got = catalog.get(asset.sha256)
    assert got == asset
    assert got.kind is AssetKind.VIDEO
    assert got.cost == Decimal("0.0888") and isinstance(got.cost, Decimal)
    assert got.fps == Fraction(24000, 1001)
    assert got.parents == (parent.sha256,)
    assert got.size == len(b"mp4 bytes")
    assert got.created_at.tzinfo is not None
    assert (got.duration, got.width, got.height) == (4.8, 1280, 720)


def test_fps_as_text(catalog: AssetCatalog, tmp_path: Path) -> None:
    asset = catalog.add_file(
        write(tmp_path / "a", b"a"), kind="video", mime="video/mp4", fps="30000/1001"
    )
    assert asset.fps == Fraction(30000, 1001)


def test_add_json_is_canonical(catalog: AssetCatalog) -> None:
    a = catalog.add_json({"shots": [1, 2], "title": "Scène 4"}, owner="ana")
    b = catalog.add_json({"title": "Scène 4", "shots": [1, 2]}, owner="ben")
    assert a == b
    assert a.kind is AssetKind.JSON and a.mime == "application/json"
    raw = catalog.local_path(a.sha256).read_bytes()
    assert raw == '{"shots":[1,2],"title":"Scène 4"}'.encode()
    assert raw == canonical_json({"title": "Scène 4", "shots": [1, 2]})


def test_add_json_of_cataloged_bytes_stores_nothing(
    catalog: AssetCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Repeated results (a retried job, a no-op provider) cost one catalog read: the row proves
    the bytes are stored, so they are neither written to a temporary file nor stored again."""
    first = catalog.add_json({"ok": True}, owner="ana", job_id="job-1")

    def refuse(path: Path) -> str:
        raise AssertionError(f"stored {path} again")

    monkeypatch.setattr(catalog.blobs, "put", refuse)
    again = catalog.add_json({"ok": True}, owner="ben", job_id="job-2")
    assert again == first  # the first writer's row
    assert again.owner == "ana" and again.job_id == "job-1"
    assert catalog.find("0" * 64) is None


def test_unknown_asset(catalog: AssetCatalog) -> None:
    sha = "f" * 64
    with pytest.raises(AssetNotFound, match=f"asset {sha} is not in the catalog"):
        catalog.get(sha)
    with pytest.raises(KeyError):
        catalog.local_path(sha)


def test_local_path_verifies_when_asked(
    catalog: AssetCatalog, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    asset = catalog.add_file(write(tmp_path / "a", b"pristine"), kind="other", mime="x/y")
    path = catalog.local_path(asset.sha256, verify=True)
    assert path.read_bytes() == b"pristine"
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    assert catalog.local_path(asset.sha256) == path  # unverified reads are cheap
    with pytest.raises(CorruptAsset, match="is corrupt"):
        catalog.local_path(asset.sha256, verify=True)
    assert not blobs.verify(asset.sha256)


def test_list_newest_first_with_filters(catalog: AssetCatalog, tmp_path: Path) -> None:
    made: list[Asset] = []
    for i, (kind, owner) in enumerate(
        [("video", "ana"), ("image", "ana"), ("video", "ben"), ("audio", "ben"), ("video", "ana")]
    ):
        made.append(
            catalog.add_file(
                write(tmp_path / f"{i}", f"bytes {i}".encode()), kind=kind, mime="x/y", owner=owner
            )
        )
    assert catalog.list() == made[::-1]
    assert catalog.list(kind="video") == [made[4], made[2], made[0]]
    assert catalog.list(kind=AssetKind.VIDEO, owner="ana") == [made[4], made[0]]
    assert catalog.list(owner="ben") == [made[3], made[2]]
    assert catalog.list(limit=2) == [made[4], made[3]]
    assert catalog.list(kind="model3d") == []


def test_concurrent_writers_of_the_same_bytes(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    catalog = AssetCatalog(engine, blobs)
    sources = [write(tmp_path / f"src{i}.mp4", b"identical render") for i in range(8)]
    barrier = threading.Barrier(len(sources))
    results: list[Asset] = []
    errors: list[BaseException] = []

    def add(path: Path) -> None:
        barrier.wait(timeout=10)
        try:
            results.append(catalog.add_file(path, kind="video", mime="video/mp4", owner=path.stem))
        except BaseException as exc:  # reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(p,)) for p in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len(results) == 8 and len(set(results)) == 1
    assert rows(engine) == 1
    assert len(blob_files(blobs.root)) == 1


def test_input_is_validated(catalog: AssetCatalog, tmp_path: Path) -> None:
    path = write(tmp_path / "a", b"a")
    with pytest.raises(ValueError, match="not a sha256"):
        catalog.add_file(path, kind="video", mime="video/mp4", parents=["clip-1"])
    with pytest.raises(TypeError, match="Decimal"):
        catalog.add_file(path, kind="video", mime="video/mp4", cost=0.09)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        catalog.add_file(path, kind="hologram", mime="x/y")
