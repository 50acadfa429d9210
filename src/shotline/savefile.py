"""Saved timelines: plain JSON in the seed's format, with a PNG preview beside it.

The files are the database (seed 000): open one in any editor to see what is in it. Writes are
atomic, so a failed save never damages the previous one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from shotline.files import write_atomic
from shotline.timeline import SnapshotError, Timeline
from shotline.timeline.snapshot import from_dict, to_dict


def preview_path(path: str | Path) -> Path:
    """Where the PNG preview of a saved timeline lives: ``scene.json`` -> ``scene.png``."""
    return Path(path).with_suffix(".png")


def save_timeline(
    timeline: Timeline,
    path: str | Path,
    *,
    saved_by: str | None = None,
    preview_png: bytes | None = None,
) -> Timeline:
    """Write the timeline, stamped with who saved it and when, and its preview; return it."""
    stamped = timeline.with_(
        saved_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        saved_by=saved_by if saved_by is not None else timeline.saved_by,
    )
    text = json.dumps(to_dict(stamped), indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))
    if preview_png is not None:
        write_atomic(preview_path(path), preview_png)
    return stamped


def load_timeline(path: str | Path) -> Timeline:
    """Read and validate a saved timeline; errors name the file, the clip and the field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SnapshotError(f"{path}: no such file") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path}: not valid JSON ({exc})") from exc
    try:
        return from_dict(data)
    except SnapshotError as exc:
        raise SnapshotError(f"{path}: {exc}") from exc
