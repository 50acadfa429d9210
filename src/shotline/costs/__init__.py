"""Money and credits: generation cache keys and per-user daily frame credits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shotline.lazy import exports

if TYPE_CHECKING:
    from shotline.costs.cachekey import cache_key
    from shotline.costs.credits import (
        DAILY_FRAMES,
        CreditBalance,
        CreditLedger,
        Reservation,
        ReservationState,
    )
    from shotline.costs.errors import (
        CreditError,
        InsufficientCredits,
        ReservationClosed,
        UnknownReservation,
    )

# Imported on first use: importing one light submodule must not load the heavy ones.
__getattr__ = exports(
    __name__,
    {
        "cache_key": "shotline.costs.cachekey",
        "DAILY_FRAMES": "shotline.costs.credits",
        "CreditBalance": "shotline.costs.credits",
        "CreditLedger": "shotline.costs.credits",
        "Reservation": "shotline.costs.credits",
        "ReservationState": "shotline.costs.credits",
        "CreditError": "shotline.costs.errors",
        "InsufficientCredits": "shotline.costs.errors",
        "ReservationClosed": "shotline.costs.errors",
        "UnknownReservation": "shotline.costs.errors",
    },
)

__all__ = [
    "DAILY_FRAMES",
    "CreditBalance",
    "CreditError",
    "CreditLedger",
    "InsufficientCredits",
    "Reservation",
    "ReservationClosed",
    "ReservationState",
    "UnknownReservation",
    "cache_key",
]
