"""Money and credits: generation cache keys and per-user daily frame credits."""

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
