"""What can go wrong with frame credits. Each error also subclasses the matching built-in."""

from __future__ import annotations

from datetime import datetime


class CreditError(Exception):
    """Base of every credit error."""


class InsufficientCredits(CreditError):
    """A reservation would take the user's daily frames below zero. Nothing was charged."""

    def __init__(self, user: str, needed: int, remaining: int, resets_at: datetime) -> None:
        super().__init__(user, needed, remaining, resets_at)
        self.user = user
        self.needed = needed
        self.remaining = remaining
        self.resets_at = resets_at

    def __str__(self) -> str:
        when = self.resets_at.strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"user {self.user!r} needs {self.needed} frames but has {self.remaining} left today;"
            f" credits reset at {when}"
        )


class UnknownReservation(CreditError, KeyError):
    """No reservation was made for this job id."""

    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id

    def __str__(self) -> str:
        return f"no credit reservation for job {self.job_id!r}"


class ReservationClosed(CreditError, ValueError):
    """The reservation was already closed the other way (settling a refunded job, say)."""

    def __init__(self, job_id: str, state: str) -> None:
        super().__init__(job_id, state)
        self.job_id = job_id
        self.state = state

    def __str__(self) -> str:
        return f"credit reservation for job {self.job_id!r} is already {self.state}"
