"""Projects and their members. A project id is a short slug: it names the Yjs room
(``/yjs/<id>``) and appears in every project route. Admins are members of every project."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shotline.db import metadata
from shotline.studio.accounts import User
from shotline.studio.errors import Conflict, InvalidName, NotFound

projects = sa.Table(
    "studio_projects",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

members = sa.Table(
    "studio_project_members",
    metadata,
    sa.Column(
        "project_id",
        sa.String(64),
        sa.ForeignKey("studio_projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "user_name",
        sa.String(64),
        sa.ForeignKey("studio_users.name", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    created_by: str
    created_at: datetime
    members: tuple[str, ...]


def check_project_id(project: str) -> str:
    if not SLUG.match(project):
        raise InvalidName(
            f"project id {project[:80]!r} is not valid: use 1-64 lowercase letters, digits, "
            "'_' or '-', starting with a letter or digit"
        )
    return project


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Projects:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def create(self, project: str, name: str, owner: str) -> Project:
        """A new project whose first member is ``owner``."""
        check_project_id(project)
        name = name.strip() or project
        with self.engine.begin() as conn:
            if conn.execute(sa.select(projects.c.id).where(projects.c.id == project)).first():
                raise Conflict(f"project {project!r} already exists")
            conn.execute(
                projects.insert().values(
                    id=project, name=name[:200], created_by=owner, created_at=self.clock()
                )
            )
            conn.execute(members.insert().values(project_id=project, user_name=owner))
        return self.get(project)

    def exists(self, project: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(projects.c.id).where(projects.c.id == project)).first()
        return found is not None

    def get(self, project: str) -> Project:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(projects).where(projects.c.id == project)).first()
            if row is None:
                raise NotFound(f"no project {project[:80]!r}")
            names = conn.execute(
                sa.select(members.c.user_name)
                .where(members.c.project_id == project)
                .order_by(members.c.user_name)
            ).scalars()
            return _project(row, tuple(names))

    def list(self, user: User | None = None) -> list[Project]:
        """Every project (``user`` None or an admin), else the user's own."""
        query = sa.select(projects).order_by(projects.c.id)
        if user is not None and not user.is_admin:
            mine = sa.select(members.c.project_id).where(members.c.user_name == user.name)
            query = query.where(projects.c.id.in_(mine))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            everyone: dict[str, list[str]] = {}
            for pid, uname in conn.execute(
                sa.select(members.c.project_id, members.c.user_name).order_by(members.c.user_name)
            ):
                everyone.setdefault(pid, []).append(uname)
        return [_project(row, tuple(everyone.get(row.id, ()))) for row in rows]

    def access(self, project: str, user: User) -> tuple[bool, bool]:
        """(the project exists, the user may use it), in one query."""
        mine = (
            sa.select(members.c.user_name)
            .where(members.c.project_id == projects.c.id, members.c.user_name == user.name)
            .exists()
        )
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(mine).where(projects.c.id == project)).first()
        if row is None:
            return False, False
        return True, user.is_admin or bool(row[0])

    def is_member(self, project: str, user: User) -> bool:
        if user.is_admin:
            return True
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(members.c.user_name).where(
                    members.c.project_id == project, members.c.user_name == user.name
                )
            ).first()
        return row is not None

    def add_member(self, project: str, name: str) -> Project:
        with self.engine.begin() as conn:
            already = conn.execute(
                sa.select(members.c.user_name).where(
                    members.c.project_id == project, members.c.user_name == name
                )
            ).first()
            if already is None:
                conn.execute(members.insert().values(project_id=project, user_name=name))
        return self.get(project)

    def remove_member(self, project: str, name: str) -> Project:
        with self.engine.begin() as conn:
            gone = conn.execute(
                members.delete()
                .where(members.c.project_id == project, members.c.user_name == name)
                .returning(members.c.user_name)
            ).first()
        if gone is None:
            raise NotFound(f"{name[:80]!r} is not a member of project {project!r}")
        return self.get(project)

    def delete(self, project: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(members.delete().where(members.c.project_id == project))
            gone = conn.execute(
                projects.delete().where(projects.c.id == project).returning(projects.c.id)
            ).first()
        if gone is None:
            raise NotFound(f"no project {project[:80]!r}")


def _project(row: Any, names: tuple[str, ...]) -> Project:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return Project(row.id, row.name, row.created_by, created, names)
