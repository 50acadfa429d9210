"""The S3 backend against a real HTTP S3 API: moto's server on loopback."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from sqlalchemy.engine import Engine

from shotline.assets import AssetCatalog, AssetKind, BlobNotFound, BlobStore, CorruptAsset, s3
from shotline.assets.s3 import S3BlobStore
from tests.assets.helpers import blob_files, s3_server, write


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture
def bucket() -> str:
    return f"shotline-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def store(endpoint: str, bucket: str, tmp_path: Path) -> S3BlobStore:
    return S3BlobStore(endpoint, bucket, cache_dir=tmp_path / "cache")


def raw_client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def keys(endpoint: str, bucket: str) -> list[str]:
    listing = raw_client(endpoint).list_objects_v2(Bucket=bucket)
    return [o["Key"] for o in listing.get("Contents", [])]


def test_round_trip(endpoint: str, bucket: str, store: S3BlobStore, tmp_path: Path) -> None:
    assert isinstance(store, BlobStore)
    data = b"\x00generated clip\xff" * 1000
    sha = store.put(write(tmp_path / "clip.mp4", data))
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.put(write(tmp_path / "same-bytes.mov", data)) == sha
    assert keys(endpoint, bucket) == [f"blobs/{sha}"]
    assert store.exists(sha)
    assert store.path_for(sha) is None
    assert store.verify(sha)
    out = store.fetch(sha, tmp_path / "out" / "clip.mp4")
    assert out.read_bytes() == data


def test_large_blobs_go_up_in_parts(
    endpoint: str, bucket: str, store: S3BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``SINGLE_PUT_LIMIT`` a blob is uploaded in parts, and not again once stored."""
    monkeypatch.setattr(s3, "SINGLE_PUT_LIMIT", 1024)
    data = bytes(range(256)) * 64  # 16 KiB
    sent: list[str] = []
    upload = store._client.upload_file

    def counting(*args: Any, **kwargs: Any) -> None:
        sent.append(args[2])
        upload(*args, **kwargs)

    monkeypatch.setattr(store._client, "upload_file", counting)
    sha = store.put(write(tmp_path / "big.mp4", data))
    assert store.put(write(tmp_path / "again.mp4", data)) == sha
    assert sent == [f"blobs/{sha}"]  # the second put found it stored
    assert keys(endpoint, bucket) == [f"blobs/{sha}"]
    assert store.verify(sha)


def test_fetch_from_a_cold_cache(endpoint: str, bucket: str, tmp_path: Path) -> None:
    """A second machine: same bucket, empty cache."""
    writer = S3BlobStore(endpoint, bucket, cache_dir=tmp_path / "writer")
    sha = writer.put(write(tmp_path / "a.png", b"png bytes"))
    reader = S3BlobStore(endpoint, bucket, cache_dir=tmp_path / "reader")
    assert blob_files(reader.cache_dir) == []
    local = reader.materialise(sha)
    assert local.read_bytes() == b"png bytes"
    assert local.is_relative_to(reader.cache_dir)


def test_a_damaged_cache_copy_is_replaced(store: S3BlobStore, tmp_path: Path) -> None:
    sha = store.put(write(tmp_path / "a", b"the real bytes"))
    cached = store.materialise(sha)
    cached.chmod(0o644)
    cached.write_bytes(b"rotted")
    assert store.materialise(sha).read_bytes() == b"the real bytes"


def test_a_corrupt_remote_object_is_detected(
    endpoint: str, bucket: str, tmp_path: Path, store: S3BlobStore
) -> None:
    sha = store.put(write(tmp_path / "a", b"good"))
    raw_client(endpoint).put_object(Bucket=bucket, Key=f"blobs/{sha}", Body=b"evil")
    assert not store.verify(sha)
    cold = S3BlobStore(endpoint, bucket, cache_dir=tmp_path / "cold")
    with pytest.raises(CorruptAsset, match=f"blob {sha} is corrupt"):
        cold.materialise(sha)
    assert blob_files(cold.cache_dir) == []  # the bad bytes were not cached


def test_missing_object(store: S3BlobStore, tmp_path: Path) -> None:
    sha = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(sha)
    assert not store.verify(sha)
    with pytest.raises(BlobNotFound):
        store.fetch(sha, tmp_path / "x")


def test_bucket_is_created_in_another_region(endpoint: str, tmp_path: Path) -> None:
    bucket = f"shotline-eu-{uuid.uuid4().hex[:8]}"
    store = S3BlobStore(endpoint, bucket, region="eu-west-1", cache_dir=tmp_path / "c")
    sha = store.put(write(tmp_path / "a", b"x"))
    assert store.exists(sha)
    S3BlobStore(endpoint, bucket, region="eu-west-1", cache_dir=tmp_path / "c")  # exists: fine


def test_explicit_keys(endpoint: str, bucket: str, tmp_path: Path) -> None:
    store = S3BlobStore(
        endpoint,
        bucket,
        access_key_id="AKIDEXAMPLE",
        secret_access_key="secret",
        cache_dir=tmp_path / "c",
    )
    assert store.exists(store.put(write(tmp_path / "a", b"y")))


def test_catalog_over_s3(engine: Engine, store: S3BlobStore, tmp_path: Path) -> None:
    catalog = AssetCatalog(engine, store)
    asset = catalog.add_file(
        write(tmp_path / "a.wav", b"RIFF...."), kind=AssetKind.AUDIO, mime="audio/wav", owner="ana"
    )
    again = catalog.add_file(write(tmp_path / "b.wav", b"RIFF...."), kind="audio", mime="x")
    assert again == asset
    path = catalog.local_path(asset.sha256, verify=True)
    assert path.read_bytes() == b"RIFF...."
