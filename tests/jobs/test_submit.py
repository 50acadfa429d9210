"""Never resubmit blindly: a remote submit is sent again only when it certainly created nothing."""

from __future__ import annotations

from shotline.costs.credits import ReservationState
from shotline.jobs.status import JobStatus
from shotline.jobs.workflow import SUBMIT_UNCERTAIN
from shotline.providers.contracts import ImageRequest
from shotline.providers.errors import NotDelivered, TransientError
from tests.jobs.conftest import EngineFactory
from tests.jobs.fakes import FakeRemote, FakeServer, FakeService

USER = "ana"


def test_an_ambiguous_submit_failure_is_not_sent_again(new_engine: EngineFactory) -> None:
    with FakeServer() as server:
        remote = FakeRemote(server.url, submit_errors=[TransientError("read timed out")])
        engine = new_engine(remote).start()
        job = engine.wait(engine.submit(ImageRequest(prompt="once"), "fake.remote", USER), 20)

    assert remote.submit_calls == 1
    assert job.status is JobStatus.FAILED and job.error_type == SUBMIT_UNCERTAIN
    assert "may have received" in (job.error_message or "")
    assert "read timed out" in (job.error_message or "")
    assert job.external_id is None
    # Refunded: the user does not pay for a result they will not get.
    assert engine.ledger.reservation(job.id).state is ReservationState.REFUNDED
    assert engine.ledger.balance(USER).remaining == 250


def test_a_lost_reply_means_one_submission_and_a_failed_job(new_engine: EngineFactory) -> None:
    service = FakeService(lose_submit_replies=1)  # the provider creates the job, the reply is lost
    with FakeServer(service) as server:
        engine = new_engine(FakeRemote(server.url)).start()
        job = engine.wait(engine.submit(ImageRequest(prompt="lost"), "fake.remote", USER), 20)

    assert job.status is JobStatus.FAILED and job.error_type == SUBMIT_UNCERTAIN
    assert service.submissions == 1 and len(service.submit_times) == 1


def test_a_request_never_delivered_is_sent_again(new_engine: EngineFactory) -> None:
    with FakeServer() as server:
        remote = FakeRemote(server.url, submit_errors=[NotDelivered("connection refused")])
        engine = new_engine(remote).start()
        job = engine.wait(engine.submit(ImageRequest(prompt="again"), "fake.remote", USER), 20)
        assert job.status is JobStatus.SUCCEEDED, (job.error_type, job.error_message)
        assert remote.submit_calls == 2
        assert server.service.submissions == 1
        assert job.external_id in server.service.jobs
        assert engine.ledger.reservation(job.id).state is ReservationState.SETTLED


def test_a_rate_limited_submit_waits_for_retry_after(new_engine: EngineFactory) -> None:
    service = FakeService(rate_limit_submits=1, retry_after=0.6)
    with FakeServer(service) as server:
        remote = FakeRemote(server.url)
        engine = new_engine(remote).start()
        job = engine.wait(engine.submit(ImageRequest(prompt="later"), "fake.remote", USER), 20)

    assert job.status is JobStatus.SUCCEEDED, (job.error_type, job.error_message)
    assert remote.submit_calls == 2 and service.submissions == 1
    first, second = service.submit_times
    assert second - first >= 0.6
