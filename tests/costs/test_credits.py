"""Daily frame credits on SQLite and PostgreSQL, with an injected clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from shotline.costs import (
    CreditError,
    CreditLedger,
    InsufficientCredits,
    ReservationClosed,
    ReservationState,
    UnknownReservation,
)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 2, 16, 20, 40, tzinfo=UTC))


@pytest.fixture
def ledger(engine: Engine, clock: Clock) -> CreditLedger:
    return CreditLedger(engine, clock=clock)


def test_a_new_user_has_the_daily_grant(ledger: CreditLedger) -> None:
    b = ledger.balance("ana")
    assert (b.user, b.day, b.granted, b.used, b.reserved, b.remaining) == (
        "ana",
        "2026-02-16",
        250,
        0,
        0,
        250,
    )
    assert b.resets_at == datetime(2026, 2, 17, tzinfo=UTC)


def test_reserve_then_settle(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 121, "job-1")
    b = ledger.balance("ana")
    assert (b.used, b.reserved, b.remaining) == (121, 121, 129)
    assert ledger.settle("job-1") == 0
    b = ledger.balance("ana")
    assert (b.used, b.reserved, b.remaining) == (121, 0, 129)
    r = ledger.reservation("job-1")
    assert (r.state, r.frames, r.charged, r.user) == (ReservationState.SETTLED, 121, 121, "ana")


def test_settle_fewer_frames_returns_the_difference(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 121, "job-1")
    assert ledger.settle("job-1", actual_frames=97) == 24
    assert ledger.balance("ana").used == 97
    assert ledger.reservation("job-1").charged == 97


def test_settle_never_charges_more_than_reserved(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 50, "job-1")
    assert ledger.settle("job-1", actual_frames=80) == 0
    assert ledger.balance("ana").used == 50


def test_settle_is_idempotent(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 100, "job-1")
    assert ledger.settle("job-1", actual_frames=60) == 40
    assert ledger.settle("job-1", actual_frames=10) == 0
    assert ledger.balance("ana").used == 60


def test_refund_returns_frames_once(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 100, "job-1")
    assert ledger.refund("job-1") == 100
    assert ledger.refund("job-1") == 0
    b = ledger.balance("ana")
    assert (b.used, b.reserved, b.remaining) == (0, 0, 250)
    assert ledger.reservation("job-1").state is ReservationState.REFUNDED


def test_refund_after_settle_does_nothing(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 100, "job-1")
    ledger.settle("job-1")
    assert ledger.refund("job-1") == 0
    assert ledger.balance("ana").used == 100


def test_settle_after_refund_is_an_error(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 100, "job-1")
    ledger.refund("job-1")
    with pytest.raises(ReservationClosed, match="already refunded"):
        ledger.settle("job-1")
    assert ledger.balance("ana").used == 0


def test_unknown_jobs(ledger: CreditLedger) -> None:
    for call in (ledger.settle, ledger.refund, ledger.reservation):
        with pytest.raises(UnknownReservation, match="no credit reservation for job 'nope'"):
            call("nope")


def test_reserve_is_idempotent_per_job(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 100, "job-1")
    ledger.reserve("ana", 100, "job-1")  # a replayed workflow step
    assert ledger.balance("ana").used == 100
    ledger.settle("job-1")
    ledger.reserve("ana", 100, "job-1")
    assert ledger.balance("ana").used == 100


def test_a_job_id_belongs_to_one_user(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 10, "job-1")
    with pytest.raises(CreditError, match="already holds credits of user 'ana'"):
        ledger.reserve("ben", 10, "job-1")
    assert ledger.balance("ben").used == 0


def test_insufficient_credits(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 245, "job-1")
    with pytest.raises(InsufficientCredits) as caught:
        ledger.reserve("ana", 10, "job-2")
    err = caught.value
    assert (err.user, err.needed, err.remaining) == ("ana", 10, 5)
    assert err.resets_at == datetime(2026, 2, 17, tzinfo=UTC)
    assert str(err) == (
        "user 'ana' needs 10 frames but has 5 left today; credits reset at 2026-02-17 00:00 UTC"
    )
    assert ledger.balance("ana").used == 245  # nothing was taken
    with pytest.raises(UnknownReservation):
        ledger.reservation("job-2")  # and the job id was not claimed
    ledger.reserve("ana", 5, "job-2")  # it can still reserve what is left
    assert ledger.balance("ana").remaining == 0


def test_users_are_independent(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 250, "job-a")
    ledger.reserve("ben", 1, "job-b")
    assert ledger.balance("ana").remaining == 0
    assert ledger.balance("ben").remaining == 249


def test_credits_reset_at_the_utc_day_boundary(ledger: CreditLedger, clock: Clock) -> None:
    clock.now = datetime(2026, 2, 16, 23, 59, 59, tzinfo=UTC)
    ledger.reserve("ana", 240, "late-job")
    with pytest.raises(InsufficientCredits):
        ledger.reserve("ana", 20, "too-much")
    clock.now += timedelta(seconds=1)
    b = ledger.balance("ana")
    assert (b.day, b.used, b.remaining) == ("2026-02-17", 0, 250)
    assert b.resets_at == datetime(2026, 2, 18, tzinfo=UTC)
    ledger.reserve("ana", 20, "too-much")  # the failed job id was never claimed
    # A refund goes back to the day the frames were taken from, not to today.
    assert ledger.refund("late-job") == 240
    assert ledger.balance("ana").used == 20
    clock.now = datetime(2026, 2, 16, 12, tzinfo=UTC)
    assert ledger.balance("ana").used == 0


def test_day_follows_utc_not_local_time(ledger: CreditLedger, clock: Clock) -> None:
    from zoneinfo import ZoneInfo

    clock.now = datetime(2026, 2, 16, 20, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    b = ledger.balance("ana")
    assert b.day == "2026-02-17"
    assert b.resets_at == datetime(2026, 2, 18, tzinfo=UTC)


def test_admin_reset(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 200, "done")
    ledger.settle("done")
    b = ledger.reset("ana")
    assert (b.used, b.remaining) == (0, 250)
    ledger.reserve("ana", 250, "after-reset")
    assert ledger.balance("ana").remaining == 0


def test_admin_reset_keeps_running_jobs_counted(ledger: CreditLedger) -> None:
    ledger.reserve("ana", 100, "finished")
    ledger.settle("finished")
    ledger.reserve("ana", 30, "running")
    b = ledger.reset("ana")
    assert (b.used, b.reserved, b.remaining) == (30, 30, 220)
    assert ledger.refund("running") == 30
    assert ledger.balance("ana").used == 0


def test_admin_reset_of_an_unknown_user(ledger: CreditLedger) -> None:
    assert ledger.reset("nobody").remaining == 250


def test_daily_frames_is_configurable(engine: Engine, clock: Clock) -> None:
    ledger = CreditLedger(engine, daily_frames=24, clock=clock)
    ledger.reserve("ana", 24, "job-1")
    with pytest.raises(InsufficientCredits, match="has 0 left"):
        ledger.reserve("ana", 1, "job-2")


def test_bad_input(ledger: CreditLedger, engine: Engine) -> None:
    for frames in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match="positive int"):
            ledger.reserve("ana", frames, "job")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="aware"):
        CreditLedger(engine, clock=lambda: datetime(2026, 1, 1)).balance("ana")
    with pytest.raises(ValueError):
        CreditLedger(engine, daily_frames=-1)
    ledger.reserve("ana", 10, "job")
    with pytest.raises(ValueError):
        ledger.settle("job", actual_frames=-1)
