"""Atomic writes leave the permissions a plain write would, so others can read what we make."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from shotline.files import atomic_path, current_umask, write_atomic


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_honours_the_umask(tmp_path: Path, umask_022: None) -> None:
    assert current_umask() == 0o022
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"x")
    atomic = write_atomic(tmp_path / "atomic.txt", b"x")
    assert _mode(atomic) == _mode(plain) == 0o644


def test_a_tighter_umask_is_honoured_too(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        assert _mode(write_atomic(tmp_path / "private.txt", b"x")) == 0o600
    finally:
        os.umask(old)


def test_replacing_a_file_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "shared.json"
    target.write_bytes(b"old")
    target.chmod(0o664)
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert _mode(target) == 0o664
