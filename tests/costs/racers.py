"""Process entry point for the credit race test (importable by spawned children, so it keeps
its imports light and has no pytest fixtures)."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from shotline.costs import CreditLedger, InsufficientCredits
from shotline.db import make_engine


def race(
    url: str, user: str, frames: int, jobs: list[str], now_iso: str, start: Any, results: Any
) -> None:
    """Reserve ``frames`` for each job at once (one thread per job), on this process's own engine;
    put (won, lost, errors) on ``results``."""
    now = datetime.fromisoformat(now_iso)
    engine = make_engine(url)
    ledger = CreditLedger(engine, clock=lambda: now)
    outcome = {"won": 0, "lost": 0}
    errors: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(len(jobs))

    def attempt(job: str) -> None:
        ready.wait(timeout=60)
        try:
            ledger.reserve(user, frames, job)
            key = "won"
        except InsufficientCredits:
            key = "lost"
        except Exception as exc:  # sent back to the parent, which fails the test with it
            with lock:
                errors.append(f"{job}: {type(exc).__name__}: {exc}")
            return
        with lock:
            outcome[key] += 1

    try:
        start.wait(timeout=60)  # every process starts together
        threads = [threading.Thread(target=attempt, args=(job,)) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        engine.dispose()
        results.put((outcome["won"], outcome["lost"], errors))
