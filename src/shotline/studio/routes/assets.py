"""The DAM over HTTP: a project's assets filtered by kind, owner, provider, model and prompt
text, with their cost; removing your own (an admin removes anyone's)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from shotline.studio.dam import DamItem, DamKind, DamQuery
from shotline.studio.deps import Member, Services

router = APIRouter(prefix="/api/projects/{project}/assets", tags=["assets"])


class AssetOut(BaseModel):
    id: str
    kind: DamKind
    name: str
    owner: str | None
    created_at: datetime
    provider: str | None
    model: str | None
    prompt: str | None
    cost: Decimal | None
    status: str | None
    asset: str | None
    mime: str | None
    size: int | None
    duration: float | None
    width: int | None
    height: int | None
    url: str | None
    preview_url: str | None

    @classmethod
    def of(cls, item: DamItem) -> AssetOut:
        return cls(
            id=item.id, kind=item.kind, name=item.name, owner=item.owner,
            created_at=item.created_at, provider=item.provider, model=item.model,
            prompt=item.prompt, cost=item.cost, status=item.status, asset=item.asset,
            mime=item.mime, size=item.size, duration=item.duration, width=item.width,
            height=item.height, url=item.url, preview_url=item.preview_url,
        )  # fmt: skip


class AssetListing(BaseModel):
    items: list[AssetOut]
    count: int
    total_cost: Decimal  # of the listed items, dollars


@router.get("")
def list_assets(
    access: Member,
    services: Services,
    kind: Annotated[list[DamKind] | None, Query(description="any of these kinds")] = None,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    provider: Annotated[str | None, Query(max_length=255, description="an id or a family")] = None,
    model: Annotated[str | None, Query(max_length=255)] = None,
    q: Annotated[str | None, Query(max_length=1000, description="text in prompt or name")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> AssetListing:
    query = DamQuery(frozenset(kind or ()), owner, provider, model, q or None, limit)
    items = services.dam.list(access.project, query)
    total = sum((i.cost for i in items if i.cost is not None), Decimal(0))
    return AssetListing(items=[AssetOut.of(i) for i in items], count=len(items), total_cost=total)


@router.get("/{item_id}", responses={404: {}})
def get_asset(item_id: str, access: Member, services: Services) -> AssetOut:
    return AssetOut.of(services.dam.get(access.project, item_id))


@router.delete("/{item_id}", status_code=204, responses={403: {}, 404: {}, 409: {}})
def remove_asset(item_id: str, access: Member, services: Services) -> None:
    """Remove an asset from the project's DAM: yours, or anyone's as an admin."""
    services.dam.remove(access.project, item_id, access.user)
