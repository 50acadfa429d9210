"""Atomic file writes: a failed or interrupted write never damages the previous file."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask. Linux reports it in /proc; elsewhere it can only be read by setting it,
    so that is done under a lock and put straight back."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def plain_write_mode(target: Path) -> int:
    """The permissions ``open(target, "w")`` would leave: an existing file keeps its own, a new
    one gets 0666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    The result has the permissions a plain write would give it (``mkstemp`` makes its file 0600,
    which would hide every output from other users and from the web server).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, plain_write_mode(target))
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_atomic(path: str | Path, data: bytes) -> Path:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)


class OutputIsInput(FileExistsError):
    """A command was asked to write over one of the files it reads."""


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (links and relative paths included)."""
    first, second = Path(a), Path(b)
    try:
        return first.samefile(second)
    except OSError:  # one does not exist yet: compare where they would be
        return first.resolve() == second.resolve()


def refuse_overwriting(output: str | Path, inputs: Iterable[str | Path]) -> None:
    """Raise ``OutputIsInput`` when ``output`` is one of ``inputs``: nothing is lost to a typo."""
    for source in inputs:
        if same_file(output, source):
            raise OutputIsInput(
                f"{output}: is an input of this command; write the output elsewhere"
            )
