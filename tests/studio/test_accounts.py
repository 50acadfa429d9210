"""Accounts and sessions on both databases: hashes, expiry, removal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from shotline.db import create_tables, make_engine
from shotline.studio.accounts import Accounts, users
from shotline.studio.errors import Conflict, InvalidName, NotFound, WeakPassword
from shotline.studio.projects import Projects
from tests.dbs import database_url  # noqa: F401
from tests.studio.conftest import CHEAP


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:  # noqa: F811
    eng = make_engine(database_url)
    create_tables(eng)
    yield eng
    eng.dispose()


def test_passwords_are_argon2_hashes(engine: Engine) -> None:
    accounts = Accounts(engine, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    accounts.add("ana", "long enough password", admin=True)
    with engine.connect() as conn:
        stored = conn.execute(users.select()).one().password_hash
    assert stored.startswith("$argon2id$") and "long enough" not in stored
    assert accounts.verify("ana", "long enough password") == accounts.get("ana")
    assert accounts.verify("ana", "wrong password!") is None
    assert accounts.verify("nobody", "long enough password") is None


def test_names_and_passwords_are_checked(engine: Engine) -> None:
    accounts = Accounts(engine, CHEAP)
    with pytest.raises(InvalidName):
        accounts.add("../etc", "long enough password")
    with pytest.raises(WeakPassword):
        accounts.add("ana", "short")
    accounts.add("ana", "long enough password")
    with pytest.raises(Conflict):
        accounts.add("ana", "another password")
    with pytest.raises(NotFound):
        accounts.set_password("bob", "long enough password")


def test_sessions_expire_and_end_with_the_user(engine: Engine) -> None:
    now = [datetime(2026, 3, 1, tzinfo=UTC)]
    accounts = Accounts(engine, CHEAP, clock=lambda: now[0])
    ana = accounts.add("ana", "long enough password")
    token = accounts.open_session(ana)
    assert accounts.session_user(token) == ana
    assert accounts.session_user(token + "x") is None and accounts.session_user(None) is None
    now[0] += timedelta(days=31)
    assert accounts.session_user(token) is None
    fresh = accounts.open_session(ana)  # also sweeps the expired row
    assert accounts.session_count("ana") == 1
    Projects(engine).create("p1", "one", "ana")
    accounts.remove("ana")
    assert accounts.session_user(fresh) is None
    assert Projects(engine).get("p1").members == ()
