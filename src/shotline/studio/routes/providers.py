"""Provider accounts: which services are configured and their balance where the service tells."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from shotline.providers.accounts import ProviderAccount
from shotline.studio.deps import CurrentUser, Services

router = APIRouter(prefix="/api/providers", tags=["providers"])


class ProviderAccountOut(BaseModel):
    family: str
    configured: bool
    providers: list[str]
    identity: str | None
    balance: Decimal | None  # None: the service does not tell (see note); never a guess
    currency: str | None
    note: str
    checked: bool

    @classmethod
    def of(cls, account: ProviderAccount) -> ProviderAccountOut:
        return cls(
            family=account.family,
            configured=account.configured,
            providers=list(account.providers),
            identity=account.identity,
            balance=account.balance,
            currency=account.currency,
            note=account.note,
            checked=account.checked,
        )


@router.get("")
def provider_accounts(
    user: CurrentUser,
    services: Services,
    refresh: bool = Query(False, description="ask the services again instead of the cache"),
) -> list[ProviderAccountOut]:
    return [ProviderAccountOut.of(a) for a in services.provider_accounts.all(refresh)]
