"""Blobs in an S3-compatible object store (AWS, MinIO, R2 ...), for workers on several machines.

Objects live at ``blobs/<sha>``. Reads go through a local cache folder (content-addressed like
``LocalBlobStore``); a cached copy is re-hashed every time it is handed out, so a damaged cache
file is replaced instead of trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from pathlib import Path
from typing import Any

from shotline.assets.blobs import (
    CHUNK,
    check_sha,
    copy_hashing,
    copy_to,
    publish,
    sha256_file,
    sharded,
    temp_beside,
)
from shotline.assets.errors import BlobNotFound, CorruptAsset

_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
# Up to this size a blob goes up in one PUT; above it, ``upload_file`` sends it in parts (this is
# boto3's own ``TransferConfig.multipart_threshold`` default, boto3/s3/transfer.py).
SINGLE_PUT_LIMIT = 8 * 1024 * 1024


def _default_cache() -> Path:
    return Path(tempfile.gettempdir()) / "shotline-blob-cache"


class S3BlobStore:
    def __init__(
        self,
        endpoint_url: str | None,
        bucket: str,
        region: str = "us-east-1",
        *,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        cache_dir: Path | None = None,
        prefix: str = "blobs/",
    ) -> None:
        import boto3  # imported here: only deployments with an object store pay for it

        # Without explicit keys boto3 uses its usual chain (env, profile, instance role).
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
        )
        self.bucket = bucket
        self.region = region
        self.prefix = prefix
        self.cache_dir = Path(cache_dir) if cache_dir is not None else _default_cache()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._ensure_bucket()

    def _ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _code(exc) not in _MISSING:
                raise
        args: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":  # S3 rejects an explicit us-east-1 constraint
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self._client.create_bucket(**args)
        except ClientError as exc:
            # Another worker created it between our check and our create: fine.
            if _code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise

    def key(self, sha: str) -> str:
        return self.prefix + check_sha(sha)

    def put(self, path: Path) -> str:
        # Snapshot into the cache while hashing, then upload that snapshot: the object's bytes
        # are exactly the ones its name was computed from, and the producer's next read is local.
        with temp_beside(self.cache_dir) as tmp, open(path, "rb") as src:
            sha = copy_hashing(src, tmp)
            publish(tmp, sharded(self.cache_dir, sha))
        cached = sharded(self.cache_dir, sha)
        if cached.stat().st_size <= SINGLE_PUT_LIMIT:
            # One PUT, without asking first: a single PUT is atomic, and writing bytes that are
            # already there under their own hash changes nothing. Half the requests of
            # HEAD + upload, and no transfer manager (its threads cost more than a small body).
            with open(cached, "rb") as body:
                self._client.put_object(Bucket=self.bucket, Key=self.key(sha), Body=body)
        elif not self.exists(sha):  # large: skip re-sending what is stored, upload in parts
            self._client.upload_file(str(cached), self.bucket, self.key(sha))
        return sha

    def exists(self, sha: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=self.key(sha))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise
        return True

    def fetch(self, sha: str, dest: Path) -> Path:
        return copy_to(self.materialise(sha), Path(dest))

    def path_for(self, sha: str) -> Path | None:
        check_sha(sha)
        return None

    def materialise(self, sha: str) -> Path:
        cached = sharded(self.cache_dir, sha)
        if cached.is_file():
            if sha256_file(cached) == sha:
                return cached
            cached.unlink()  # damaged cache copy: download a fresh one
        with temp_beside(self.cache_dir) as tmp:
            body = self._get(sha)
            try:
                actual = copy_hashing(body, tmp)
            finally:
                body.close()
            if actual != sha:
                raise CorruptAsset(sha, actual, f"s3://{self.bucket}/{self.key(sha)}")
            publish(tmp, cached)
        return cached

    def verify(self, sha: str) -> bool:
        """Re-hash the remote object itself (streams it; nothing is written)."""
        try:
            body = self._get(sha)
        except BlobNotFound:
            return False
        digest = hashlib.sha256()
        try:
            while chunk := body.read(CHUNK):
                digest.update(chunk)
        finally:
            body.close()
        return digest.hexdigest() == sha

    def _get(self, sha: str) -> Any:
        from botocore.exceptions import ClientError

        try:
            return self._client.get_object(Bucket=self.bucket, Key=self.key(sha))["Body"]
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise BlobNotFound(sha, f"s3://{self.bucket}/{self.prefix}") from None
            raise


def _code(exc: Any) -> str:
    with contextlib.suppress(AttributeError, KeyError, TypeError):
        return str(exc.response["Error"]["Code"])
    return ""
