"""The DAM: one listing of a project's assets (generated clips and images, uploads, film outputs,
saved timelines, exports), filtered by kind, owner, provider, model and prompt text, with cost.

Each area keeps its own records; it registers a *source* here that lists the project's items
(``add_source``). Removing an item from the DAM hides it for the project (a row here): the bytes
stay, since the catalog is content-addressed and the same asset may serve another project or a
clip on the timeline. The owner may remove their own items; only an admin removes others'.
Saved timelines are deleted through the saves (admin only), not here.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shotline.db import insert_ignoring_duplicates, metadata
from shotline.providers.registry import family
from shotline.studio.accounts import User
from shotline.studio.errors import Conflict, Forbidden, NotFound

dam_hidden = sa.Table(
    "studio_dam_hidden",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("item_id", sa.String(200), primary_key=True),
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)


class DamKind(StrEnum):
    GENERATED_CLIP = "generated_clip"
    GENERATED_IMAGE = "generated_image"
    UPLOAD = "upload"
    FILM = "film"
    TIMELINE = "timeline"
    EXPORT = "export"


@dataclass(frozen=True)
class DamItem:
    id: str  # "<kind>:<the source's own id>", unique within the project
    kind: DamKind
    name: str
    owner: str | None
    created_at: datetime
    provider: str | None = None
    model: str | None = None
    prompt: str | None = None
    cost: Decimal | None = None  # dollars
    status: str | None = None  # e.g. a generation still running
    asset: str | None = None  # sha256 of the bytes, when there are bytes yet
    mime: str | None = None
    size: int | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    url: str | None = None  # where the bytes are served
    preview_url: str | None = None


@dataclass(frozen=True)
class DamQuery:
    kinds: frozenset[DamKind] = frozenset()  # empty: every kind
    owner: str | None = None
    provider: str | None = None  # a full id ("fal.ltx-2") or a family ("fal")
    model: str | None = None
    text: str | None = None  # in the prompt or the name, case-insensitive, any script
    limit: int = 200

    def matches(self, item: DamItem) -> bool:
        if self.kinds and item.kind not in self.kinds:
            return False
        if self.owner is not None and item.owner != self.owner:
            return False
        if self.provider is not None and not (
            item.provider == self.provider or family(item.provider or "") == self.provider
        ):
            return False
        if self.model is not None and item.model != self.model:
            return False
        if self.text:
            wanted = self.text.casefold()
            haystack = f"{item.prompt or ''}\n{item.name}".casefold()
            if wanted not in haystack:
                return False
        return True


DamSource = Callable[[str], Iterable[DamItem]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Dam:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._sources: dict[str, DamSource] = {}

    def add_source(self, name: str, source: DamSource) -> None:
        if name in self._sources:
            raise ValueError(f"DAM source {name!r} is already registered")
        self._sources[name] = source

    def _hidden(self, project: str) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(dam_hidden.c.item_id).where(dam_hidden.c.project == project)
            ).scalars()
            return set(rows)

    def items(self, project: str) -> builtins.list[DamItem]:
        hidden = self._hidden(project)
        found = [
            item
            for source in self._sources.values()
            for item in source(project)
            if item.id not in hidden
        ]
        return sorted(found, key=lambda i: (i.created_at, i.id), reverse=True)

    def list(self, project: str, query: DamQuery | None = None) -> builtins.list[DamItem]:
        """Newest first."""
        query = query or DamQuery()
        return [i for i in self.items(project) if query.matches(i)][: query.limit]

    def get(self, project: str, item_id: str) -> DamItem:
        for item in self.items(project):
            if item.id == item_id:
                return item
        raise NotFound(f"no asset {item_id[:100]!r} in project {project!r}")

    def has_asset(self, project: str, sha: str) -> bool:
        return any(item.asset == sha for item in self.items(project))

    def remove(self, project: str, item_id: str, user: User) -> DamItem:
        item = self.get(project, item_id)
        if item.kind is DamKind.TIMELINE:
            raise Conflict("saved timelines are deleted from the saves (admin only)")
        if item.owner != user.name and not user.is_admin:
            raise Forbidden(f"{item.name!r} belongs to {item.owner}: only an admin may remove it")
        with self.engine.begin() as conn:
            conn.execute(
                insert_ignoring_duplicates(conn.dialect, dam_hidden).values(
                    project=project, item_id=item_id, by=user.name, at=self.clock()
                )
            )
        return item
