"""The generation engine: submit, follow, cancel and retry generation jobs.

``submit`` does everything that must be true before any work starts: conform the request, key it,
estimate it, write the job row (prompt and parameters included), and either answer from the cache
(a succeeded job with the same key and an asset: no provider call, no credits) or enqueue the
durable workflow on the provider's queue.

Credits (frames): a video reserves its frame count, an image 1, other kinds 0, and only when the
estimate is not zero. Credits ration paid generation; an offline provider costs nothing and
rationing it would only get in the way.

Modes. ``start()`` launches DBOS here, making this process a worker (the embedded default: the CLI
runs its own jobs with zero configuration). ``connect()`` only submits and follows, through the
system database, to ``shotline worker`` processes elsewhere (scale-out on PostgreSQL).
"""

from __future__ import annotations

import builtins
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import Engine

from shotline.assets.catalog import AssetCatalog
from shotline.assets.errors import AssetNotFound
from shotline.costs.cachekey import cache_key
from shotline.costs.credits import CreditLedger
from shotline.jobs import runtime
from shotline.jobs.config import JobsConfig
from shotline.jobs.heartbeat import Heartbeat, serving
from shotline.jobs.inputs import stage
from shotline.jobs.labels import JobLabels
from shotline.jobs.queues import QueueSpec, known_queue
from shotline.jobs.records import JobRecord, JobStore
from shotline.jobs.runtime import LIVE_STATES, Client, Dispatch, InProcess, new_executor_id
from shotline.jobs.status import FINISHED, IllegalTransition, JobEvent, JobStatus, JobWaitExpired
from shotline.jobs.vram import VramTracker
from shotline.jobs.workflow import Services, cancel_remote, install, refund
from shotline.providers.conform import conform
from shotline.providers.contracts import (
    ImageRequest,
    Kind,
    Message,
    ProviderInfo,
    Request,
    SpeechRequest,
    VideoRequest,
    WriterRequest,
    request_from_params,
    request_params,
)
from shotline.providers.errors import NotConfigured
from shotline.providers.registry import ProviderRegistry

log = logging.getLogger(__name__)

INTERRUPTED = "Interrupted"


@dataclass(frozen=True)
class Prepared:
    """A request as a provider will receive it: conformed, keyed and priced."""

    info: ProviderInfo
    request: Request
    key: str
    estimate: Decimal | None  # None: the provider publishes no price for this request
    changes: tuple[str, ...] = ()  # what conforming adjusted, in words


def credit_frames(request: Request, estimate: Decimal | None) -> int:
    """Frames a job reserves: paid video its frames, paid images one; an unknown price may be
    paid, so it reserves like a paid one."""
    if estimate is not None and estimate <= 0:
        return 0
    if isinstance(request, VideoRequest):
        return request.frames
    if isinstance(request, ImageRequest):
        return 1
    return 0


def prompt_of(request: Request) -> str | None:
    match request:
        case ImageRequest() | VideoRequest():
            return request.prompt
        case SpeechRequest():
            return request.text
        case WriterRequest():
            users = [m.content for m in request.messages if isinstance(m, Message)]
            return users[-1] if users else None
        case _:
            return None


class GenerationEngine:
    def __init__(
        self,
        config: JobsConfig,
        registry: ProviderRegistry,
        catalog: AssetCatalog,
        ledger: CreditLedger,
        store: JobStore,
        *,
        extra_queues: tuple[QueueSpec, ...] = (),
    ) -> None:
        self.config = config
        self.registry = registry
        self.catalog = catalog
        self.ledger = ledger
        self.store = store
        self.labels = JobLabels(store.engine)  # what each job was made for (a film run)
        self.extra_queues = extra_queues
        self.vram = VramTracker()
        self.executor_id: str | None = None
        self._dispatch: Dispatch | None = None
        self._heartbeat: Heartbeat | None = None
        self._services: Services | None = None
        self._serving_cache: dict[str, tuple[float, bool]] = {}

    @property
    def engine(self) -> Engine:
        return self.store.engine

    @property
    def queues(self) -> builtins.list[str]:
        """The queues this process can serve: those of its providers. A worker takes jobs only
        from these (a worker without a fal key never takes a fal job)."""
        return sorted({p.info.queue for p in self.registry.all()})

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, executor_id: str | None = None) -> GenerationEngine:
        """Launch DBOS in this process and work the queues; recover what dead workers left."""
        if self._dispatch is not None:
            raise RuntimeError("the engine is already started")
        self.executor_id = executor_id or new_executor_id()
        self._services = Services(self.config, self.store, self.registry, self.catalog,
                                  self.ledger, self.vram)  # fmt: skip
        install(self._services)
        heartbeat = Heartbeat(
            self.engine,
            self.executor_id,
            interval=self.config.heartbeat_seconds,
            stale_after=self.config.stale_after_seconds,
            queues=self.queues,
        )
        heartbeat.register()
        runtime.launch(self.config, self.executor_id, self.extra_queues, listen=self.queues)
        self._dispatch = InProcess()
        self._heartbeat = heartbeat
        heartbeat.sweep()  # first hand back dead workers' workflows, so they count as live
        self.reconcile()
        heartbeat.start()
        return self

    def connect(self) -> GenerationEngine:
        """Submit and follow only; ``shotline worker`` processes do the work."""
        if self._dispatch is not None:
            raise RuntimeError("the engine is already started")
        self._dispatch = Client(self.config)
        return self

    def close(self) -> None:
        """Stop DBOS first, then mark this worker dead so peers recover what it left pending
        (the other order could let a peer start a workflow this process still runs)."""
        if self._heartbeat is not None:
            self._heartbeat.stop()
        if self._services is not None:
            self._services.stopping.set()  # errors from here on are the shutdown's, not jobs'
            self._services = None
        if self._dispatch is not None:
            self._dispatch.close()
            if isinstance(self._dispatch, InProcess):
                install(None)
            self._dispatch = None
        if self._heartbeat is not None:
            self._heartbeat.mark_dead()
            self._heartbeat = None

    def __enter__(self) -> GenerationEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dispatch(self) -> Dispatch:
        if self._dispatch is None:
            raise RuntimeError("start() or connect() the engine first")
        return self._dispatch

    # -- what a film run needs (``shotline.film.services.Generations``) -------------------------

    def candidates(self, kind: Kind, wanted: Sequence[str]) -> builtins.list[str]:
        """Provider ids of ``kind`` named by ``wanted`` (families or full ids), in order."""
        return self.registry.candidates(kind, wanted)

    def provider_info(self, provider_id: str) -> ProviderInfo:
        return self.registry.get(provider_id).info

    def find_job(
        self, key: str, statuses: Iterable[JobStatus], *, error_types: Iterable[str] | None = None
    ) -> str | None:
        """The oldest job with this cache key in one of ``statuses`` (see ``JobStore``)."""
        return self.store.find_by_key(key, statuses, error_types=error_types)

    def label(self, job_id: str, origin: str, name: str) -> None:
        """Say what the job was made for (``film run <id>``, ``keyframe 3 v1``), once."""
        self.labels.set(job_id, origin, name)

    def credits_left(self, user: str) -> int:
        """Frames of credits ``user`` has left today."""
        return self.ledger.balance(user).remaining

    # -- jobs -----------------------------------------------------------------------------------

    def prepare(self, request: Request, provider_id: str) -> Prepared:
        """What a submission of ``request`` to ``provider_id`` would be, without submitting:
        conformed to the model, keyed, priced. The one place a request is keyed (``submit``
        and the film planner both come here)."""
        info = self.registry.get(provider_id).info
        if not known_queue(info.queue, self.extra_queues):
            raise NotConfigured(f"no queue {info.queue!r}", provider=info.id)
        conformed = conform(request, info)
        request = conformed.request
        key = cache_key(info.id, info.model, info.version, request)
        return Prepared(info, request, key, info.pricing.estimate(request), conformed.changes)

    def cached(self, key: str) -> JobRecord | None:
        """The succeeded job whose result answers ``key`` (its asset still stored), if any: the
        one cache-hit check."""
        hit = self.store.find_cached(key)
        if hit is None or hit.result_asset is None:
            return None
        try:
            self.catalog.get(hit.result_asset)
        except AssetNotFound:
            return None
        return hit

    def submit(
        self,
        request: Request,
        provider_id: str,
        user: str,
        priority: int = 0,
        force: bool = False,
        *,
        retried_from: str | None = None,
    ) -> str:
        """Record the job and start it (or answer it from the cache); returns the job id.

        Input files go into the asset store first and the job names them by content hash
        (see ``inputs``): the worker that runs it may be on another machine."""
        prepared = self.prepare(request, provider_id)
        info, request = prepared.info, prepared.request
        staged = stage(request, self.catalog, user)
        job = self.store.create(
            kind=request.kind.value,
            provider=info.id,
            model=info.model,
            user=user,
            prompt=prompt_of(request),
            params=request_params(staged),
            cache_key=prepared.key,
            queue=info.queue,
            priority=priority,
            estimated_cost=prepared.estimate,
            frames=credit_frames(request, prepared.estimate),
            message="; ".join(prepared.changes),
            retried_from=retried_from,
        )
        if not force and self._answer_from_cache(job):
            return job.id
        try:
            self.dispatch.enqueue(info.queue, job.id, priority)
        except Exception as exc:
            self.store.transition(
                job.id, JobStatus.FAILED, error_type=type(exc).__name__,
                error_message=str(exc), message="could not be queued",
            )  # fmt: skip
            raise
        return job.id

    def _answer_from_cache(self, job: JobRecord) -> bool:
        hit = self.cached(job.cache_key)
        if hit is None or hit.result_asset is None:
            return False
        self.store.transition(
            job.id, JobStatus.SUCCEEDED, result_asset=hit.result_asset, actual_cost=Decimal(0),
            frames=0, cache_hit=True, message=f"cached: same as job {hit.id}",
        )  # fmt: skip
        return True

    def get(self, job_id: str) -> JobRecord:
        return self.store.get(job_id)

    def resolve(self, ref: str) -> str:
        """A job id from the id or any unique prefix of it."""
        return self.store.resolve(ref)

    def events(self, job_id: str) -> builtins.list[JobEvent]:
        return self.store.events(job_id)

    def asset_path(self, sha: str) -> Path:
        """A local file holding the asset (fetched from the shared store when needed)."""
        return self.catalog.local_path(sha)

    def list(
        self,
        user: str | None = None,
        status: JobStatus | Iterable[JobStatus] | None = None,
        limit: int = 100,
    ) -> builtins.list[JobRecord]:
        return self.store.list(user=user, status=status, limit=limit)

    def wait(self, job_id: str, timeout: float = 60.0, poll: float = 0.02) -> JobRecord:
        """Block until the job is finished. Raises ``JobWaitExpired`` saying what the job was
        waiting for after ``timeout`` seconds, or sooner when it sits on a queue that no live
        worker serves (see ``check_wait``)."""
        started = time.monotonic()
        while True:
            job = self.store.get(job_id)
            if job.finished:
                return job
            self.check_wait(job, started, timeout)
            time.sleep(poll)

    def check_wait(self, job: JobRecord, started: float, timeout: float) -> None:
        """Raise ``JobWaitExpired`` when a wait that began at ``started`` (``time.monotonic``)
        should end: past ``timeout``, or queued for longer than a worker may stay silent on a
        queue that no live worker serves."""
        waited = time.monotonic() - started
        if waited >= timeout:
            raise JobWaitExpired(job.id, f"still {self.waiting_for(job)} after {timeout:g} s")
        queued = job.status is JobStatus.QUEUED and waited >= self.config.stale_after_seconds
        if queued and not self._served(job.queue):
            raise JobWaitExpired(job.id, self.waiting_for(job))

    def waiting_for(self, job: JobRecord) -> str:
        """What an unfinished job is waiting for, in words."""
        if job.status is JobStatus.QUEUED:
            if self._served(job.queue):
                return f"queued on {job.queue}, waiting for a worker"
            return (
                f"queued on {job.queue}, which no live worker serves (start `shotline worker` "
                f"where {job.provider} is configured); the job stays queued"
            )
        if job.status is JobStatus.RUNNING:
            where = f" (request {job.external_id})" if job.external_id else ""
            said = f": {job.message}" if job.message else ""
            return f"running on {job.provider}{where}, {job.progress:.0%}{said}"
        return job.status.value

    def _served(self, queue: str) -> bool:
        """Whether a live worker serves ``queue`` (asked at most once a second per queue)."""
        now = time.monotonic()
        known = self._serving_cache.get(queue)
        if known is None or now - known[0] >= 1.0:
            found = bool(serving(self.engine, queue, self.config.stale_after_seconds))
            known = self._serving_cache[queue] = (now, found)
        return known[1]

    def cancel(self, job_id: str) -> JobRecord:
        """Stop a job: at DBOS, at the provider when submitted, and give its credits back."""
        job = self.store.get(job_id)
        if job.finished:
            return job
        if job.workflow_id is not None:
            self.dispatch.cancel(job.workflow_id)
        try:
            job = self.store.transition(job_id, JobStatus.CANCELED, message="canceled")
        except IllegalTransition:
            return self.store.get(job_id)  # it finished first
        if job.external_id is not None and job.provider in self.registry:
            cancel_remote(self.registry.get(job.provider), job.external_id)
        refund(self.ledger, job)
        return job

    def retry(self, job_id: str, force: bool = False) -> str:
        """Submit a finished job again from its stored parameters; returns the new job id."""
        job = self.store.get(job_id)
        if job.status not in FINISHED:
            raise IllegalTransition(job_id, job.status, JobStatus.QUEUED)
        request = request_from_params(job.params)
        return self.submit(request, job.provider, job.user, job.priority, force=force,
                           retried_from=job.id)  # fmt: skip

    # -- recovery -------------------------------------------------------------------------------

    def reconcile(self) -> builtins.list[str]:
        """End every unfinished job that no live workflow will ever finish (seed 001: no stale
        "generating" rows after a restart). Returns the ids it ended."""
        ended = []
        limit = self.store.clock() - timedelta(seconds=self.config.reconcile_grace_seconds)
        active = self.store.list(status=(JobStatus.QUEUED, JobStatus.RUNNING), limit=100_000)
        for job in active:
            if job.created_at > limit:
                continue  # may be between its row and its enqueue in another process
            state = self.dispatch.state(job.workflow_id) if job.workflow_id else None
            if state in LIVE_STATES:
                continue
            if self._interrupt(job, state):
                ended.append(job.id)
        return ended

    def _interrupt(self, job: JobRecord, state: str | None) -> bool:
        try:
            if state == "CANCELLED":
                job = self.store.transition(job.id, JobStatus.CANCELED, message="canceled")
            else:
                why = "no workflow" if state is None else f"workflow {state.lower()}"
                job = self.store.transition(
                    job.id, JobStatus.FAILED, error_type=INTERRUPTED,
                    error_message=f"interrupted: {why}", message="interrupted",
                )  # fmt: skip
        except IllegalTransition:
            return False
        refund(self.ledger, job)
        log.warning("job %s had no live workflow (%s) and was ended", job.id, state)
        return True
