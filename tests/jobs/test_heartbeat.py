"""Worker liveness by heartbeat alone: a peer whose process id means nothing here (another
container with the same host name) is alive while it stamps, and dead once it stops."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shotline.db import create_tables, make_engine
from shotline.jobs.heartbeat import Heartbeat, serving, workers_table


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    create_tables(engine)
    yield engine
    engine.dispose()


def test_the_stamp_alone_decides_not_the_process_id(engine: Engine) -> None:
    clock, recovered = Clock(), []
    me = Heartbeat(engine, "me", stale_after=10, clock=clock, recover=recovered.extend)
    peer = Heartbeat(engine, "peer", stale_after=10, clock=clock, queues=["cpu"])
    me.register()
    peer.register()
    with engine.begin() as conn:  # same host, and a pid that no process here has
        conn.execute(
            workers_table.update()
            .where(workers_table.c.executor_id == "peer")
            .values(host=me.host, pid=2**22 + 7)
        )
    assert me.sweep() == [] and recovered == []  # a fresh stamp: alive, whatever the pid

    clock.now += timedelta(seconds=9)
    peer.beat()
    clock.now += timedelta(seconds=9)
    assert me.sweep() == []  # it stamped 9 s ago

    clock.now += timedelta(seconds=2)
    assert me.sweep() == ["peer"] and recovered == ["peer"]  # 11 s silent: dead
    with engine.connect() as conn:
        left = conn.execute(sa.select(workers_table.c.executor_id)).scalars().all()
    assert left == ["me"]


def test_a_clean_shutdown_is_dead_at_once_and_serves_nothing(engine: Engine) -> None:
    clock = Clock()
    me = Heartbeat(engine, "me", stale_after=10, clock=clock, recover=lambda ids: None)
    fal = Heartbeat(engine, "fal-worker", stale_after=10, clock=clock, queues=["cloud-fal", "cpu"])
    plain = Heartbeat(engine, "plain-worker", stale_after=10, clock=clock, queues=["cpu"])
    for worker in (me, fal, plain):
        worker.register()
    assert serving(engine, "cloud-fal", 10, clock) == ["fal-worker"]
    assert serving(engine, "cpu", 10, clock) == ["fal-worker", "plain-worker"]
    fal.mark_dead()
    assert serving(engine, "cloud-fal", 10, clock) == []
    assert me.sweep() == ["fal-worker"]


def test_a_worker_declared_dead_says_so_and_registers_again(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    me = Heartbeat(engine, "me", stale_after=10, clock=clock, recover=lambda ids: None)
    slow = Heartbeat(engine, "slow", stale_after=10, clock=clock, queues=["cpu"])
    me.register()
    slow.register()
    clock.now += timedelta(seconds=11)
    me.beat()
    assert me.sweep() == ["slow"]
    slow.beat()
    assert "declared dead" in caplog.text
    assert serving(engine, "cpu", 10, clock) == ["slow"]
