"""Content-addressed blob storage: bytes are named by their sha256, so identical bytes are stored
once and any copy can be checked against its name.

``LocalBlobStore`` keeps files on this machine; ``S3BlobStore`` (in ``s3.py``) keeps them in any
S3-compatible object store for workers on several machines.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from shotline.assets.errors import BlobNotFound
from shotline.files import plain_write_mode

CHUNK = 1 << 20
_SHA = re.compile(r"[0-9a-f]{64}")


@runtime_checkable
class BlobStore(Protocol):
    def put(self, path: Path) -> str:
        """Store the file's bytes (once) and return their sha256 hex digest."""
        ...

    def exists(self, sha: str) -> bool: ...

    def fetch(self, sha: str, dest: Path) -> Path:
        """Write a copy of the blob to ``dest`` (atomically) and return ``dest``."""
        ...

    def path_for(self, sha: str) -> Path | None:
        """The stored file itself when the backend is local, else None. Never write to it."""
        ...

    def materialise(self, sha: str) -> Path:
        """A local file holding the blob: the stored file, or a hash-checked cache copy."""
        ...

    def verify(self, sha: str) -> bool:
        """Re-hash the stored bytes: True when they still match ``sha`` (False when missing)."""
        ...


def check_sha(sha: str) -> str:
    """Blob names become file names and object keys: accept only a lowercase sha256 hex."""
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        raise ValueError(f"not a sha256 hex digest: {sha!r}")
    return sha


def sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def sharded(root: Path, sha: str) -> Path:
    """root/ab/cdef...: two hex digits per folder keep folders small."""
    check_sha(sha)
    return root / sha[:2] / sha[2:]


@contextlib.contextmanager
def temp_beside(folder: Path) -> Iterator[Path]:
    """A temporary file in ``folder`` (same file system, so it can be linked or renamed into
    place); removed on exit unless it was moved."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def copy_hashing(src: BinaryIO, dest: Path) -> str:
    """Copy a stream into ``dest`` (fsynced) and return the sha256 of exactly the bytes written,
    so a source that changes while we read it cannot end up under the wrong name."""
    digest = hashlib.sha256()
    with open(dest, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def publish(tmp: Path, target: Path) -> None:
    """Move a finished temp file to ``target`` unless something is already there.

    ``os.link`` fails instead of replacing, so a stored blob is never rewritten, even when two
    writers race with the same bytes.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(tmp, 0o444)  # blobs are immutable: make accidental edits fail loudly
    with contextlib.suppress(FileExistsError):
        os.link(tmp, target)


def copy_to(src: Path, dest: Path) -> Path:
    """Atomic copy: ``dest`` appears complete or not at all."""
    with temp_beside(dest.parent) as tmp:
        shutil.copyfile(src, tmp)
        os.chmod(tmp, plain_write_mode(dest))  # as a plain copy would: mkstemp made it 0600
        os.replace(tmp, dest)
    return dest


class LocalBlobStore:
    """Blobs as read-only files under ``root``/ab/cdef..."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def put(self, path: Path) -> str:
        known = sha256_file(path)
        if self.exists(known):  # identical bytes already stored: nothing to write
            return known
        # Copy first, name after: the name is the hash of the bytes we actually hold.
        with temp_beside(self.root) as tmp, open(path, "rb") as src:
            sha = copy_hashing(src, tmp)
            publish(tmp, sharded(self.root, sha))
        return sha

    def exists(self, sha: str) -> bool:
        return sharded(self.root, sha).is_file()

    def fetch(self, sha: str, dest: Path) -> Path:
        return copy_to(self.materialise(sha), Path(dest))

    def path_for(self, sha: str) -> Path | None:
        return sharded(self.root, sha)

    def materialise(self, sha: str) -> Path:
        path = sharded(self.root, sha)
        if not path.is_file():
            raise BlobNotFound(sha, str(self.root))
        return path

    def verify(self, sha: str) -> bool:
        path = sharded(self.root, sha)
        return path.is_file() and sha256_file(path) == sha
