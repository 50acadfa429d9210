"""Scale-out tried as it is deployed: PostgreSQL and an S3-compatible store (moto's server) on
loopback, two real ``shotline worker`` processes with their own data folders (one without the fal
key), jobs with input files submitted by ``shotline generate`` from a third folder, and one
worker killed with ``kill -9`` in the middle of a paid job.

Every job must end exactly once, on a worker that can serve it, with exactly one submission at
the (fake) provider; inputs reach the workers through the object store, never through the
submitting machine's paths. This is also the canary for the one private DBOS call we make
(``runtime.recover_workflows_of``): without it the killed worker's job would never finish.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from shotline.db import make_engine
from shotline.jobs.heartbeat import worker_queues_table
from shotline.jobs.records import job_events_table, jobs_table
from tests.assets.helpers import AWS, s3_server
from tests.dbs import fresh_postgres_url
from tests.providers.http.fakes import FalFake, FileHost

ROOT = Path(__file__).resolve().parents[1]
DEADLINE_S = 600.0  # the whole deployment (about 4 min on a loaded 2-core machine); no hang


class Clock:
    def __init__(self) -> None:
        self.end = time.monotonic() + DEADLINE_S

    def left(self, what: str) -> float:
        left = self.end - time.monotonic()
        assert left > 0, f"the deployment took longer than {DEADLINE_S:.0f} s ({what})"
        return left

    def until(self, condition: object, what: str) -> None:
        while not (callable(condition) and condition()):
            self.left(what)
            time.sleep(0.1)


@pytest.fixture
def s3() -> Iterator[str]:
    with s3_server() as url:
        yield url


def environment(data: Path, database: str, s3: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOTLINE_", "FAL_", "AWS_"))}
    env.update(AWS)
    env.update(
        SHOTLINE_DATA=str(data), SHOTLINE_DATABASE_URL=database, SHOTLINE_S3_URL=s3,
        SHOTLINE_S3_BUCKET="shotline-deploy", SHOTLINE_USER="ana", SHOTLINE_WORKER_STALE="3",
        SHOTLINE_QUEUE_POLL="0.05", COLUMNS="200", **extra,
    )  # fmt: skip
    return env


class Worker:
    """``shotline worker`` in its own folder, as an operator starts it."""

    def __init__(self, folder: Path, env: dict[str, str], clock: Clock) -> None:
        folder.mkdir(exist_ok=True)
        self.log = folder / f"worker-{time.monotonic_ns()}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shotline", "worker"], cwd=folder, env=env,
            stdout=subprocess.DEVNULL, stderr=self.log.open("w"),
        )  # fmt: skip
        clock.until(lambda: "serves" in self.log.read_text() or self.proc.poll() is not None,
                    "a worker starting")  # fmt: skip
        text = self.log.read_text()
        assert self.proc.poll() is None, f"the worker died: {text[-3000:]}"
        line = next(line for line in text.splitlines() if " serves " in line)
        self.executor_id = line.split()[1]  # "worker <executor id> serves <queues>"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def frame(path: Path, value: int) -> Path:
    Image.fromarray(np.full((72, 128, 3), value, np.uint8)).save(path)
    return path


def held(db: sa.Engine) -> int:
    """Jobs whose provider request id is saved."""
    with db.connect() as conn:
        query = sa.select(sa.func.count()).where(jobs_table.c.external_id.is_not(None))
        return int(conn.execute(query.select_from(jobs_table)).scalar_one())


def test_two_workers_a_kill_9_and_every_job_ends_once_where_it_can(tmp_path: Path, s3: str) -> None:
    clock = Clock()
    with fresh_postgres_url() as database, FileHost() as files, FalFake(files) as fal:
        fal.progression = ["IN_QUEUE", "IN_PROGRESS"]  # held until the test lets it finish
        fal_env = {"FAL_KEY": "fal-test-key", "SHOTLINE_FAL_URL": fal.url}
        workers: list[Worker] = []
        submitters: list[subprocess.Popen[str]] = []
        try:
            keyed = Worker(tmp_path / "a", environment(tmp_path / "a", database, s3, **fal_env),
                           clock)  # fmt: skip
            workers.append(keyed)
            plain = Worker(tmp_path / "b", environment(tmp_path / "b", database, s3), clock)
            workers.append(plain)

            # A third machine submits: its own folder, its input files, the fal key to price.
            desk = tmp_path / "c"
            desk.mkdir()
            desk_env = environment(desk, database, s3, **fal_env)
            inputs: dict[str, bytes] = {}
            commands = []
            for n in range(2):  # paid, remote: only the keyed worker can run these
                first = frame(desk / f"fal-{n}.png", 40 + 100 * n)
                inputs[first.name] = first.read_bytes()
                commands.append(["generate", "video", "--provider", "fal", "--model", "ltx-2",
                                 "--prompt", f"jeep {n}", "--first", first.name,
                                 "--frames", "41", "--size", "512x288"])  # fmt: skip
            for n in range(3):  # free, local: any worker may run these
                first = frame(desk / f"cpu-{n}-a.png", 10 * n)
                last = frame(desk / f"cpu-{n}-b.png", 200 - 10 * n)
                commands.append(["generate", "video", "--prompt", f"fade {n}", "--first",
                                 first.name, "--last", last.name, "--frames", "9",
                                 "--size", "128x72"])  # fmt: skip
            for args in commands:
                submitters.append(subprocess.Popen(
                    [sys.executable, "-m", "shotline", *args], cwd=desk, env=desk_env,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                ))  # fmt: skip
            db = make_engine(database)
            clock.until(lambda: count(db, jobs_table) == 5, "the submissions")
            # Both fal jobs are at the provider, held; the inputs live only in the store now.
            clock.until(lambda: len(fal.requests("POST")) == 2, "the fal submissions")
            # ... and their request ids saved: from then on a crash polls, never resubmits. (A
            # kill between fal's answer and that write would submit again: fal takes no
            # idempotency key, so that window of milliseconds is the one place it can happen.)
            clock.until(lambda: held(db) == 2, "the fal request ids saved")
            for path in desk.glob("*.png"):
                path.unlink()

            keyed.proc.kill()  # kill -9, mid-job: no shutdown of any kind
            keyed.proc.wait()
            fal.progression = ["COMPLETED"]
            restarted = Worker(tmp_path / "a", environment(tmp_path / "a", database, s3,
                                                           **fal_env), clock)  # fmt: skip
            workers.append(restarted)

            for proc in submitters:
                out, err = proc.communicate(timeout=clock.left("the submitters"))
                assert proc.returncode == 0, out + err
        finally:
            for proc in submitters:
                if proc.poll() is None:
                    proc.kill()
            for worker in workers:
                worker.stop()

        with db.connect() as conn:
            jobs = conn.execute(sa.select(jobs_table)).all()
            finished = conn.execute(
                sa.select(job_events_table.c.job_id, sa.func.count())
                .where(job_events_table.c.status.in_(["succeeded", "failed", "canceled"]))
                .group_by(job_events_table.c.job_id)
            ).all()
            ran_on = dict(conn.execute(sa.text(
                "SELECT workflow_uuid, executor_id FROM dbos.workflow_status"
            )).all())  # fmt: skip
            fal_servers = set(conn.execute(
                sa.select(worker_queues_table.c.executor_id)
                .where(worker_queues_table.c.queue == "cloud-fal")
            ).scalars())  # fmt: skip
        db.dispose()

    assert len(jobs) == 5 and all(job.status == "succeeded" for job in jobs)
    assert sorted(n for _, n in finished) == [1] * 5  # each ended exactly once
    submissions = fal.requests("POST")
    assert len(submissions) == 2  # one per paid job, the kill -9 notwithstanding
    assert all(s.json["image_url"].startswith("data:image/png;base64,") for s in submissions)
    sent = sorted(base64.b64decode(s.json["image_url"].split(",", 1)[1]) for s in submissions)
    assert sent == sorted(v for k, v in inputs.items() if k.startswith("fal-"))
    for job in jobs:  # the rows name inputs by content hash, never by the desk's paths
        assert str(job.params["first_frame"]).startswith("sha256:")
        if job.provider.startswith("fal."):
            assert ran_on[job.id] == restarted.executor_id  # finished by the restarted worker
        else:
            assert ran_on[job.id] in {keyed.executor_id, plain.executor_id,
                                      restarted.executor_id}  # fmt: skip
    assert plain.executor_id not in fal_servers and keyed.executor_id != plain.executor_id


def count(db: sa.Engine, table: sa.Table) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
