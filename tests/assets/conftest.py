"""Catalog fixtures: an engine on each database backend, a local blob store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from shotline.assets import LocalBlobStore
from shotline.db import create_tables, make_engine
from tests.dbs import database_url  # noqa: F401


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:  # noqa: F811
    eng = make_engine(database_url)
    create_tables(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")
