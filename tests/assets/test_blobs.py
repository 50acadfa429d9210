from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from shotline.assets import BlobNotFound, BlobStore, LocalBlobStore
from tests.assets.helpers import blob_files, write


def test_identical_bytes_are_stored_once(tmp_path: Path, blobs: LocalBlobStore) -> None:
    a = write(tmp_path / "a.mp4", b"frame data")
    b = write(tmp_path / "renamed.bin", b"frame data")
    sha = blobs.put(a)
    assert sha == hashlib.sha256(b"frame data").hexdigest()
    assert blobs.put(b) == sha
    assert blob_files(blobs.root) == [blobs.root / sha[:2] / sha[2:]]


def test_stored_blob_is_never_rewritten(tmp_path: Path, blobs: LocalBlobStore) -> None:
    sha = blobs.put(write(tmp_path / "a", b"one"))
    stored = blobs.path_for(sha)
    assert stored is not None
    inode = stored.stat().st_ino
    blobs.put(write(tmp_path / "b", b"one"))
    assert stored.stat().st_ino == inode
    assert stored.stat().st_mode & 0o222 == 0  # read-only: accidental edits fail loudly


def test_fetch_exists_verify(tmp_path: Path, blobs: LocalBlobStore) -> None:
    sha = blobs.put(write(tmp_path / "a", b"payload"))
    assert isinstance(blobs, BlobStore)
    assert blobs.exists(sha)
    out = blobs.fetch(sha, tmp_path / "out" / "copy.bin")
    assert out.read_bytes() == b"payload"
    assert blobs.materialise(sha) == blobs.path_for(sha)
    assert blobs.verify(sha)


def test_verify_detects_a_corrupted_blob(tmp_path: Path, blobs: LocalBlobStore) -> None:
    sha = blobs.put(write(tmp_path / "a", b"original bytes"))
    stored = blobs.path_for(sha)
    assert stored is not None
    stored.chmod(0o644)
    stored.write_bytes(b"bit rot")
    assert not blobs.verify(sha)


def test_missing_blob(tmp_path: Path, blobs: LocalBlobStore) -> None:
    sha = "0" * 64
    assert not blobs.exists(sha)
    assert not blobs.verify(sha)
    with pytest.raises(BlobNotFound, match=f"blob {sha} is not in"):
        blobs.fetch(sha, tmp_path / "x")
    with pytest.raises(KeyError):
        blobs.materialise(sha)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ABC", "g" * 64, "A" * 64])
def test_only_sha256_names_are_accepted(blobs: LocalBlobStore, bad: str) -> None:
    with pytest.raises(ValueError, match="not a sha256"):
        blobs.exists(bad)
