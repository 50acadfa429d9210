"""The generation engine on SQLite and PostgreSQL, with DBOS launched in the test process."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from dbos import DBOS

from shotline.app import build_engine
from shotline.costs.credits import ReservationState
from shotline.costs.errors import UnknownReservation
from shotline.jobs.runtime import system_database_url
from shotline.jobs.status import JobEvent, JobStatus
from shotline.providers.contracts import ImageRequest, Kind
from shotline.providers.errors import CapabilityError, ProviderFailed, TransientError
from shotline.providers.registry import ProviderRegistry
from tests.jobs.conftest import EngineFactory, jobs_config
from tests.jobs.fakes import PRICE, CountingLocal, FakeRemote, FakeServer, FakeService

USER = "ana"


def transitions(events: list[JobEvent]) -> list[JobStatus]:
    return [e.status for e in events if e.is_transition]


def test_success_records_the_job_the_asset_and_the_credits(new_engine: EngineFactory) -> None:
    provider = CountingLocal()
    engine = new_engine(provider).start()
    seen: list[JobEvent] = []
    engine.store.subscribe(seen.append)

    job_id = engine.submit(ImageRequest(prompt="a red door", seed=7), "fake.local", USER)
    job = engine.wait(job_id, timeout=20)

    assert job.status is JobStatus.SUCCEEDED
    assert (job.kind, job.provider, job.model, job.user) == ("image", "fake.local", "fake-1", USER)
    assert job.prompt == "a red door"
    assert job.params["prompt"] == "a red door" and job.params["seed"] == 7
    assert job.estimated_cost == PRICE and job.actual_cost == PRICE
    assert job.frames == 1 and job.progress == 1.0 and not job.cache_hit
    assert job.started_at is not None and job.finished_at is not None
    assert provider.calls == 1

    assert job.result_asset is not None
    asset = engine.catalog.get(job.result_asset)
    assert (asset.provider, asset.model, asset.prompt, asset.job_id) == (
        "fake.local", "fake-1", "a red door", job_id,
    )  # fmt: skip
    assert asset.cost == PRICE and asset.owner == USER

    reservation = engine.ledger.reservation(job_id)
    assert reservation.state is ReservationState.SETTLED and reservation.charged == 1
    assert engine.ledger.balance(USER).remaining == 249

    stored = engine.store.events(job_id)
    assert transitions(stored) == [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED]
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    assert any(e.progress == 0.5 and not e.is_transition for e in stored)
    assert transitions(seen) == transitions(stored)  # the in-process listeners saw the same
    assert [e.job_id for _, e in engine.store.follow()] == [job_id] * len(stored)


def test_remote_success_persists_the_external_id(new_engine: EngineFactory) -> None:
    with FakeServer() as server:
        engine = new_engine(FakeRemote(server.url)).start()
        job = engine.wait(engine.submit(ImageRequest(prompt="sky"), "fake.remote", USER), 20)
        assert job.status is JobStatus.SUCCEEDED, job.error_message
        assert job.external_id in server.service.jobs
        assert server.service.submissions == 1
        assert engine.ledger.reservation(job.id).state is ReservationState.SETTLED


def test_cache_hit_costs_nothing_and_force_calls_again(new_engine: EngineFactory) -> None:
    provider = CountingLocal()
    engine = new_engine(provider).start()
    request = ImageRequest(prompt="same", seed=1)
    first = engine.wait(engine.submit(request, "fake.local", USER), 20)

    second = engine.wait(engine.submit(request, "fake.local", USER), 5)
    assert second.status is JobStatus.SUCCEEDED and second.cache_hit
    assert second.result_asset == first.result_asset
    assert second.actual_cost == Decimal(0) and second.frames == 0
    assert provider.calls == 1
    with pytest.raises(UnknownReservation):
        engine.ledger.reservation(second.id)
    assert engine.ledger.balance(USER).remaining == 249

    forced = engine.wait(engine.submit(request, "fake.local", USER, force=True), 20)
    assert forced.status is JobStatus.SUCCEEDED and not forced.cache_hit
    assert provider.calls == 2


def test_failure_refunds_and_records_the_error(new_engine: EngineFactory) -> None:
    provider = CountingLocal(errors=[ProviderFailed("the model crashed")])
    engine = new_engine(provider).start()
    job = engine.wait(engine.submit(ImageRequest(prompt="x"), "fake.local", USER), 20)
    assert job.status is JobStatus.FAILED
    assert job.error_type == "ProviderFailed" and "the model crashed" in (job.error_message or "")
    assert engine.ledger.reservation(job.id).state is ReservationState.REFUNDED
    assert engine.ledger.balance(USER).remaining == 250
    assert transitions(engine.store.events(job.id))[-1] is JobStatus.FAILED


def test_a_non_retryable_error_is_tried_once(new_engine: EngineFactory) -> None:
    provider = CountingLocal(errors=[CapabilityError("cannot")])
    engine = new_engine(provider).start()
    job = engine.wait(engine.submit(ImageRequest(prompt="x"), "fake.local", USER), 20)
    assert job.status is JobStatus.FAILED and job.error_type == "CapabilityError"
    time.sleep(0.2)
    assert provider.calls == 1


def test_transient_errors_are_retried_a_bounded_number_of_times(
    new_engine: EngineFactory,
) -> None:
    flaky = CountingLocal("fake.flaky", errors=[TransientError("503"), TransientError("503")])
    broken = CountingLocal("fake.broken", errors=[TransientError("503")] * 10)
    engine = new_engine(flaky, broken, transient_retries=3).start()
    ok = engine.wait(engine.submit(ImageRequest(prompt="x"), "fake.flaky", USER), 20)
    bad = engine.wait(engine.submit(ImageRequest(prompt="y"), "fake.broken", USER), 20)
    assert ok.status is JobStatus.SUCCEEDED and flaky.calls == 3
    assert bad.status is JobStatus.FAILED and bad.error_type == "TransientError"
    assert broken.calls == 4  # the first try and three retries


def test_rate_limit_waits_for_retry_after(new_engine: EngineFactory) -> None:
    service = FakeService(rate_limit_polls=1, retry_after=0.6)
    with FakeServer(service) as server:
        engine = new_engine(FakeRemote(server.url)).start()
        job = engine.wait(engine.submit(ImageRequest(prompt="r"), "fake.remote", USER), 20)
        assert job.status is JobStatus.SUCCEEDED
        first, second = service.poll_times[:2]
        assert second - first >= 0.6
        assert service.submissions == 1


def test_cancel_stops_the_provider_and_refunds(new_engine: EngineFactory) -> None:
    service = FakeService(hold=True)
    with FakeServer(service) as server:
        engine = new_engine(FakeRemote(server.url)).start()
        job_id = engine.submit(ImageRequest(prompt="c"), "fake.remote", USER)
        deadline = time.monotonic() + 20
        while engine.get(job_id).external_id is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        job = engine.cancel(job_id)
        assert job.status is JobStatus.CANCELED
        assert service.cancels == [job.external_id]
        assert engine.ledger.reservation(job_id).state is ReservationState.REFUNDED
        time.sleep(0.5)  # the workflow must not bring it back
        assert engine.get(job_id).status is JobStatus.CANCELED
        assert transitions(engine.store.events(job_id))[-1] is JobStatus.CANCELED


def test_retry_reuses_the_stored_parameters(new_engine: EngineFactory) -> None:
    provider = CountingLocal(errors=[ProviderFailed("flaky model")])
    engine = new_engine(provider).start()
    failed = engine.wait(engine.submit(ImageRequest(prompt="again", seed=3), "fake.local", USER))
    assert failed.status is JobStatus.FAILED
    retried = engine.wait(engine.retry(failed.id), 20)
    assert retried.status is JobStatus.SUCCEEDED
    assert retried.retried_from == failed.id and retried.params == failed.params
    assert provider.calls == 2


def test_priority_orders_a_concurrency_one_queue(new_engine: EngineFactory) -> None:
    gate = threading.Event()
    blocker = CountingLocal("fake.blocker", queue="local-gpu", gate=gate)
    provider = CountingLocal("fake.gpu", queue="local-gpu")
    engine = new_engine(blocker, provider).start()
    first = engine.submit(ImageRequest(prompt="blocker"), "fake.blocker", USER)
    while blocker.calls == 0:
        time.sleep(0.01)
    ids = [
        engine.submit(ImageRequest(prompt="low"), "fake.gpu", USER, priority=-5),
        engine.submit(ImageRequest(prompt="normal-1"), "fake.gpu", USER),
        engine.submit(ImageRequest(prompt="high"), "fake.gpu", USER, priority=10),
        engine.submit(ImageRequest(prompt="normal-2"), "fake.gpu", USER),
    ]
    gate.set()
    for job_id in [first, *ids]:
        assert engine.wait(job_id, 20).status is JobStatus.SUCCEEDED
    assert provider.order == ["high", "normal-1", "normal-2", "low"]


def test_vram_is_cleared_only_when_the_model_type_changes(new_engine: EngineFactory) -> None:
    image = CountingLocal("gpu.image", queue="local-gpu", model_type="image")
    video = CountingLocal("gpu.video", kind=Kind.IMAGE, queue="local-gpu", model_type="video")
    engine = new_engine(image, video).start()
    for n, pid in enumerate(["gpu.image", "gpu.image", "gpu.video", "gpu.image"]):
        job_id = engine.submit(ImageRequest(prompt=f"shot {n}"), pid, USER)
        assert engine.wait(job_id, 20).status is JobStatus.SUCCEEDED
    assert engine.vram.clears == 2
    assert (image.vram_clears, video.vram_clears) == (2, 2)


def test_insufficient_credits_fail_the_job(new_engine: EngineFactory) -> None:
    engine = new_engine(CountingLocal(), daily_frames=0).start()
    job = engine.wait(engine.submit(ImageRequest(prompt="x"), "fake.local", USER), 20)
    assert job.status is JobStatus.FAILED and job.error_type == "InsufficientCredits"


def test_a_local_job_is_one_durable_step_and_a_retry_one_more(new_engine: EngineFactory) -> None:
    provider = CountingLocal(errors=[TransientError("busy")])
    engine = new_engine(provider).start()
    job = engine.wait(engine.submit(ImageRequest(prompt="steps"), "fake.local", USER), 20)
    assert job.status is JobStatus.SUCCEEDED and provider.calls == 2
    assert DBOS.retrieve_workflow(job.id).get_result() == job.result_asset  # steps all recorded
    names = [s["function_name"] for s in DBOS.list_workflow_steps(job.id)]
    assert names == ["shotline.begin", "DBOS.sleep", "shotline.run_local"]
    assert transitions(engine.store.events(job.id)) == [
        JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED,
    ]  # fmt: skip


def test_a_free_job_never_touches_the_ledger(new_engine: EngineFactory) -> None:
    engine = new_engine(CountingLocal(price=Decimal(0))).start()
    job = engine.wait(engine.submit(ImageRequest(prompt="free"), "fake.local", USER), 20)
    assert job.status is JobStatus.SUCCEEDED and job.frames == 0
    with pytest.raises(UnknownReservation):
        engine.ledger.reservation(job.id)


def test_the_sqlite_system_database_is_in_wal_mode(tmp_path: Path) -> None:
    config = jobs_config(f"sqlite:///{tmp_path / 'jobs.db'}", tmp_path / "data")
    engine = build_engine(config, ProviderRegistry([CountingLocal()])).start()
    try:
        path = system_database_url(config.database).removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        job = engine.wait(engine.submit(ImageRequest(prompt="wal"), "fake.local", USER), 20)
        assert job.status is JobStatus.SUCCEEDED
    finally:
        engine.close()
        engine.engine.dispose()
