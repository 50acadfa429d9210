"""The durable generation workflow: one DBOS workflow per job, its input only the job id (the job
row holds everything else, written before the workflow was enqueued).

Every side effect is a DBOS step, so after a crash finished steps replay their recorded result
instead of running again. Steps return plain data (a ``Failure`` rather than raising), so what is
replayed is exactly what happened and no provider exception has to survive pickling.

Never pay twice: the remote ``submit`` step saves the provider's request id in the job row
before it returns; re-run after a crash, it finds the id there and does not submit again. The
only window left is between the provider accepting and that save (milliseconds).

Waits are durable (``DBOS.sleep``), so a worker is never blocked retrying and a restart resumes
the wait instead of starting it over.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from dbos import DBOS

from shotline.assets.blobs import sha256_file
from shotline.assets.catalog import AssetCatalog, AssetKind
from shotline.assets.errors import AssetNotFound
from shotline.costs.credits import CreditLedger
from shotline.costs.errors import CreditError, ReservationClosed, UnknownReservation
from shotline.jobs.config import JobsConfig
from shotline.jobs.context import JobContext
from shotline.jobs.queues import LOCAL_GPU
from shotline.jobs.records import JobRecord, JobStore
from shotline.jobs.runtime import GENERATE_WORKFLOW
from shotline.jobs.status import IllegalTransition, JobStatus
from shotline.jobs.vram import VramTracker
from shotline.providers.contracts import (
    Kind,
    LocalProvider,
    Output,
    PollState,
    Provider,
    RemoteProvider,
    input_files,
    request_from_params,
)
from shotline.providers.errors import ProviderError, RateLimited
from shotline.providers.registry import ProviderRegistry

log = logging.getLogger(__name__)

T = TypeVar("T")


# -- services ----------------------------------------------------------------------------------


@dataclass
class Services:
    """What the steps use. DBOS is one per process, so these are too (installed at launch)."""

    config: JobsConfig
    store: JobStore
    registry: ProviderRegistry
    catalog: AssetCatalog
    ledger: CreditLedger
    vram: VramTracker = field(default_factory=VramTracker)


_services: Services | None = None


def install(services: Services | None) -> None:
    global _services
    _services = services


def current() -> Services:
    if _services is None:
        raise RuntimeError("no job engine started in this process")
    return _services


# -- plain data recorded by steps ----------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    error_type: str
    message: str
    retryable: bool = False
    retry_after: float | None = None  # set for rate limits

    @classmethod
    def of(cls, exc: BaseException) -> Failure:
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        retryable = isinstance(exc, ProviderError) and exc.retryable
        return cls(type(exc).__name__, str(exc), retryable, retry_after)


@dataclass(frozen=True)
class Produced:
    """A provider's ``Output`` as plain data."""

    mime: str
    path: str | None = None
    data: Mapping[str, Any] | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: str | None = None
    actual_cost: str | None = None

    @classmethod
    def of(cls, output: Output) -> Produced:
        return cls(
            mime=output.mime,
            path=None if output.path is None else str(output.path),
            data=None if output.data is None else dict(output.data),
            duration=output.duration,
            width=output.width,
            height=output.height,
            fps=None if output.fps is None else str(output.fps),
            actual_cost=None if output.actual_cost is None else str(output.actual_cost),
        )


@dataclass(frozen=True)
class Polled:
    state: str
    progress: float | None = None
    error: str | None = None


ASSET_KINDS: dict[str, AssetKind] = {
    Kind.VIDEO.value: AssetKind.VIDEO,
    Kind.IMAGE.value: AssetKind.IMAGE,
    Kind.SPEECH.value: AssetKind.AUDIO,
    Kind.LIPSYNC.value: AssetKind.VIDEO,
    Kind.SPATIAL.value: AssetKind.MODEL3D,
    Kind.WRITER.value: AssetKind.JSON,
}


def _context(services: Services, job_id: str) -> JobContext:
    workdir = services.config.work_root / job_id
    return JobContext(services.store, job_id, workdir, interval=services.config.progress_interval)


def _job(job_id: str) -> tuple[Services, JobRecord, Provider]:
    services = current()
    job = services.store.get(job_id)
    return services, job, services.registry.get(job.provider)


def _remote(provider: Provider) -> bool:
    # Both protocols are runtime-checkable; a provider with submit/poll/fetch is remote.
    return isinstance(provider, RemoteProvider) and not isinstance(provider, LocalProvider)


# -- steps --------------------------------------------------------------------------------------


@DBOS.step(name="shotline.start")
def start_step(job_id: str) -> str | None:
    """Mark the job running; returns "remote" or "local", or None when there is nothing to do."""
    services, job, provider = _job(job_id)
    if job.finished:
        return None  # canceled (or reconciled) before a worker got to it
    if job.status is JobStatus.QUEUED:
        try:
            services.store.transition(job_id, JobStatus.RUNNING, message="started")
        except IllegalTransition:
            return None
    return "remote" if _remote(provider) else "local"


@DBOS.step(name="shotline.reserve")
def reserve_step(job_id: str) -> Failure | None:
    services, job, _ = _job(job_id)
    if job.frames <= 0:
        return None
    try:
        services.ledger.reserve(job.user, job.frames, job_id)  # idempotent per job id
    except CreditError as exc:
        return Failure.of(exc)
    return None


@DBOS.step(name="shotline.generate")
def generate_step(job_id: str) -> Produced | Failure:
    """A local provider in one step: re-running it after a crash is harmless (offline, free)."""
    services, job, provider = _job(job_id)
    assert isinstance(provider, LocalProvider)
    if provider.info.queue == LOCAL_GPU:
        services.vram.before(provider.info.model_type, provider)
    try:
        output = provider.generate(request_from_params(job.params), _context(services, job_id))
    except Exception as exc:
        return Failure.of(exc)
    return Produced.of(output)


@DBOS.step(name="shotline.submit")
def submit_step(job_id: str) -> str | Failure:
    services, job, provider = _job(job_id)
    if job.external_id is not None:
        return job.external_id  # submitted before a crash: poll it, never submit again
    assert isinstance(provider, RemoteProvider)
    try:
        external_id = provider.submit(request_from_params(job.params), _context(services, job_id))
    except Exception as exc:
        return Failure.of(exc)
    services.store.set_external_id(job_id, external_id)
    return external_id


@DBOS.step(name="shotline.poll")
def poll_step(job_id: str, external_id: str) -> Polled | Failure:
    services, _, provider = _job(job_id)
    assert isinstance(provider, RemoteProvider)
    try:
        poll = provider.poll(external_id)
    except Exception as exc:
        return Failure.of(exc)
    if poll.progress is not None:
        services.store.set_progress(job_id, poll.progress, poll.state.value)
    return Polled(poll.state.value, poll.progress, poll.error)


@DBOS.step(name="shotline.fetch")
def fetch_step(job_id: str, external_id: str) -> Produced | Failure:
    services, job, provider = _job(job_id)
    assert isinstance(provider, RemoteProvider)
    ctx = _context(services, job_id)  # downloads land in data_dir/work/<job_id>
    try:
        output = provider.fetch(external_id, request_from_params(job.params), ctx)
    except Exception as exc:
        return Failure.of(exc)
    return Produced.of(output)


def _parents(services: Services, job: JobRecord) -> list[str]:
    """The cataloged assets among the request's input files."""
    found = []
    for path in input_files(request_from_params(job.params)):
        if not path.is_file():
            continue
        sha = sha256_file(path)
        try:
            services.catalog.get(sha)
        except AssetNotFound:
            continue
        found.append(sha)
    return found


@DBOS.step(name="shotline.record")
def record_step(job_id: str, produced: Produced) -> str | Failure:
    """Catalog the output (content-addressed: recording the same bytes twice is one asset)."""
    services, job, _ = _job(job_id)
    cost = Decimal(produced.actual_cost) if produced.actual_cost else job.estimated_cost
    meta: dict[str, Any] = {
        "owner": job.user,
        "prompt": job.prompt,
        "provider": job.provider,
        "model": job.model,
        "cost": cost,
        "job_id": job_id,
        "parents": _parents(services, job),
    }
    try:
        if produced.data is not None:
            asset = services.catalog.add_json(produced.data, **meta)
        elif produced.path is not None:
            asset = services.catalog.add_file(
                Path(produced.path), kind=ASSET_KINDS.get(job.kind, AssetKind.OTHER),
                mime=produced.mime, duration=produced.duration, width=produced.width,
                height=produced.height, fps=produced.fps, **meta,
            )  # fmt: skip
        else:
            return Failure("EmptyOutput", "the provider returned neither a file nor data")
    except Exception as exc:
        return Failure.of(exc)
    return asset.sha256


@DBOS.step(name="shotline.finish")
def finish_step(job_id: str, sha: str, actual_cost: str | None) -> None:
    """Settle, then succeed: whoever sees "succeeded" also sees the credits spent. A cancel that
    lands in between finds the output made and paid for, and leaves it so."""
    services, job, _ = _job(job_id)
    if job.status is not JobStatus.SUCCEEDED and job.finished:
        return  # canceled while the output was being recorded: the canceller refunded
    if job.frames > 0:
        try:
            services.ledger.settle(job_id)  # settling twice (a replay) does nothing
        except ReservationClosed:
            return  # refunded by a cancel that won the race
        except UnknownReservation:
            log.warning("job %s succeeded without a credit reservation", job_id)
    if job.status is JobStatus.SUCCEEDED:
        return
    cost = Decimal(actual_cost) if actual_cost else job.estimated_cost
    with contextlib.suppress(IllegalTransition):
        services.store.transition(
            job_id, JobStatus.SUCCEEDED, result_asset=sha, actual_cost=cost, message="done"
        )


@DBOS.step(name="shotline.fail")
def fail_step(job_id: str, failure: Failure) -> None:
    services, job, provider = _job(job_id)
    refund(services.ledger, job)  # first, so whoever sees "failed" sees the credits back
    if not job.finished:
        with contextlib.suppress(IllegalTransition):  # canceled meanwhile
            services.store.transition(
                job_id, JobStatus.FAILED, error_type=failure.error_type,
                error_message=failure.message, message=f"failed: {failure.error_type}",
            )  # fmt: skip
    # A job failing on our side (a fetch, the catalog) may still run, and bill, at the provider.
    if job.external_id and _remote(provider) and failure.error_type != "ProviderFailed":
        cancel_remote(provider, job.external_id)


def refund(ledger: CreditLedger, job: JobRecord) -> None:
    if job.frames <= 0:
        return
    with contextlib.suppress(UnknownReservation):  # failed before it reserved any
        ledger.refund(job.id)  # idempotent; 0 after a settle


def cancel_remote(provider: Provider, external_id: str) -> None:
    if not isinstance(provider, RemoteProvider):
        return
    try:
        provider.cancel(external_id)
    except Exception as exc:  # best effort: the job is over for us either way
        log.warning("could not cancel %s at %s: %s", external_id, provider.info.id, exc)


# -- the workflow -------------------------------------------------------------------------------


def _with_retries(attempt: Callable[[], T | Failure]) -> T | Failure:
    """Retry a step while its failure is retryable: after ``retry_after`` for rate limits,
    with exponential backoff for transient errors; both bounded by the config."""
    config = current().config
    transient = limited = 0
    delay = config.poll_seconds
    while True:
        result = attempt()
        if not isinstance(result, Failure) or not result.retryable:
            return result
        if result.retry_after is not None:
            limited += 1
            if limited > config.rate_limit_waits:
                return result
            DBOS.sleep(max(result.retry_after, 0.0))
        else:
            transient += 1
            if transient > config.transient_retries:
                return result
            DBOS.sleep(delay)
            delay = min(delay * config.poll_backoff, config.poll_max_seconds)


def _run_remote(job_id: str) -> Produced | Failure:
    config = current().config
    submitted = _with_retries(lambda: submit_step(job_id))
    if isinstance(submitted, Failure):
        return submitted
    external_id = submitted
    delay = config.poll_seconds
    while True:
        polled = _with_retries(lambda: poll_step(job_id, external_id))
        if isinstance(polled, Failure):
            return polled
        if polled.state == PollState.DONE.value:
            break
        if polled.state == PollState.FAILED.value:
            return Failure("ProviderFailed", polled.error or "the provider reports failure")
        if polled.state == PollState.CANCELED.value:
            return Failure("Canceled", polled.error or "canceled at the provider")
        DBOS.sleep(delay)
        delay = min(delay * config.poll_backoff, config.poll_max_seconds)
    return _with_retries(lambda: fetch_step(job_id, external_id))


@DBOS.workflow(name=GENERATE_WORKFLOW)
def generate_workflow(job_id: str) -> str | None:
    """Run one job to its end; returns the result asset's sha256 (None if it did not succeed)."""
    mode = start_step(job_id)
    if mode is None:
        return None
    failure = reserve_step(job_id)
    produced: Produced | Failure
    if failure is not None:
        produced = failure
    elif mode == "remote":
        produced = _run_remote(job_id)
    else:
        produced = _with_retries(lambda: generate_step(job_id))
    if isinstance(produced, Produced):
        recorded = record_step(job_id, produced)
        if not isinstance(recorded, Failure):
            finish_step(job_id, recorded, produced.actual_cost)
            return recorded
        produced = recorded
    fail_step(job_id, produced)
    return None
