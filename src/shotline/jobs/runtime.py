"""DBOS in this process: where its system tables live, who this executor is, how jobs get onto
queues from a worker (DBOS launched here) or from a process that only submits (a ``DBOSClient``).

System database. SQLite: a sibling file ``<name>-dbos.db`` beside our database, so DBOS's queue
polling (every 50 ms) takes a different write lock than our job rows; in WAL mode (``use_wal``).
PostgreSQL: the same database, DBOS's tables in its own ``dbos`` schema, so one URL configures
everything.

Executors. Every process gets a unique executor id (host:pid:random). DBOS only recovers the
pending workflows of its own executor id at launch, so workflows left by a dead process are
handed back to the queues by ``heartbeat.py``.

Queues are registered through a client before ``DBOS.launch()``: a queue registered after launch
is only noticed by DBOS's queue thread a second later.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterable
from typing import Protocol

from dbos import DBOS, DBOSClient, DBOSConfig, EnqueueOptions
from sqlalchemy.engine import make_url

from shotline import __version__
from shotline.db import sqlalchemy_url
from shotline.jobs.config import JobsConfig
from shotline.jobs.queues import QueueSpec, dbos_priority, queue_specs

log = logging.getLogger(__name__)

APP_NAME = "shotline"
# Workflows are matched to code by this version, fixed rather than DBOS's hash of the registered
# functions so every process (worker, web server, test, bench) agrees. Bump the suffix whenever
# the generation workflow's sequence of steps changes: old pending workflows must not replay
# against new code.
WORKFLOW_VERSION = f"{__version__}-jobs.2"  # .2: fewer steps (begin does a whole local job)
GENERATE_WORKFLOW = "shotline.generate"

# DBOS states in which a workflow will still run (or is running).
LIVE_STATES = frozenset({"PENDING", "ENQUEUED", "DELAYED"})


def system_database_url(database: str) -> str:
    url = sqlalchemy_url(database)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        stem, dot, ext = path.rpartition(".")
        sibling = f"{stem}-dbos.{ext}" if dot and "/" not in ext else f"{path}-dbos"
        return f"sqlite:///{sibling}"
    return url


def use_wal(path: str) -> None:
    """Put a SQLite system database in WAL mode (persistent: once per file).

    DBOS leaves its SQLite file in the default rollback-journal mode, where every commit takes
    an exclusive lock that also blocks readers, for several fsyncs; with a dozen threads polling
    queues and checkpointing steps, workers spent most of their time waiting on that lock (a
    no-op job took ~30 ms of lock waits; 16 jobs/s in one process, 41 with WAL). WAL keeps
    ``synchronous=FULL`` (the sqlite3 default, which DBOS does not change): each commit is still
    fsynced before it returns, so a step recorded as done survives a power loss as well as a
    ``kill -9``. Readers no longer wait for writers, and a commit is one fsync of the log.
    """
    if not path or path == ":memory:":
        return
    conn = sqlite3.connect(path, timeout=30)
    try:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    except sqlite3.OperationalError as exc:  # another process holds it: try again next start
        log.warning("could not switch %s to WAL: %s", path, exc)
        return
    finally:
        conn.close()
    if str(mode).lower() != "wal":
        log.warning("%s stays in %s journal mode", path, mode)


def new_executor_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def prepare_system_database(config: JobsConfig, extra: tuple[QueueSpec, ...] = ()) -> None:
    """Create or migrate DBOS's tables and register our queues (idempotent)."""
    url = system_database_url(config.database)
    DBOS.migrate(url)
    if url.startswith("sqlite:///"):
        use_wal(make_url(url).database or "")
    client = DBOSClient(system_database_url=url, application_name=APP_NAME)
    try:
        for spec in [*queue_specs(config), *extra]:
            client.register_queue(
                spec.name,
                global_concurrency=spec.global_concurrency,
                worker_concurrency=spec.worker_concurrency,
                limiter=spec.limiter,
                polling_interval_sec=spec.polling_interval(config),
            )
    finally:
        client.destroy()


def launch(
    config: JobsConfig,
    executor_id: str,
    extra: tuple[QueueSpec, ...] = (),
    listen: Iterable[str] = (),
) -> None:
    """Launch DBOS here: this process becomes a worker for the queues in ``listen`` only (those
    its providers can serve: a worker without a fal key must never take a fal job)."""
    prepare_system_database(config, extra)
    dbos_config: DBOSConfig = {
        "name": APP_NAME,
        "system_database_url": system_database_url(config.database),
        "executor_id": executor_id,
        "application_version": WORKFLOW_VERSION,
        "notification_listener_polling_interval_sec": config.queue_poll_seconds,
        "log_level": os.environ.get("SHOTLINE_DBOS_LOG", "WARNING"),
        # No "SELECT 1" before every checkout (a round trip per step and per poll): DBOS retries
        # an operation that fails on a dead connection until the database answers again.
        "db_engine_kwargs": {"pool_pre_ping": False},
    }
    DBOS(config=dbos_config)
    DBOS.listen_queues(sorted(set(listen)))
    DBOS.launch()


def recover_workflows_of(executor_ids: list[str]) -> None:
    """Hand the pending workflows of dead executors back to their queues, for any live worker
    that serves the queue to take (each is re-enqueued once, however many workers do this).

    DBOS 3.4 has no public call for this (it recovers only its own executor's workflows at
    launch); ``DBOS._recover_pending_workflows`` is the one private call we make, kept here
    alone. Its canaries: ``tests/jobs/test_crash.py`` and ``tests/test_deployment.py`` kill -9
    a worker mid-job and need its job finished by another.
    """
    DBOS._recover_pending_workflows(executor_ids)


def shutdown() -> None:
    """Stop DBOS in this process (workflows in flight stay pending for recovery).

    A workflow still running in one of DBOS's threads (a job another process canceled, one this
    process adopted from a dead peer) fails at its next checkpoint once DBOS is gone, and DBOS
    logs each such failure with two tracebacks. They say nothing a person can act on: the
    workflow stays pending and the next engine recovers it. So DBOS's log is quiet from here
    until the next launch configures it again.
    """
    logging.getLogger("dbos").setLevel(logging.CRITICAL + 1)
    DBOS.destroy(workflow_completion_timeout_sec=0)


def enqueue_options(queue: str, job_id: str, priority: int) -> EnqueueOptions:
    return {
        "workflow_name": GENERATE_WORKFLOW,
        "queue_name": queue,
        "workflow_id": job_id,
        "priority": dbos_priority(priority),
        "app_version": WORKFLOW_VERSION,
    }


class Dispatch(Protocol):
    """How the engine talks to DBOS: in this process, or as a client of the workers'."""

    def enqueue(self, queue: str, job_id: str, priority: int) -> None: ...

    def cancel(self, workflow_id: str) -> None: ...

    def state(self, workflow_id: str) -> str | None: ...

    def close(self) -> None: ...


class InProcess:
    """DBOS is launched in this process (a worker, or the embedded CLI)."""

    def enqueue(self, queue: str, job_id: str, priority: int) -> None:
        DBOS.enqueue_workflow_with_options(enqueue_options(queue, job_id, priority), job_id)

    def cancel(self, workflow_id: str) -> None:
        DBOS.cancel_workflow(workflow_id)

    def state(self, workflow_id: str) -> str | None:
        status = DBOS.get_workflow_status(workflow_id)
        return None if status is None else str(status.status)

    def close(self) -> None:
        shutdown()


class Client:
    """Submits to workers in other processes through the shared system database."""

    def __init__(self, config: JobsConfig) -> None:
        prepare_system_database(config)
        self.client = DBOSClient(
            system_database_url=system_database_url(config.database), application_name=APP_NAME
        )

    def enqueue(self, queue: str, job_id: str, priority: int) -> None:
        self.client.enqueue(enqueue_options(queue, job_id, priority), job_id)

    def cancel(self, workflow_id: str) -> None:
        self.client.cancel_workflow(workflow_id)

    def state(self, workflow_id: str) -> str | None:
        found = self.client.list_workflows(workflow_ids=[workflow_id], load_input=False,
                                           load_output=False)  # fmt: skip
        return str(found[0].status) if found else None

    def close(self) -> None:
        self.client.destroy()
