"""Where a clip's ``source`` string points: a path (relative to the timeline file) or a URL.

A URL in a timeline is somebody else's text: it is fetched under ``shotline.net``'s rules (https
only, public addresses only, a size cap and a deadline) into a local cache, and ffmpeg and PyAV
only ever open the local file, never the URL.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

import httpx

from shotline import net
from shotline.media.errors import MediaNotFound, UnsafeMediaURL


def resolve_source(
    source: str,
    base_dir: str | Path | None = None,
    *,
    cache_dir: Path | None = None,
    rules: net.DownloadRules | None = None,
) -> str:
    """A local path that PyAV and ffmpeg can open.

    Relative paths are taken from ``base_dir`` (the folder of the saved timeline), ``file://`` URLs
    become paths, and https URLs are fetched (see the module). A local file that does not exist
    raises ``MediaNotFound`` so the caller can name the clip; a URL the rules refuse raises
    ``UnsafeMediaURL``.
    """
    parsed = urlparse(source)
    if parsed.scheme in ("http", "https"):
        return str(fetch_media(source, cache_dir, rules or net.DownloadRules()))
    if parsed.scheme not in ("", "file") and "://" in source:
        raise UnsafeMediaURL(f"{source}: only https media URLs are fetched")
    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(source)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if not path.is_file():
        raise MediaNotFound(str(path))
    # Absolute, so that ffmpeg reading a concat list from a temp folder finds it too.
    return str(path.resolve())


def fetch_media(url: str, cache_dir: Path | None, rules: net.DownloadRules) -> Path:
    """The URL's file in the cache (fetched once per URL)."""
    folder = cache_dir or Path(tempfile.gettempdir()) / "shotline-media"
    suffix = PurePosixPath(urlparse(url).path).suffix.lower()
    suffix = suffix if 0 < len(suffix) <= 6 and suffix[1:].isalnum() else ""
    dest = folder / f"{hashlib.sha256(url.encode()).hexdigest()[:32]}{suffix}"
    if dest.is_file():
        return dest
    try:
        net.check_url(url, rules)  # before anything is made on disk for it
        folder.mkdir(parents=True, exist_ok=True)
        with httpx.Client() as client:
            net.fetch(client, url, dest, rules)
    except net.DownloadRefused as exc:
        raise UnsafeMediaURL(str(exc)) from None
    except httpx.HTTPError as exc:
        raise MediaNotFound(f"{url} ({type(exc).__name__}: {exc})") from None
    return dest
