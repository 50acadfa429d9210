"""Users (argon2 password hashes, an admin role) and their server-side sessions.

A session is an opaque random token the browser holds in an HttpOnly cookie; the database keeps
only its SHA-256, so a leaked table cannot be replayed as cookies. Ending a session deletes its
row: logout ends one, a password change or a removal ends all of a user's sessions.

The user's name is its id everywhere else (jobs, credits and assets record ``user`` as a string).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection, Engine

from shotline.db import metadata
from shotline.studio.errors import Conflict, InvalidName, NotFound, WeakPassword

users = sa.Table(
    "studio_users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

sessions = sa.Table(
    "studio_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "user_name",
        sa.String(64),
        sa.ForeignKey("studio_users.name", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is only a way to burn CPU
SESSION_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class User:
    name: str
    is_admin: bool
    created_at: datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the zone


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise InvalidName(
            f"user name {name[:80]!r} is not valid: use 1-64 letters, digits, '.', '_' or '-'"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise WeakPassword(f"the password must have at most {MAX_PASSWORD} characters")
    return password


def new_password() -> str:
    """A random password for a first admin: ~120 bits, easy to copy."""
    return secrets.token_urlsafe(15)


def _user(row: Any) -> User:
    return User(name=row.name, is_admin=bool(row.is_admin), created_at=_aware(row.created_at))


class Accounts:
    def __init__(
        self,
        engine: Engine,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self._dummy: str | None = None

    def _dummy_hash(self) -> str:
        """Verified against when the user does not exist, so a login for an unknown name costs
        the same hashing time as a wrong password (no user enumeration by timing)."""
        if self._dummy is None:
            self._dummy = self.hasher.hash("not the password of anyone")
        return self._dummy

    # -- users ----------------------------------------------------------------------------------

    def add(self, name: str, password: str, *, admin: bool = False) -> User:
        check_name(name)
        digest = self.hasher.hash(check_password(password))
        now = self.clock()
        with self.engine.begin() as conn:
            if conn.execute(sa.select(users.c.name).where(users.c.name == name)).first():
                raise Conflict(f"user {name!r} already exists")
            conn.execute(
                users.insert().values(
                    name=name, password_hash=digest, is_admin=admin, created_at=now
                )
            )
        return User(name, admin, now)

    def get(self, name: str) -> User:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(users.c.name, users.c.is_admin, users.c.created_at).where(
                    users.c.name == name
                )
            ).first()
        if row is None:
            raise NotFound(f"no user {name[:80]!r}")
        return _user(row)

    def list(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(users.c.name, users.c.is_admin, users.c.created_at).order_by(users.c.name)
            ).all()
        return [_user(row) for row in rows]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())

    def remove(self, name: str) -> None:
        """Delete a user, its sessions and memberships; the last admin cannot go."""
        with self.engine.begin() as conn:
            self._keep_an_admin(conn, name)
            # Sessions first: SQLite enforces the cascade only with foreign_keys on.
            conn.execute(sessions.delete().where(sessions.c.user_name == name))
            gone = conn.execute(users.delete().where(users.c.name == name).returning(users.c.name))
            if gone.first() is None:
                raise NotFound(f"no user {name[:80]!r}")

    def set_admin(self, name: str, admin: bool) -> User:
        with self.engine.begin() as conn:
            if not admin:
                self._keep_an_admin(conn, name)
            done = conn.execute(
                users.update().where(users.c.name == name).values(is_admin=admin)
                .returning(users.c.name)
            ).first()  # fmt: skip
        if done is None:
            raise NotFound(f"no user {name[:80]!r}")
        return self.get(name)

    def set_password(self, name: str, password: str) -> None:
        """Change the password and end every session of the user."""
        digest = self.hasher.hash(check_password(password))
        with self.engine.begin() as conn:
            done = conn.execute(
                users.update().where(users.c.name == name).values(password_hash=digest)
                .returning(users.c.name)
            ).first()  # fmt: skip
            if done is None:
                raise NotFound(f"no user {name[:80]!r}")
            conn.execute(sessions.delete().where(sessions.c.user_name == name))

    def verify(self, name: str, password: str) -> User | None:
        """The user when the password is right, else None (unknown users take as long)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        digest = row.password_hash if row is not None else self._dummy_hash()
        try:
            self.hasher.verify(digest, password[:MAX_PASSWORD])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if self.hasher.check_needs_rehash(digest):
            with self.engine.begin() as conn:
                conn.execute(
                    users.update().where(users.c.name == name)
                    .values(password_hash=self.hasher.hash(password))
                )  # fmt: skip
        return _user(row)

    @staticmethod
    def _keep_an_admin(conn: Connection, losing: str) -> None:
        """Refuse a change that would leave the studio without an admin."""
        others = conn.execute(
            sa.select(sa.func.count())
            .select_from(users)
            .where(users.c.is_admin.is_(True), users.c.name != losing)
        ).scalar_one()
        was_admin = conn.execute(
            sa.select(users.c.is_admin).where(users.c.name == losing)
        ).scalar_one_or_none()
        if was_admin and not others:
            raise Conflict(f"{losing!r} is the last admin: make another admin first")

    # -- sessions -------------------------------------------------------------------------------

    def open_session(self, user: User) -> str:
        """A new session for ``user``; returns the token for the cookie (never stored)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                sessions.insert().values(
                    token_hash=_token_hash(token),
                    user_name=user.name,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
            # Expired rows go whenever someone logs in: no sweeper thread needed.
            conn.execute(sessions.delete().where(sessions.c.expires_at < now))
        return token

    def session_user(self, token: str | None) -> User | None:
        if not token or len(token) > 256:
            return None
        query = (
            sa.select(users.c.name, users.c.is_admin, users.c.created_at, sessions.c.expires_at)
            .join(sessions, sessions.c.user_name == users.c.name)
            .where(sessions.c.token_hash == _token_hash(token))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or _aware(row.expires_at) <= self.clock():
            return None
        return _user(row)

    def close_session(self, token: str | None) -> None:
        if not token:
            return
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.token_hash == _token_hash(token)))

    def close_sessions(self, name: str) -> int:
        with self.engine.begin() as conn:
            rows = conn.execute(
                sessions.delete().where(sessions.c.user_name == name)
                .returning(sessions.c.token_hash)
            ).all()  # fmt: skip
        return len(rows)

    def session_count(self, name: str) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(sessions)
                    .where(sessions.c.user_name == name)
                ).scalar_one()
            )
