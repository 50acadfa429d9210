"""The interchange formats we write and read, and which OTIO adapter handles each."""

from __future__ import annotations

from pathlib import Path

from shotline.interchange.errors import InterchangeError

# Our format name -> OTIO adapter name.
ADAPTERS = {
    "otio": "otio_json",
    "edl": "cmx_3600",
    "fcp7": "fcp_xml",
    "fcpxml": "fcpx_xml",
}

SUFFIXES = {".otio": "otio", ".edl": "edl", ".xml": "fcp7", ".fcp7": "fcp7", ".fcpxml": "fcpxml"}


def resolve_format(path: Path, fmt: str | None) -> str:
    """The format asked for, or the one the file's suffix names."""
    if fmt is None:
        found = SUFFIXES.get(path.suffix.lower())
        if found is None:
            raise InterchangeError(
                f"{path}: cannot tell the format from the suffix {path.suffix!r}; "
                f"pass fmt= one of {sorted(ADAPTERS)}"
            )
        return found
    if fmt not in ADAPTERS:
        raise InterchangeError(
            f"{path}: unknown format {fmt!r}; expected one of {sorted(ADAPTERS)}"
        )
    return fmt
