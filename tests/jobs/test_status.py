"""The job state machine and its one transition function, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from shotline.db import create_tables, make_engine
from shotline.jobs.records import JobStore
from shotline.jobs.status import (
    FINISHED,
    AmbiguousJob,
    IllegalTransition,
    JobEvent,
    JobNotFound,
    JobStatus,
)


@pytest.fixture
def store(database_url: str) -> Iterator[JobStore]:
    engine: Engine = make_engine(database_url)
    create_tables(engine)
    yield JobStore(engine)
    engine.dispose()


def new_job(store: JobStore) -> str:
    return store.create(kind="image", provider="p", model="m", user="u", prompt="x",
                        params={"kind": "image"}, cache_key="k", queue="cpu").id  # fmt: skip


@pytest.mark.parametrize("final", sorted(FINISHED))
def test_a_finished_job_never_moves_again(store: JobStore, final: JobStatus) -> None:
    job_id = new_job(store)
    store.transition(job_id, JobStatus.RUNNING)
    store.transition(job_id, final)
    for target in JobStatus:
        with pytest.raises(IllegalTransition):
            store.transition(job_id, target)
    assert store.get(job_id).status is final


def test_running_cannot_go_back_to_queued(store: JobStore) -> None:
    job_id = new_job(store)
    store.transition(job_id, JobStatus.RUNNING)
    with pytest.raises(IllegalTransition):
        store.transition(job_id, JobStatus.QUEUED)


def test_every_move_is_written_and_emitted_in_order(store: JobStore) -> None:
    seen: list[JobEvent] = []
    unsubscribe = store.subscribe(seen.append)
    job_id = new_job(store)
    assert store.set_progress(job_id, 0.3) is None  # not running yet: ignored
    store.transition(job_id, JobStatus.RUNNING)
    store.set_progress(job_id, 0.5, "half")
    job = store.transition(job_id, JobStatus.SUCCEEDED, result_asset="a" * 64)
    unsubscribe()
    assert store.set_progress(job_id, 0.9) is None  # finished: ignored

    stored = store.events(job_id)
    assert [(e.seq, e.previous, e.status) for e in stored] == [
        (1, None, JobStatus.QUEUED),
        (2, JobStatus.QUEUED, JobStatus.RUNNING),
        (3, JobStatus.RUNNING, JobStatus.RUNNING),
        (4, JobStatus.RUNNING, JobStatus.SUCCEEDED),
    ]
    assert stored == seen
    assert stored[2].progress == 0.5 and stored[2].message == "half"
    assert job.progress == 1.0 and job.finished_at is not None and job.result_asset == "a" * 64


def test_a_unique_start_of_an_id_names_the_job(store: JobStore) -> None:
    for job_id in ("9ad11a00-0000-4000-8000-000000000001", "9ad11b00-0000-4000-8000-000000000002"):
        store.create(kind="image", provider="fake.local", model="fake-1", user="ana",
                     prompt="p", params={}, cache_key="k", queue="cpu", job_id=job_id)  # fmt: skip
    assert store.resolve("9ad11a") == "9ad11a00-0000-4000-8000-000000000001"
    assert store.resolve("9AD11B00") == "9ad11b00-0000-4000-8000-000000000002"  # as typed
    whole = "9ad11b00-0000-4000-8000-000000000002"
    assert store.resolve(whole) == whole
    with pytest.raises(AmbiguousJob, match="several jobs") as ambiguous:
        store.resolve("9ad11")
    assert ambiguous.value.matches == [
        "9ad11a00-0000-4000-8000-000000000001", "9ad11b00-0000-4000-8000-000000000002",
    ]  # fmt: skip
    for missing in ("9ad12", "%", "_", ""):  # LIKE wildcards are not wildcards here
        with pytest.raises(JobNotFound):
            store.resolve(missing)


def test_a_record_as_json_is_plain_data(store: JobStore) -> None:
    job = store.get(new_job(store))
    data = json.loads(json.dumps(job.as_json()))
    assert data["id"] == job.id and data["status"] == "queued"
    assert data["created_at"] == job.created_at.isoformat()
