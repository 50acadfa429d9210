"""A job's input files (first and last frames, references, audio) travel as content hashes.

A job may run on another machine than the one that submitted it, so its row must not hold local
paths. ``stage`` (at submit) puts each input file in the asset store and names it in the request
by its hash, ``sha256:<hex>``, the same form the cache key uses; ``localise`` (in the worker
that runs the step) gives each one back as a local file, fetched from the shared object store
when this machine does not have it yet.
"""

from __future__ import annotations

import dataclasses
import mimetypes
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shotline.assets.blobs import check_sha, copy_to
from shotline.assets.catalog import AssetCatalog, AssetKind
from shotline.providers.contracts import Request, input_files

CONTENT = "sha256:"


def content_sha(path: Path) -> str | None:
    """The hash a content-named input carries, or None for a local path."""
    text = str(path)
    return check_sha(text.removeprefix(CONTENT)) if text.startswith(CONTENT) else None


def content_named(sha: str) -> Path:
    return Path(CONTENT + check_sha(sha))


def map_inputs(request: Request, swap: Callable[[Path], Path]) -> Request:
    """The same request with ``swap`` applied to every input file."""
    inputs = set(input_files(request))

    def change(value: Any) -> Any:
        if isinstance(value, Path) and value in inputs:
            return swap(value)
        if isinstance(value, tuple) and value and all(isinstance(v, Path) for v in value):
            return tuple(change(v) for v in value)
        return value

    fields = {f.name: change(getattr(request, f.name)) for f in dataclasses.fields(request)}
    return dataclasses.replace(request, **fields)


def _kind(path: Path) -> tuple[AssetKind, str]:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    major = mime.split("/", 1)[0]
    kinds = {"image": AssetKind.IMAGE, "video": AssetKind.VIDEO, "audio": AssetKind.AUDIO}
    return kinds.get(major, AssetKind.OTHER), mime


def stage(request: Request, catalog: AssetCatalog, owner: str) -> Request:
    """Store every local input file as an asset and name it by its hash. Inputs already named
    by hash (a retry, a request built from another job) must be known assets."""

    def store(path: Path) -> Path:
        sha = content_sha(path)
        if sha is not None:
            catalog.get(sha)  # raises AssetNotFound: a hash nobody can fetch is refused now
            return path
        kind, mime = _kind(path)
        return content_named(catalog.add_file(path, kind=kind, mime=mime, owner=owner).sha256)

    return map_inputs(request, store)


def localise(request: Request, catalog: AssetCatalog, folder: Path) -> Request:
    """Every content-named input as a local file of this machine (a hash-checked copy from the
    shared store when needed), under ``folder`` with the suffix of its type (``.png``): providers
    tell a file's type by its name. Paths that are not content-named are left as they are."""

    def fetch(path: Path) -> Path:
        sha = content_sha(path)
        if sha is None:
            return path
        stored = catalog.local_path(sha)
        suffix = mimetypes.guess_extension(catalog.get(sha).mime) or ""
        named = folder / f"{sha}{suffix}"
        if not named.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            try:
                os.link(stored, named)  # same file system: no copy
            except FileExistsError:
                pass
            except OSError:
                copy_to(stored, named)
        return named

    return map_inputs(request, fetch)


def input_shas(request: Request) -> list[str]:
    """The hashes of a staged request's inputs, in order (the output's parents)."""
    return [sha for p in input_files(request) if (sha := content_sha(p)) is not None]
