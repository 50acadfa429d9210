"""Per-user daily frame credits (the seed's 250 frames a day), kept in the database.

A generation reserves its frames before it starts, and the reservation is later settled (the frames
are spent, perhaps fewer than reserved) or refunded (the job failed or was cancelled).

- ``credit_days`` holds one row per user and UTC day: ``granted`` frames and ``used`` frames, where
  ``used`` counts both open reservations and settled ones. A new UTC day gets a fresh row, so
  credits reset at midnight UTC without any job.
- ``credit_reservations`` holds one row per job id, and the day it was charged to: a refund goes
  back to that day even when it comes after midnight.

The balance never goes negative, also with many concurrent writers (threads or processes, SQLite or
PostgreSQL): frames are taken by one conditional UPDATE (``used + n <= granted``), which the
database applies atomically to the row; no row updated means not enough credits. A job id can be
reserved once: a re-run workflow step that reserves again is not charged twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shotline.costs.errors import (
    CreditError,
    InsufficientCredits,
    ReservationClosed,
    UnknownReservation,
)
from shotline.db import insert_ignoring_duplicates, metadata

DAILY_FRAMES = 250

credit_days = sa.Table(
    "credit_days",
    metadata,
    sa.Column("user_id", sa.String(255), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),  # UTC date, "2026-02-16"
    sa.Column("granted", sa.Integer, nullable=False),
    sa.Column("used", sa.Integer, nullable=False),
    # The UPDATE below already guarantees these; the database refuses any other writer too.
    sa.CheckConstraint("used >= 0", name="ck_credit_days_used_not_negative"),
    sa.CheckConstraint("used <= granted", name="ck_credit_days_used_within_grant"),
)

credit_reservations = sa.Table(
    "credit_reservations",
    metadata,
    sa.Column("job_id", sa.String(255), primary_key=True),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("frames", sa.Integer, nullable=False),  # reserved
    sa.Column("charged", sa.Integer),  # spent, once settled (0 when refunded)
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("frames > 0", name="ck_credit_reservations_frames_positive"),
    sa.Index("ix_credit_reservations_user_day_state", "user_id", "day", "state"),
)


class ReservationState(StrEnum):
    RESERVED = "reserved"
    SETTLED = "settled"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class CreditBalance:
    user: str
    day: str
    granted: int
    used: int  # taken from today's grant: open reservations plus settled jobs
    reserved: int  # the part of ``used`` held by jobs still running
    remaining: int
    resets_at: datetime  # next midnight UTC


@dataclass(frozen=True)
class Reservation:
    job_id: str
    user: str
    day: str
    frames: int
    state: ReservationState
    charged: int | None
    created_at: datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _give_back(conn: Connection, user: str, day: str, frames: int) -> None:
    """Return frames to a day. Clamped at zero: an admin reset may have forgiven them already."""
    if frames <= 0:
        return
    used = credit_days.c.used
    conn.execute(
        credit_days.update()
        .where(credit_days.c.user_id == user, credit_days.c.day == day)
        .values(used=sa.case((used >= frames, used - frames), else_=0))
    )


class CreditLedger:
    def __init__(
        self,
        engine: Engine,
        daily_frames: int = DAILY_FRAMES,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if daily_frames < 0:
            raise ValueError(f"daily_frames must not be negative, got {daily_frames}")
        self.engine = engine
        self.daily_frames = daily_frames
        self.clock = clock

    # -- time ----------------------------------------------------------------------------------

    def now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the credit clock must return an aware datetime")
        return now.astimezone(UTC)

    def today(self) -> str:
        return self.now().date().isoformat()

    def resets_at(self) -> datetime:
        tomorrow = self.now().date() + timedelta(days=1)
        return datetime.combine(tomorrow, time(0), tzinfo=UTC)

    # -- reading -------------------------------------------------------------------------------

    def balance(self, user: str) -> CreditBalance:
        day = self.today()
        res = credit_reservations.c
        held = (
            sa.select(sa.func.coalesce(sa.func.sum(res.frames), 0))
            .where(
                res.user_id == user, res.day == day, res.state == ReservationState.RESERVED.value
            )
            .scalar_subquery()
        )
        # One statement, so the day row and the reservations come from the same snapshot.
        query = sa.select(credit_days.c.granted, credit_days.c.used, held).where(
            credit_days.c.user_id == user, credit_days.c.day == day
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        granted, used, reserved = (self.daily_frames, 0, 0) if row is None else tuple(row)
        return CreditBalance(
            user=user,
            day=day,
            granted=int(granted),
            used=int(used),
            reserved=int(reserved),
            remaining=int(granted) - int(used),
            resets_at=self.resets_at(),
        )

    def reservation(self, job_id: str) -> Reservation:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(credit_reservations).where(credit_reservations.c.job_id == job_id)
            ).one_or_none()
        if row is None:
            raise UnknownReservation(job_id)
        created = row.created_at
        if created.tzinfo is None:  # SQLite drops the zone; we only store UTC
            created = created.replace(tzinfo=UTC)
        return Reservation(
            job_id=row.job_id,
            user=row.user_id,
            day=row.day,
            frames=row.frames,
            state=ReservationState(row.state),
            charged=row.charged,
            created_at=created,
        )

    # -- writing -------------------------------------------------------------------------------

    def reserve(self, user: str, frames: int, job_id: str) -> None:
        """Take ``frames`` from today's credits for ``job_id``, or raise ``InsufficientCredits``.

        Idempotent per job id: if the job already has a reservation (in any state), nothing
        happens, so a workflow step that is replayed after a crash is not charged twice.
        """
        if isinstance(frames, bool) or not isinstance(frames, int) or frames <= 0:
            raise ValueError(f"frames must be a positive int, got {frames!r}")
        day = self.today()
        days = credit_days.c
        with self.engine.begin() as conn:
            # Writing first also takes SQLite's write lock before anything is read.
            conn.execute(
                insert_ignoring_duplicates(conn.dialect, credit_days).values(
                    user_id=user, day=day, granted=self.daily_frames, used=0
                )
            )
            claimed = conn.execute(
                insert_ignoring_duplicates(conn.dialect, credit_reservations)
                .values(
                    job_id=job_id,
                    user_id=user,
                    day=day,
                    frames=frames,
                    state=ReservationState.RESERVED.value,
                    created_at=self.now(),
                )
                # RETURNING, not rowcount: drivers may report -1 for INSERT ... DO NOTHING.
                .returning(credit_reservations.c.job_id)
            ).first()
            if claimed is None:
                owner = conn.execute(
                    sa.select(credit_reservations.c.user_id).where(
                        credit_reservations.c.job_id == job_id
                    )
                ).scalar_one()
                if owner != user:
                    raise CreditError(f"job {job_id!r} already holds credits of user {owner!r}")
                return
            taken = conn.execute(
                credit_days.update()
                .where(days.user_id == user, days.day == day, days.used + frames <= days.granted)
                .values(used=days.used + frames)
                .returning(days.used)
            ).first()
            if taken is not None:
                return
            remaining = conn.execute(
                sa.select(days.granted - days.used).where(days.user_id == user, days.day == day)
            ).scalar_one()
            # Raised inside ``begin``: the transaction rolls back, un-claiming the job id too.
            raise InsufficientCredits(user, frames, int(remaining), self.resets_at())

    def settle(self, job_id: str, actual_frames: int | None = None) -> int:
        """Mark the job's frames as spent; return how many frames went back to the user.

        ``actual_frames`` below the reservation returns the difference; above it, the user is
        charged the reservation (the price they were shown). Settling twice does nothing.
        """
        if actual_frames is not None and actual_frames < 0:
            raise ValueError(f"actual_frames must not be negative, got {actual_frames}")
        res = credit_reservations.c
        charged: Any = res.frames
        if actual_frames is not None:
            charged = sa.case((res.frames < actual_frames, res.frames), else_=actual_frames)
        with self.engine.begin() as conn:
            row = conn.execute(
                credit_reservations.update()
                .where(res.job_id == job_id, res.state == ReservationState.RESERVED.value)
                .values(state=ReservationState.SETTLED.value, charged=charged)
                .returning(res.user_id, res.day, res.frames, res.charged)
            ).one_or_none()
            if row is None:
                state = self._state(conn, job_id)
                if state == ReservationState.SETTLED:
                    return 0
                raise ReservationClosed(job_id, state.value)
            back = row.frames - row.charged
            _give_back(conn, row.user_id, row.day, back)
        return int(back)

    def refund(self, job_id: str) -> int:
        """Return a job's frames to the day they were taken from; return how many came back.

        Only an open reservation is refunded: after a settle or an earlier refund this returns 0.
        """
        res = credit_reservations.c
        with self.engine.begin() as conn:
            row = conn.execute(
                credit_reservations.update()
                .where(res.job_id == job_id, res.state == ReservationState.RESERVED.value)
                .values(state=ReservationState.REFUNDED.value, charged=0)
                .returning(res.user_id, res.day, res.frames)
            ).one_or_none()
            if row is None:
                self._state(conn, job_id)  # raises UnknownReservation for a job never reserved
                return 0
            _give_back(conn, row.user_id, row.day, row.frames)
        return int(row.frames)

    def reset(self, user: str) -> CreditBalance:
        """Admin reset: forgive what the user spent today.

        Frames held by jobs still running stay counted, so their later settle or refund keeps
        the books exact; with nothing running, ``used`` becomes 0.
        """
        day = self.today()
        res = credit_reservations.c
        held = (
            sa.select(sa.func.coalesce(sa.func.sum(res.frames), 0))
            .where(
                res.user_id == user, res.day == day, res.state == ReservationState.RESERVED.value
            )
            .scalar_subquery()
        )
        with self.engine.begin() as conn:
            conn.execute(
                credit_days.update()
                .where(credit_days.c.user_id == user, credit_days.c.day == day)
                .values(used=held)
            )
        return self.balance(user)

    def _state(self, conn: Connection, job_id: str) -> ReservationState:
        state = conn.execute(
            sa.select(credit_reservations.c.state).where(credit_reservations.c.job_id == job_id)
        ).scalar_one_or_none()
        if state is None:
            raise UnknownReservation(job_id)
        return ReservationState(state)
