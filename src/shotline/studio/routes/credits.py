"""Frame credits: your remaining frames, the daily limit and the time until the reset; an admin
sees and resets anyone's. Over the engine's ``CreditLedger`` (reset at midnight UTC)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from shotline.costs.credits import CreditBalance
from shotline.studio.deps import AdminUser, CurrentUser, Services

router = APIRouter(prefix="/api/credits", tags=["credits"])


class CreditsOut(BaseModel):
    user: str
    day: str  # the UTC day the numbers are for
    daily_limit: int  # frames granted for the day
    used: int  # frames taken today: finished generations and running ones
    reserved: int  # the part of ``used`` held by generations still running
    remaining: int
    resets_at: datetime
    seconds_until_reset: int

    @classmethod
    def of(cls, balance: CreditBalance, now: datetime) -> CreditsOut:
        return cls(
            user=balance.user,
            day=balance.day,
            daily_limit=balance.granted,
            used=balance.used,
            reserved=balance.reserved,
            remaining=balance.remaining,
            resets_at=balance.resets_at,
            seconds_until_reset=max(0, int((balance.resets_at - now).total_seconds())),
        )


def _credits(services: Services, name: str) -> CreditsOut:
    ledger = services.studio.engine.ledger
    return CreditsOut.of(ledger.balance(name), ledger.now())


@router.get("")
def my_credits(user: CurrentUser, services: Services) -> CreditsOut:
    return _credits(services, user.name)


@router.get("/users")
def all_credits(admin: AdminUser, services: Services) -> list[CreditsOut]:
    return [_credits(services, u.name) for u in services.accounts.list()]


@router.get("/users/{name}", responses={404: {}})
def user_credits(name: str, admin: AdminUser, services: Services) -> CreditsOut:
    services.accounts.get(name)
    return _credits(services, name)


@router.post("/users/{name}/reset", responses={404: {}})
def reset_credits(name: str, admin: AdminUser, services: Services) -> CreditsOut:
    """Forgive what the user spent today (frames of running generations stay held)."""
    services.accounts.get(name)
    ledger = services.studio.engine.ledger
    return CreditsOut.of(ledger.reset(name), ledger.now())
