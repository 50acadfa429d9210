"""The asset catalog: one row of metadata per stored blob, keyed by its sha256.

An asset's id is the sha256 of its bytes. The same bytes added twice (by two users, or a
re-run generation) are one asset: the first writer's metadata wins and later adds return it.
Inserts use ``ON CONFLICT DO NOTHING``, so concurrent writers never fail on the duplicate.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine

from shotline.assets.blobs import BlobStore, check_sha, sha256_file
from shotline.assets.errors import AssetNotFound, CorruptAsset
from shotline.db import insert_ignoring_duplicates, metadata


class AssetKind(StrEnum):
    VIDEO = "video"
    IMAGE = "image"
    AUDIO = "audio"
    MODEL3D = "model3d"
    JSON = "json"
    OTHER = "other"


class Money(sa.types.TypeDecorator[Decimal]):
    """Exact decimal money: NUMERIC on PostgreSQL, text on SQLite (whose NUMERIC is a float)."""

    impl = sa.String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.Numeric(14, 4, asdecimal=True))
        return dialect.type_descriptor(sa.String(32))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


assets_table = sa.Table(
    "assets",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("mime", sa.String(255), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("duration", sa.Float),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("fps", sa.String(32)),  # exact rate as text: "24000/1001"
    sa.Column("owner", sa.String(255)),
    sa.Column("prompt", sa.Text),
    sa.Column("provider", sa.String(255)),
    sa.Column("model", sa.String(255)),
    sa.Column("cost", Money),  # USD, as estimated or reported for the generation
    sa.Column("job_id", sa.String(255)),
    sa.Column("parents", sa.JSON, nullable=False),  # sha256 list of the inputs it came from
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_assets_kind_created", "kind", "created_at"),
    sa.Index("ix_assets_owner_created", "owner", "created_at"),
)


# Built once: building a statement costs more than running its cached compiled form.
_BY_SHA = sa.select(assets_table).where(assets_table.c.sha256 == sa.bindparam("sha"))


@dataclass(frozen=True)
class Asset:
    sha256: str
    kind: AssetKind
    mime: str
    size: int
    created_at: datetime
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    owner: str | None = None
    prompt: str | None = None
    provider: str | None = None
    model: str | None = None
    cost: Decimal | None = None
    job_id: str | None = None
    parents: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.sha256


def canonical_json(data: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8, no NaN (not JSON)."""
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AssetCatalog:
    def __init__(
        self, engine: Engine, blobs: BlobStore, *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.engine = engine
        self.blobs = blobs
        self.clock = clock

    def add_file(
        self,
        path: Path,
        *,
        kind: AssetKind | str,
        mime: str,
        owner: str | None = None,
        prompt: str | None = None,
        provider: str | None = None,
        model: str | None = None,
        cost: Decimal | None = None,
        job_id: str | None = None,
        parents: Iterable[str] = (),
        duration: float | None = None,
        width: int | None = None,
        height: int | None = None,
        fps: Fraction | str | None = None,
    ) -> Asset:
        """Store the file's bytes and catalog them; the same bytes again return the first row."""
        kind = AssetKind(kind)
        parent_list = [check_sha(p) for p in parents]
        if cost is not None and not isinstance(cost, Decimal):
            raise TypeError(f"cost must be a Decimal (exact money), got {type(cost).__name__}")
        rate = None if fps is None else str(Fraction(fps))
        path = Path(path)
        sha = self.blobs.put(path)
        row = {
            "sha256": sha,
            "kind": kind.value,
            "mime": mime,
            "size": path.stat().st_size,
            "duration": duration,
            "width": width,
            "height": height,
            "fps": rate,
            "owner": owner,
            "prompt": prompt,
            "provider": provider,
            "model": model,
            "cost": cost,
            "job_id": job_id,
            "parents": parent_list,
            "created_at": self._now(),
        }
        # One transaction: the row as inserted, or, when the bytes were cataloged before, the
        # first writer's row (read in the same transaction instead of a second one).
        with self.engine.begin() as conn:
            found = conn.execute(self._insert, row).one_or_none()
            if found is None:
                found = conn.execute(_BY_SHA, {"sha": sha}).one()
        return _asset(found._mapping)

    def add_json(
        self,
        data: Any,
        *,
        owner: str | None = None,
        prompt: str | None = None,
        provider: str | None = None,
        model: str | None = None,
        cost: Decimal | None = None,
        job_id: str | None = None,
        parents: Iterable[str] = (),
    ) -> Asset:
        """Store ``data`` as canonical JSON, so equal values are one asset.

        Bytes cataloged before are not stored again: a row is only written once its bytes are
        stored (``add_file``), and neither is ever deleted, so the row is proof enough (this
        saves a copy and an object-store request per repeated result)."""
        payload = canonical_json(data)
        known = self.find(hashlib.sha256(payload).hexdigest())
        if known is not None:
            return known
        fd, name = tempfile.mkstemp(suffix=".json")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            return self.add_file(
                Path(name),
                kind=AssetKind.JSON,
                mime="application/json",
                owner=owner,
                prompt=prompt,
                provider=provider,
                model=model,
                cost=cost,
                job_id=job_id,
                parents=parents,
            )
        finally:
            os.unlink(name)

    def get(self, sha: str) -> Asset:
        asset = self.find(sha)
        if asset is None:
            raise AssetNotFound(sha)
        return asset

    def find(self, sha: str) -> Asset | None:
        """The asset with this sha256, or None when it is not cataloged."""
        check_sha(sha)
        with self.engine.connect() as conn:
            row = conn.execute(_BY_SHA, {"sha": sha}).one_or_none()
        return None if row is None else _asset(row._mapping)

    @functools.cached_property
    def _insert(self) -> Any:
        """INSERT ... ON CONFLICT DO NOTHING RETURNING the row, built once (its columns are
        those of the parameters it runs with)."""
        return insert_ignoring_duplicates(self.engine.dialect, assets_table).returning(
            *assets_table.c
        )

    def local_path(self, sha: str, verify: bool = False) -> Path:
        """A local file with the asset's bytes; with ``verify``, re-hash it first."""
        self.get(sha)  # only cataloged assets: a stray blob is not an asset
        path = self.blobs.materialise(sha)
        if verify:
            actual = sha256_file(path)
            if actual != sha:
                raise CorruptAsset(sha, actual, str(path))
        return path

    def list(
        self, kind: AssetKind | str | None = None, owner: str | None = None, limit: int = 100
    ) -> builtins.list[Asset]:
        """Newest first."""
        query = sa.select(assets_table)
        if kind is not None:
            query = query.where(assets_table.c.kind == AssetKind(kind).value)
        if owner is not None:
            query = query.where(assets_table.c.owner == owner)
        query = query.order_by(assets_table.c.created_at.desc(), assets_table.c.sha256)
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
        return [_asset(r._mapping) for r in rows]

    def _now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the catalog clock must return an aware datetime")
        return now.astimezone(UTC)


def _asset(row: Any) -> Asset:
    created = row["created_at"]
    if created.tzinfo is None:  # SQLite drops the zone; we only ever store UTC
        created = created.replace(tzinfo=UTC)
    return Asset(
        sha256=row["sha256"],
        kind=AssetKind(row["kind"]),
        mime=row["mime"],
        size=row["size"],
        created_at=created,
        duration=row["duration"],
        width=row["width"],
        height=row["height"],
        fps=None if row["fps"] is None else Fraction(row["fps"]),
        owner=row["owner"],
        prompt=row["prompt"],
        provider=row["provider"],
        model=row["model"],
        cost=row["cost"],
        job_id=row["job_id"],
        parents=tuple(row["parents"] or ()),
    )
