"""The one SQL database for our own tables (jobs, credits, assets): SQLite or PostgreSQL.

SQLAlchemy Core, no ORM: tables are declared by the module that owns them, on ``metadata``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, Engine

metadata = sa.MetaData()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets workers read while one writes; busy_timeout waits for a lock instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sqlalchemy_url(url: str) -> str:
    """Our URLs name the driver we ship: ``postgresql://`` means psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def printable_url(url: str) -> str:
    """The database URL with its password hidden, for messages and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparsable database URL>"


def make_engine(url: str) -> Engine:
    url = sqlalchemy_url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


# Any constant works; it only has to be the same in every shotline process.
_SCHEMA_LOCK = 0x5_407_1E


def create_tables(engine: Engine) -> None:
    """Create every declared table that does not exist yet (idempotent, safe across processes).

    On PostgreSQL two processes starting together (a worker and the CLI) would race on CREATE
    TABLE, and the loser fails on a catalog unique index; a transaction-scoped advisory lock
    serialises them. SQLite serialises schema changes itself.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        metadata.create_all(conn, checkfirst=True)


def insert_ignoring_duplicates(dialect: Dialect, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the engine's dialect.

    Use ``RETURNING`` to learn whether the row went in: with psycopg, ``rowcount`` is -1 here.
    """
    if dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"no ON CONFLICT support for {dialect.name}")
