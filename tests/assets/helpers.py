"""Small helpers shared by the asset tests."""

from __future__ import annotations

from pathlib import Path


def blob_files(root: Path) -> list[Path]:
    """Stored blobs, not temp files."""
    return [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
