"""kill -9 a worker mid-job: the next worker finishes it without paying twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from shotline.assets.catalog import assets_table
from shotline.costs.credits import ReservationState, credit_reservations
from shotline.jobs.records import JobStore
from shotline.jobs.status import JobStatus
from shotline.providers.contracts import ImageRequest
from tests.jobs.conftest import EngineFactory
from tests.jobs.fakes import CountingLocal, FakeRemote, FakeServer, FakeService

ROOT = Path(__file__).resolve().parents[2]
USER = "ana"


def start_worker(
    database_url: str, data_dir: Path, server_url: str, log: Path
) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.worker_proc", database_url, str(data_dir), server_url],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log.open("a"), text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until "ready" (or the process died)
    assert line.startswith("ready"), f"worker did not start: {log.read_text()[-3000:]}"
    return proc


def wait_for(condition: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_kill_9_after_submission_resumes_without_resubmitting(
    new_engine: EngineFactory, database_url: str, tmp_path: Path
) -> None:
    service = FakeService(hold=True)
    with FakeServer(service) as server:
        parent = new_engine(FakeRemote(server.url)).connect()  # submits only; workers run it
        data_dir = parent.config.data_dir
        log = tmp_path / "workers.log"

        first = start_worker(database_url, data_dir, server.url, log)
        try:
            job_id = parent.submit(ImageRequest(prompt="crash me"), "fake.remote", USER)
            wait_for(lambda: parent.get(job_id).external_id is not None and service.poll_times)
        finally:
            first.kill()  # SIGKILL: no cleanup at all
            first.wait()
        external_id = parent.get(job_id).external_id
        assert external_id is not None and parent.get(job_id).status is JobStatus.RUNNING
        service.complete(external_id)

        second = start_worker(database_url, data_dir, server.url, log)
        try:
            job = parent.wait(job_id, timeout=30)
        finally:
            second.kill()
            second.wait()

    assert job.status is JobStatus.SUCCEEDED, (job.error_type, job.error_message)
    assert service.submissions == 1
    with parent.engine.connect() as conn:
        assets = conn.execute(sa.select(assets_table).where(assets_table.c.job_id == job_id)).all()
        reservations = conn.execute(
            sa.select(credit_reservations).where(credit_reservations.c.job_id == job_id)
        ).all()
    assert len(assets) == 1 and assets[0].sha256 == job.result_asset
    assert len(reservations) == 1 and reservations[0].state == ReservationState.SETTLED.value
    assert parent.ledger.balance(USER).remaining == 249
    succeeded = [e for e in parent.store.events(job_id) if e.status is JobStatus.SUCCEEDED]
    assert len(succeeded) == 1
    assert parent.list(status=JobStatus.RUNNING) == []


def test_restart_ends_jobs_left_running_without_a_workflow(new_engine: EngineFactory) -> None:
    engine = new_engine(CountingLocal())
    store: JobStore = engine.store
    # What a crashed process without durable workflows would leave: a "generating" row.
    stale = store.create(
        kind="image", provider="fake.local", model="fake-1", user=USER, prompt="stale",
        params={}, cache_key="k", queue="cpu", frames=1,
    )  # fmt: skip
    store.transition(stale.id, JobStatus.RUNNING)
    engine.ledger.reserve(USER, 1, stale.id)
    assert engine.ledger.balance(USER).remaining == 249

    engine.start()  # the restart

    job = engine.get(stale.id)
    assert job.status is JobStatus.FAILED and job.error_type == "Interrupted"
    assert engine.ledger.balance(USER).remaining == 250
    assert engine.list(status=JobStatus.RUNNING) == []
