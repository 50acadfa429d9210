"""Many reservations at once never overdraw a balance: threads and processes, on both databases.

40 requests of 10 frames race for 250 frames: exactly 25 win, 15 get InsufficientCredits.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shotline.costs import CreditLedger, InsufficientCredits
from shotline.costs.credits import credit_days, credit_reservations
from tests.costs.racers import race

NOW = datetime(2026, 2, 16, 12, tzinfo=UTC)
REQUESTS, FRAMES = 40, 10


def check_books(engine: Engine, user: str) -> None:
    ledger = CreditLedger(engine, clock=lambda: NOW)
    b = ledger.balance(user)
    assert (b.used, b.reserved, b.remaining) == (250, 250, 0)
    with engine.connect() as conn:
        reserved = conn.execute(
            sa.select(sa.func.count()).where(credit_reservations.c.user_id == user)
        ).scalar_one()
        days = conn.execute(sa.select(credit_days.c.used, credit_days.c.granted)).all()
    assert reserved == 25  # losers left no reservation behind
    assert [tuple(d) for d in days] == [(250, 250)]


def test_threads_race_for_credits(engine: Engine) -> None:
    ledger = CreditLedger(engine, clock=lambda: NOW)
    start = threading.Barrier(REQUESTS)
    won: list[str] = []
    lost: list[str] = []
    errors: list[BaseException] = []

    def attempt(job: str) -> None:
        start.wait(timeout=30)
        try:
            ledger.reserve("ana", FRAMES, job)  # each thread checks out its own connection
            won.append(job)
        except InsufficientCredits:
            lost.append(job)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(f"job-{i}",)) for i in range(REQUESTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert (len(won), len(lost)) == (25, 15)
    check_books(engine, "ana")


def test_processes_race_for_credits(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    processes = 4
    start = ctx.Barrier(processes)
    results = ctx.Queue()
    per = REQUESTS // processes
    procs = [
        ctx.Process(
            target=race,
            args=(
                url,
                "ana",
                FRAMES,
                [f"p{p}-job-{i}" for i in range(per)],
                NOW.isoformat(),
                start,
                results,
            ),
        )
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    try:
        outcomes = [results.get(timeout=90) for _ in procs]
    except queue.Empty:
        raise AssertionError("a racing process did not report back") from None
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert [e for _, _, errs in outcomes for e in errs] == []
    assert sum(w for w, _, _ in outcomes) == 25
    assert sum(lost for _, lost, _ in outcomes) == 15
    check_books(engine, "ana")
