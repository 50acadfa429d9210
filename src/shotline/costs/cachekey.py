"""Generation cache keys: never pay twice for the same output.

``cache_key`` is the sha256 (hex) of this canonical JSON object (sorted keys, no spaces, UTF-8)::

    {"scheme": 1,                  # bumped if this recipe ever changes
     "provider": provider_id,      # e.g. "fal.ltx-2"
     "model": model,               # e.g. "ltx-2-19b-distilled"
     "version": version,           # the model version: a new version is a new output
     "request": request_params(request) with every input file path replaced by
                "sha256:<hex of the file's bytes>"}

``request_params`` carries the request kind and every request field: prompt, sizes, frame count,
fps (exact, as text), flags, voice, ... and ``seed`` where the request has one. Paths are replaced
by content hashes, so renaming or moving an identical file still hits the cache, while editing a
file misses it. Nothing else goes in: no user, no time, no job id.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shotline.assets.blobs import sha256_file
from shotline.providers.contracts import Request, input_files, request_params

SCHEME = 1


def _content_named(request: Request, hash_file: Callable[[Path], str]) -> Request:
    """The same request with each input file path swapped for its content hash."""

    def swap(value: Any) -> Any:
        if isinstance(value, Path):
            if str(value).startswith("sha256:"):  # named by content already (a staged input)
                return value
            return Path(f"sha256:{hash_file(value)}")
        if isinstance(value, tuple) and value and all(isinstance(v, Path) for v in value):
            return tuple(swap(v) for v in value)
        return value

    changes = {f.name: swap(getattr(request, f.name)) for f in dataclasses.fields(request)}
    swapped = dataclasses.replace(request, **changes)
    # Every file the provider reads must be hashed, or an edited input would hit a stale entry.
    left = [p for p in input_files(swapped) if not str(p).startswith("sha256:")]
    if left:
        raise ValueError(f"cache_key cannot hash input files {left} of {type(request).__name__}")
    return swapped


def cache_key(
    provider_id: str,
    model: str,
    version: str,
    request: Request,
    *,
    hash_file: Callable[[Path], str] = sha256_file,
) -> str:
    payload = {
        "scheme": SCHEME,
        "provider": provider_id,
        "model": model,
        "version": version,
        "request": request_params(_content_named(request, hash_file)),
    }
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
