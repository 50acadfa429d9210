"""No job is left running and no wait is endless: a worker takes only the queues it can serve,
an exception anywhere in a job's workflow ends the job failed with its credits refunded, and
every wait has a deadline and says what it waits for."""

from __future__ import annotations

import time

import pytest

from shotline.jobs.status import JobStatus, JobWaitExpired
from shotline.providers.contracts import ImageRequest
from tests.jobs.conftest import EngineFactory
from tests.jobs.fakes import CountingLocal, FakeRemote, FakeServer, FakeService

USER = "ana"


def test_an_exception_outside_the_provider_fails_the_job_and_refunds(
    new_engine: EngineFactory,
) -> None:
    # The submitting process knows "fake.other"; the worker serves the same queue without it
    # (say, a worker whose configuration lost a key), so the job's first step raises.
    worker = new_engine(CountingLocal("fake.local")).start()
    client = new_engine(CountingLocal("fake.local"), CountingLocal("fake.other")).connect()
    job = client.wait(client.submit(ImageRequest(prompt="x"), "fake.other", USER), 30)
    assert job.status is JobStatus.FAILED and job.error_type == "NotConfigured"
    assert "fake.other" in (job.error_message or "")
    assert client.ledger.balance(USER).remaining == 250  # its reserved credit came back
    assert worker.list(status=JobStatus.RUNNING) == []


def test_a_worker_takes_only_the_queues_its_providers_serve(new_engine: EngineFactory) -> None:
    gpu = CountingLocal("fake.gpu", queue="local-gpu")
    worker = new_engine(CountingLocal("fake.local")).start()  # serves "cpu" only
    assert worker.queues == ["cpu"]
    client = new_engine(CountingLocal("fake.local"), gpu, stale_after_seconds=1.0).connect()
    waiting = client.submit(ImageRequest(prompt="on the gpu"), "fake.gpu", USER)
    done = client.wait(client.submit(ImageRequest(prompt="on a cpu"), "fake.local", USER), 30)
    assert done.status is JobStatus.SUCCEEDED

    # Nobody serves local-gpu: the wait ends on its own, saying so, and the job stays queued
    # for a worker that may come later (not taken and failed by one that cannot run it).
    with pytest.raises(JobWaitExpired, match="queued on local-gpu, which no live worker serves"):
        client.wait(waiting, timeout=60)
    assert client.get(waiting).status is JobStatus.QUEUED and gpu.calls == 0


def test_a_wait_past_its_deadline_says_what_the_job_waits_for(new_engine: EngineFactory) -> None:
    service = FakeService(hold=True)
    with FakeServer(service) as server:
        engine = new_engine(FakeRemote(server.url)).start()
        job_id = engine.submit(ImageRequest(prompt="slow"), "fake.remote", USER)
        deadline = time.monotonic() + 30
        while engine.get(job_id).external_id is None:  # submitted, and held by the service
            assert time.monotonic() < deadline
            time.sleep(0.02)
        with pytest.raises(JobWaitExpired, match=r"still running on fake.remote \(request "):
            engine.wait(job_id, timeout=0.5)


def test_a_remote_job_past_its_time_limit_fails_and_is_canceled(
    new_engine: EngineFactory,
) -> None:
    service = FakeService(hold=True)
    with FakeServer(service) as server:
        engine = new_engine(FakeRemote(server.url), remote_timeout_seconds=0.5).start()
        job = engine.wait(engine.submit(ImageRequest(prompt="stuck"), "fake.remote", USER), 30)
        assert job.status is JobStatus.FAILED and job.error_type == "TimedOut"
        assert "the limit is 0.5 s" in (job.error_message or "")
        deadline = time.monotonic() + 10  # the cancel follows the failed status
        while not service.cancels and time.monotonic() < deadline:
            time.sleep(0.02)
        assert service.submissions == 1 and service.cancels == [job.external_id]
        assert engine.ledger.balance(USER).remaining == 250
