"""The durable generation workflow: one DBOS workflow per job, its input only the job id (the job
row holds everything else, written before the workflow was enqueued).

Every side effect is a DBOS step, so after a crash finished steps replay their recorded result
instead of running again. Steps return plain data (a ``Failure`` rather than raising), so what is
replayed is exactly what happened and no provider exception has to survive pickling.

Never pay twice: the remote ``submit`` step saves the provider's request id in the job row
before it returns; re-run after a crash, it finds the id there and does not submit again. The
only window left is a crash between the provider accepting and that save (the length of one
HTTP exchange). A submit that fails is sent again only when the request certainly never started
anything (``RateLimited``, ``NotDelivered``); any other failure after the request may have gone
out ends the job as ``SubmitUncertain`` rather than risking a second paid job.

Few steps: each DBOS step is a checkpoint read and write, the main cost of a short job. A local
job is one step, ``begin`` (mark running, reserve, generate, catalog, settle, succeed: all of it
idempotent, and re-running an offline, free generation after a crash is harmless), plus
``run_local`` for each retry; a remote one is ``begin`` (mark running, reserve), ``submit``
(alone, so its id is recorded before polling), the polls, ``fetch`` and ``complete``.

Waits are durable (``DBOS.sleep``), so a worker is never blocked retrying and a restart resumes
the wait instead of starting it over.
"""

from __future__ import annotations

import contextlib
import logging
import threading
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
from shotline.jobs.inputs import content_sha, localise
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
    Request,
    input_files,
    request_from_params,
)
from shotline.providers.errors import NotDelivered, ProviderError, ProviderFailed, RateLimited
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
    # Set when this process shuts down: an error then comes from the shutdown, not the job,
    # which stays pending for a live worker to recover rather than being failed.
    stopping: threading.Event = field(default_factory=threading.Event)


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
    # The request certainly never started anything at the provider (a 429, or a connection that
    # was never made), so even a paid create may be sent again.
    not_delivered: bool = False
    ran: bool = False  # the provider ran the job to its end: nothing there to cancel

    @classmethod
    def of(cls, exc: BaseException) -> Failure:
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        retryable = isinstance(exc, ProviderError) and exc.retryable
        not_delivered = isinstance(exc, (RateLimited, NotDelivered))
        ran = isinstance(exc, ProviderError) and exc.ran
        return cls(type(exc).__name__, str(exc), retryable, retry_after, not_delivered, ran)


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


def _request(services: Services, job: JobRecord) -> Request:
    """The job's request with its inputs as files of this machine (fetched by hash from the
    shared store when the job was submitted elsewhere)."""
    folder = services.config.work_root / job.id / "inputs"
    return localise(request_from_params(job.params), services.catalog, folder)


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
#
# Few steps per job: every DBOS step costs a checkpoint read and write in the system database,
# which is most of a short job's cost. A local job is one step (begin) unless it is retried; a
# remote job is begin, submit, polls, fetch and complete. Each is safe to run again after a crash.


@dataclass(frozen=True)
class Remote:
    """``begin_step``'s answer for a remote provider: submit and poll next."""


@DBOS.step(name="shotline.begin")
def begin_step(job_id: str) -> Remote | str | Failure | None:
    """Mark the job running and reserve its credits, then, for a local provider, run it too.

    Returns ``Remote()`` (go on with submit), the result asset's sha256 (a local job done), a
    ``Failure``, or None when there is nothing to do (canceled or reconciled before a worker got
    to it). Everything here may run again after a crash: marking and reserving are idempotent,
    and so is a local run (see ``_run_local``).
    """
    services = current()
    store = services.store
    try:
        job = store.transition(job_id, JobStatus.RUNNING, expect=JobStatus.QUEUED,
                               message="started")  # fmt: skip
    except IllegalTransition as exc:
        if exc.current is not JobStatus.RUNNING:
            return None  # finished before it started: canceled, or ended by a reconcile
        job = store.get(job_id)  # a replay after a crash: it was started already
    if job.frames > 0:  # a free job (offline provider, zero estimate) never touches the ledger
        try:
            services.ledger.reserve(job.user, job.frames, job_id)  # idempotent per job id
        except CreditError as exc:
            return Failure.of(exc)
    provider = services.registry.get(job.provider)
    if _remote(provider):
        return Remote()
    return _run_local(services, job, provider)


@DBOS.step(name="shotline.run_local")
def run_local_step(job_id: str) -> str | Failure:
    """A local run again, after a failure worth retrying."""
    services, job, provider = _job(job_id)
    return _run_local(services, job, provider)


def _run_local(services: Services, job: JobRecord, provider: Provider) -> str | Failure:
    """Generate, catalog, settle, succeed: one step, since re-running it after a crash is
    harmless (a local generation is offline and free, the catalog is content-addressed, settling
    and succeeding are idempotent). Returns the asset's sha256."""
    assert isinstance(provider, LocalProvider)
    if provider.info.queue == LOCAL_GPU:
        services.vram.before(provider.info.model_type, provider)
    try:
        output = provider.generate(_request(services, job), _context(services, job.id))
    except Exception as exc:
        return Failure.of(exc)
    return _complete(services, job, Produced.of(output))


@DBOS.step(name="shotline.submit")
def submit_step(job_id: str) -> str | Failure:
    """Its own step, so the provider's request id is recorded (in the job row and in DBOS)
    before the first poll."""
    services, job, provider = _job(job_id)
    if job.external_id is not None:
        return job.external_id  # submitted before a crash: poll it, never submit again
    assert isinstance(provider, RemoteProvider)
    try:
        external_id = provider.submit(_request(services, job), _context(services, job_id))
    except Exception as exc:
        return Failure.of(exc)
    services.store.set_external_id(job_id, external_id)
    return external_id


@DBOS.step(name="shotline.poll")
def poll_step(job_id: str, external_id: str) -> Polled | Failure:
    """One poll. Past ``remote_timeout_seconds`` since the job started, an unfinished job fails
    (decided here, in the step, so a replay takes the recorded decision, not today's clock)."""
    services, job, provider = _job(job_id)
    assert isinstance(provider, RemoteProvider)
    try:
        poll = provider.poll(external_id)
    except Exception as exc:
        return Failure.of(exc)
    if poll.progress is not None:
        services.store.set_progress(job_id, poll.progress, poll.state.value)
    limit = services.config.remote_timeout_seconds
    started = job.started_at or job.created_at
    running = (services.store.clock() - started).total_seconds()
    if poll.state in (PollState.QUEUED, PollState.RUNNING) and running > limit:
        return Failure(
            TIMED_OUT, f"still {poll.state.value} at {job.provider} (request {external_id}) "
            f"after {running:.0f} s; the limit is {limit:g} s",
        )  # fmt: skip
    return Polled(poll.state.value, poll.progress, poll.error)


@DBOS.step(name="shotline.fetch")
def fetch_step(job_id: str, external_id: str) -> Produced | Failure:
    services, job, provider = _job(job_id)
    assert isinstance(provider, RemoteProvider)
    ctx = _context(services, job_id)  # downloads land in data_dir/work/<job_id>
    try:
        output = provider.fetch(external_id, _request(services, job), ctx)
    except Exception as exc:
        return Failure.of(exc)
    return Produced.of(output)


@DBOS.step(name="shotline.complete")
def complete_step(job_id: str, produced: Produced) -> str | Failure:
    """Catalog a fetched output, settle, succeed; returns the asset's sha256."""
    services, job, _ = _job(job_id)
    return _complete(services, job, produced)


@DBOS.step(name="shotline.fail")
def fail_step(job_id: str, failure: Failure) -> None:
    services = current()
    job = services.store.get(job_id)
    # The provider may be the very thing this worker lacks (the failure being NotConfigured).
    provider = services.registry.get(job.provider) if job.provider in services.registry else None
    refund(services.ledger, job)  # first, so whoever sees "failed" sees the credits back
    if not job.finished:
        with contextlib.suppress(IllegalTransition):  # canceled meanwhile
            services.store.transition(
                job_id, JobStatus.FAILED, expect=job.status, error_type=failure.error_type,
                error_message=failure.message, message=f"failed: {failure.error_type}",
            )  # fmt: skip
    # A job failing on our side (a fetch, the catalog) may still run, and bill, at the provider.
    if job.external_id and provider is not None and _remote(provider) and not failure.ran:
        cancel_remote(provider, job.external_id)


# -- what the steps share -----------------------------------------------------------------------


def _parents(services: Services, job: JobRecord) -> list[str]:
    """The cataloged assets among the request's inputs: their hashes (inputs are staged at
    submit); a job recorded before that names local paths, hashed when they still exist."""
    found = []
    for path in input_files(request_from_params(job.params)):
        sha = content_sha(path)
        if sha is None and path.is_file():
            sha = sha256_file(path)
        if sha is None:
            continue
        try:
            services.catalog.get(sha)
        except AssetNotFound:
            continue
        found.append(sha)
    return found


def _complete(services: Services, job: JobRecord, produced: Produced) -> str | Failure:
    """Catalog the output (content-addressed: recording the same bytes twice is one asset), then
    settle, then succeed: whoever sees "succeeded" also sees the credits spent."""
    cost = Decimal(produced.actual_cost) if produced.actual_cost else job.estimated_cost
    meta: dict[str, Any] = {
        "owner": job.user,
        "prompt": job.prompt,
        "provider": job.provider,
        "model": job.model,
        "cost": cost,
        "job_id": job.id,
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
    _finish(services, job, asset.sha256, cost)
    return asset.sha256


def _finish(services: Services, job: JobRecord, sha: str, cost: Decimal | None) -> None:
    """Settle, then succeed. A cancel that lands in between finds the output made and paid for,
    and leaves it so; one that lands before the settle keeps its refund."""
    if job.frames > 0:
        if services.store.get(job.id).status is JobStatus.CANCELED:
            return  # canceled while the output was being made: the canceller refunds
        try:
            services.ledger.settle(job.id)  # settling twice (a replay) does nothing
        except ReservationClosed:
            return  # refunded by a cancel that won the race
        except UnknownReservation:
            log.warning("job %s succeeded without a credit reservation", job.id)
    # Conditional on the status it reads: a replay (already succeeded) or a cancel that won
    # the race is refused, and that is fine.
    with contextlib.suppress(IllegalTransition):
        services.store.transition(job.id, JobStatus.SUCCEEDED, expect=JobStatus.RUNNING,
                                  result_asset=sha, actual_cost=cost, message="done")  # fmt: skip


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

SUBMIT_UNCERTAIN = "SubmitUncertain"
TIMED_OUT = "TimedOut"


def _retryable(failure: Failure) -> bool:
    return failure.retryable


def _safe_to_resend(failure: Failure) -> bool:
    # A create is sent again only when it certainly did not start anything at the provider.
    return failure.retryable and failure.not_delivered


def _with_retries(
    attempt: Callable[[], T | Failure],
    may_retry: Callable[[Failure], bool] = _retryable,
    *,
    first: Failure | None = None,
) -> T | Failure:
    """Retry a step while ``may_retry`` allows its failure: after ``retry_after`` for rate
    limits, with exponential backoff for transient errors; both bounded by the config.
    ``first`` is the failure of a first try made elsewhere (that step is not called again
    before the first wait)."""
    config = current().config
    transient = limited = 0
    delay = config.poll_seconds
    pending: T | Failure | None = first
    while True:
        result = attempt() if pending is None else pending
        pending = None
        if not isinstance(result, Failure) or not may_retry(result):
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


def _submit(job_id: str) -> str | Failure:
    """Submit once; again only after a failure that certainly created nothing (a 429, or a
    connection that was never made). Any other transient failure (a timeout or a dropped
    connection after the request went out, a 5xx, an unreadable reply) may have started a paid
    job we have no id for: sending it again could pay twice, so the job fails instead, saying
    so. Its credits are refunded: the user is not charged for a result they will not get, at
    the risk that the provider bills us for a job that did run."""
    submitted = _with_retries(lambda: submit_step(job_id), _safe_to_resend)
    if isinstance(submitted, Failure) and submitted.retryable and not submitted.not_delivered:
        return Failure(
            SUBMIT_UNCERTAIN,
            "the provider may have received this request, but its reply was lost "
            f"({submitted.error_type}: {submitted.message}). It was not sent again, so it is "
            "never paid for twice; the credits were refunded. Check the provider's dashboard "
            "for a job you may have been billed for before retrying.",
        )
    return submitted


def _run_remote(job_id: str) -> Produced | Failure:
    config = current().config
    submitted = _submit(job_id)
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
            return Failure.of(ProviderFailed(polled.error or "the provider reports failure"))
        if polled.state == PollState.CANCELED.value:
            return Failure("Canceled", polled.error or "canceled at the provider")
        DBOS.sleep(delay)
        delay = min(delay * config.poll_backoff, config.poll_max_seconds)
    return _with_retries(lambda: fetch_step(job_id, external_id))


@DBOS.workflow(name=GENERATE_WORKFLOW)
def generate_workflow(job_id: str) -> str | None:
    """Run one job to its end; returns the result asset's sha256 (None if it did not succeed).

    Whatever goes wrong inside ends the job: an exception that escapes a step (a provider this
    worker does not have, a broken row, a bug) fails it and refunds its credits, so no job is
    left ``running`` with credits held and followers waiting. The exception is an error of
    this process shutting down only when the engine is stopping: the workflow then stays
    pending, and a live worker recovers it. (DBOS's cancellation is a ``BaseException`` and
    passes through.)
    """
    try:
        return _generate(job_id)
    except Exception as exc:
        if _services is None or _services.stopping.is_set():
            raise
        log.exception("job %s: the workflow failed", job_id)
        fail_step(job_id, Failure.of(exc))
        return None


def _generate(job_id: str) -> str | None:
    begun = begin_step(job_id)
    if begun is None:
        return None
    result: str | Failure
    if isinstance(begun, Remote):
        fetched = _run_remote(job_id)
        result = complete_step(job_id, fetched) if isinstance(fetched, Produced) else fetched
    elif isinstance(begun, Failure) and begun.retryable:  # a local run that may work later
        result = _with_retries(lambda: run_local_step(job_id), first=begun)
    else:
        result = begun  # a local job done, or failed for good
    if isinstance(result, Failure):
        fail_step(job_id, result)
        return None
    return result
