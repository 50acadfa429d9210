"""Small helpers shared by the asset tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

# Dummy credentials: boto3 (in this process, and in workers given this environment) must never
# find or use real ones.
AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """moto's S3 server on loopback (a free port) with dummy credentials set; yields its URL."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in AWS.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def blob_files(root: Path) -> list[Path]:
    """Stored blobs, not temp files."""
    return [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
