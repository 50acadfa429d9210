"""Fresh databases for tests: a SQLite file in tmp_path, or a new PostgreSQL database.

Use the parametrised fixture to run one test on both::

    from tests.dbs import database_url  # noqa: F401

    def test_something(database_url: str) -> None: ...

PostgreSQL is required, never skipped: if the server is unreachable the test fails and says why.
The server is ``SHOTLINE_TEST_POSTGRES_URL`` (default: postgres on 127.0.0.1:5432, trust auth);
each test gets its own ``shotline_test_<random>`` database, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


def postgres_admin_url() -> str:
    return os.environ.get("SHOTLINE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    url = postgres_admin_url()
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is required for these tests but {url} is unreachable: {exc}\n"
            "Start PostgreSQL or point SHOTLINE_TEST_POSTGRES_URL at one.",
            pytrace=False,
        )


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh_postgres_url() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database for the duration of the block."""
    name = f"shotline_test_{uuid.uuid4().hex[:16]}"
    with _admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(postgres_admin_url(), name)
    finally:
        with _admin() as admin:
            # FORCE: a test that forgot to dispose an engine must not leave the database behind.
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def fresh_sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / f'shotline-{uuid.uuid4().hex[:8]}.db'}"


@contextlib.contextmanager
def fresh_database_url(backend: str, folder: Path) -> Iterator[str]:
    """A fresh database URL of either backend ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        yield fresh_sqlite_url(folder)
    elif backend == "postgresql":
        with fresh_postgres_url() as url:
            yield url
    else:
        raise ValueError(f"unknown database backend {backend!r}")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, once per backend."""
    with fresh_database_url(request.param, tmp_path) as url:
        yield url
