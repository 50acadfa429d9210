"""Where a clip's ``source`` string points: a path (relative to the timeline file) or a URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from shotline.media.errors import MediaNotFound


def resolve_source(source: str, base_dir: str | Path | None = None) -> str:
    """A path or URL that PyAV and ffmpeg can open.

    Relative paths are taken from ``base_dir`` (the folder of the saved timeline), ``file://`` URLs
    become paths, and network URLs pass through. A local file that does not exist raises
    ``MediaNotFound`` so the caller can name the clip.
    """
    parsed = urlparse(source)
    if parsed.scheme in ("http", "https", "s3"):
        return source
    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(source)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if not path.is_file():
        raise MediaNotFound(str(path))
    # Absolute, so that ffmpeg reading a concat list from a temp folder finds it too.
    return str(path.resolve())
