"""Every generation the pipeline needs goes through the engine, through here.

What this adds to ``engine.submit``:

- **Provider order.** Candidates per kind come from ``--providers`` (families or full ids, in
  order). A safety refusal (``Refused``) or a request the model cannot serve (``CapabilityError``)
  moves on to the next candidate instead of asking the same provider again.
- **Planning before paying.** ``plan`` conforms and keys each request without submitting, so the
  pipeline can price a phase (cache hits cost nothing) and refuse it before anything is paid.
- **No repeated calls.** A request whose key already failed for good at a provider (refusal,
  capability) skips that provider; one that is still queued or running (a run that crashed left
  it, and the restarted engine recovered its workflow) is adopted, not submitted again.
- **Accounting.** Each outcome is tallied as reused (cache hit) or regenerated, with the money a
  hit saved (its estimate) and the money new work cost.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from shotline.film.services import Candidates, Generations
from shotline.jobs.records import JobRecord
from shotline.jobs.status import JobStatus
from shotline.providers.builtin import missing_setting
from shotline.providers.contracts import Capabilities, Kind, Request
from shotline.providers.errors import (
    CapabilityError,
    NotConfigured,
    ProviderFailed,
    final_error_types,
    is_final,
)

POLL_SECONDS = 0.05
WAIT_SECONDS = 6 * 3600.0  # remote video queues can be slow; a stuck job still ends one day


@dataclass(frozen=True)
class Ask:
    """One artifact the pipeline wants: ``kind`` labels it in reports ("keyframe", "video")."""

    kind: str
    name: str  # "keyframe 3 v1"
    request: Request


@dataclass
class Plan:
    ask: Ask
    candidates: list[str]  # provider ids still to try, best first
    provider: str | None = None  # the one chosen for the next submission
    key: str | None = None
    conformed: Request | None = None  # as the chosen provider will receive it
    cached: bool = False
    estimate: Decimal = Decimal(0)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    ask: Ask
    job: JobRecord | None
    path: Path | None  # the asset's local file, when it succeeded
    error: str | None = None
    skipped: bool = False  # known to fail: not asked again

    @property
    def ok(self) -> bool:
        return self.path is not None


@dataclass
class KindTally:
    reused: int = 0
    regenerated: int = 0
    failed: int = 0
    skipped: int = 0  # known to fail (e.g. lip sync offline): not asked again
    saved: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)


@dataclass
class Tally:
    kinds: dict[str, KindTally] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def of(self, kind: str) -> KindTally:
        return self.kinds.setdefault(kind, KindTally())

    def count(self, outcome: Outcome) -> None:
        tally, job = self.of(outcome.ask.kind), outcome.job
        match classify(outcome):
            case "skipped":
                tally.skipped += 1
            case "failed":
                tally.failed += 1
            case "reused":
                tally.reused += 1
                tally.saved += (job.estimated_cost if job else None) or Decimal(0)
            case _:
                tally.regenerated += 1
                tally.paid += (job.actual_cost if job else None) or Decimal(0)

    @property
    def saved(self) -> Decimal:
        return sum((t.saved for t in self.kinds.values()), Decimal(0))

    @property
    def paid(self) -> Decimal:
        return sum((t.paid for t in self.kinds.values()), Decimal(0))

    def as_dict(self) -> dict[str, object]:
        return {
            "kinds": {k: {"reused": t.reused, "regenerated": t.regenerated, "failed": t.failed,
                          "skipped": t.skipped, "saved": str(t.saved), "paid": str(t.paid)}
                      for k, t in sorted(self.kinds.items())},
            "saved": str(self.saved), "paid": str(self.paid), "notes": list(self.notes),
        }  # fmt: skip


Step = Callable[[str, int, int], None]  # (label, done, total)
Note = Callable[[str], None]


def classify(outcome: Outcome) -> str:
    """reused, regenerated, failed or skipped: the one rule behind every count a person sees
    (the line after each batch and the run's table add up the same outcomes)."""
    if outcome.skipped:
        return "skipped"
    if not outcome.ok:
        return "failed"
    if outcome.job is not None and outcome.job.cache_hit:
        return "reused"
    return "regenerated"


def summarize(label: str, outcomes: Sequence[Outcome]) -> str:
    """``keyframes: 5 regenerated, 28 reused`` for one batch."""
    counts = Counter(classify(o) for o in outcomes)
    parts = [f"{counts[k]} {k}" for k in ("regenerated", "reused", "failed", "skipped")
             if counts[k]]  # fmt: skip
    return f"{label}: {', '.join(parts) or 'nothing to do'}"


class JobCanceled(Exception):
    """A job the film waits for was canceled (``shotline jobs cancel`` from another shell): the
    person stopped it on purpose, so the run stops too rather than going on without it."""

    def __init__(self, job_id: str, name: str) -> None:
        super().__init__(job_id, name)
        self.job_id, self.name = job_id, name

    def __str__(self) -> str:
        return f"job {self.job_id} ({self.name}) was canceled"


class Generator:
    def __init__(
        self,
        engine: Generations,
        providers: Sequence[str],
        user: str,
        tally: Tally,
        origin: str | None = None,
        note: Note | None = None,
    ) -> None:
        self.engine = engine
        self.providers = list(providers)
        self.user = user
        self.tally = tally
        self.origin = origin  # "film run <id>": every job is labelled with it
        self.note = note  # told what each batch came to

    # -- providers ------------------------------------------------------------------------------

    def candidates(self, kind: Kind) -> list[str]:
        """Provider ids of ``kind`` in ``--providers`` order: a full id is itself, a family
        (``fal``) is each of its providers of that kind."""
        found = self.engine.candidates(kind, self.providers)
        if not found:
            raise NotConfigured(missing_kinds_message(self.engine, self.providers, [kind]))
        return found

    def capabilities_of(self, kind: Kind) -> Capabilities:
        """What the first choice for ``kind`` can do (durations are planned for it)."""
        return self.engine.provider_info(self.candidates(kind)[0]).capabilities

    # -- planning -------------------------------------------------------------------------------

    def plan(self, asks: Sequence[Ask]) -> list[Plan]:
        plans = [Plan(ask, self.candidates(ask.request.kind)) for ask in asks]
        for plan in plans:
            self._choose(plan)
        return plans

    def _choose(self, plan: Plan) -> None:
        """Settle on the first candidate that can take the request and has not failed it for
        good before; key it and price it as the engine will (``engine.prepare``: the one place
        a request is conformed and keyed; ``engine.cached``: the one cache-hit check)."""
        plan.provider = plan.key = None
        while plan.candidates:
            provider_id = plan.candidates.pop(0)
            try:
                prepared = self.engine.prepare(plan.ask.request, provider_id)
            except CapabilityError as exc:
                plan.notes.append(str(exc))
                continue
            key, request = prepared.key, prepared.request
            if self._failed_for_good(key):
                plan.notes.append(f"{provider_id} failed this for good before: not asked again")
                continue
            cached = self.engine.cached(key) is not None
            price = Decimal(0) if cached else prepared.estimate
            if price is None:  # a film runs on budgets: an unknown price cannot be planned
                plan.notes.append(f"{provider_id}: cost unknown before it runs, not used")
                continue
            plan.provider, plan.key, plan.conformed = provider_id, key, request
            plan.cached, plan.estimate = cached, price
            return

    def _failed_for_good(self, key: str) -> bool:
        failed = [JobStatus.FAILED]
        return self.engine.find_job(key, failed, error_types=final_error_types()) is not None

    def _live_job(self, key: str) -> str | None:
        """A queued or running job with this key (left by a crashed run): wait for it instead."""
        return self.engine.find_job(key, [JobStatus.QUEUED, JobStatus.RUNNING])

    # -- running --------------------------------------------------------------------------------

    def run(
        self, plans: Sequence[Plan], label: str, step: Step | None = None, *, report: bool = True
    ) -> list[Outcome]:
        """Submit every plan, then wait for all; refused ones move to their next provider."""
        pending: dict[int, str] = {}
        outcomes: dict[int, Outcome] = {}
        for index, plan in enumerate(plans):
            self._submit(index, plan, pending, outcomes)
        total = len(plans)
        if step is not None:
            step(label, len(outcomes), total)
        started = time.monotonic()
        while pending:
            time.sleep(POLL_SECONDS)
            for index, job_id in list(pending.items()):
                job = self.engine.get(job_id)
                if not job.finished:
                    # Bounded: past WAIT_SECONDS, or queued where no live worker serves its
                    # queue, this raises saying what the job waits for (the job is left be).
                    self.engine.check_wait(job, started, WAIT_SECONDS)
                    continue
                del pending[index]
                plan = plans[index]
                if job.status is JobStatus.CANCELED:
                    raise JobCanceled(job.id, plan.ask.name)
                if job.status is JobStatus.FAILED and is_final(job.error_type):
                    plan.notes.append(f"{job.provider}: {job.error_type}: {job.error_message}")
                    self._choose(plan)
                    if plan.provider is not None:
                        self.tally.notes.append(
                            f"{plan.ask.name}: {job.provider} refused, trying {plan.provider}"
                        )
                self._settle(index, plan, job, pending, outcomes)
            if step is not None:
                step(label, len(outcomes), total)
        done = [outcomes[i] for i in range(total)]
        if report and self.note is not None and done:
            self.note(summarize(label, done))
        return done

    def run_one(self, ask: Ask) -> Outcome:
        return self.run(self.plan([ask]), ask.name, report=False)[0]

    def _submit(
        self, index: int, plan: Plan, pending: dict[int, str], outcomes: dict[int, Outcome]
    ) -> None:
        if plan.provider is None or plan.key is None:
            why = "; ".join(plan.notes) or "no provider can take it"
            self._done(index, Outcome(plan.ask, None, None, why, skipped=True), outcomes)
            return
        adopted = self._live_job(plan.key)
        job_id = adopted or self.engine.submit(plan.ask.request, plan.provider, self.user)
        if self.origin is not None:
            self.engine.label(job_id, self.origin, f"{plan.ask.kind} {plan.ask.name}")
        pending[index] = job_id

    def _settle(
        self,
        index: int,
        plan: Plan,
        job: JobRecord,
        pending: dict[int, str],
        outcomes: dict[int, Outcome],
    ) -> None:
        if job.status is JobStatus.SUCCEEDED and job.result_asset is not None:
            path = self.engine.asset_path(job.result_asset)
            self._done(index, Outcome(plan.ask, job, path), outcomes)
        elif job.status is JobStatus.FAILED and is_final(job.error_type) and plan.provider:
            self._submit(index, plan, pending, outcomes)  # the next candidate
        else:
            why = f"{job.provider}: {job.error_type or job.status.value}: {job.error_message}"
            self._done(index, Outcome(plan.ask, job, None, why), outcomes)

    def _done(self, index: int, outcome: Outcome, outcomes: dict[int, Outcome]) -> None:
        outcomes[index] = outcome
        self.tally.count(outcome)


def missing_kinds(
    registry: Candidates, providers: Sequence[str], kinds: Sequence[Kind]
) -> list[Kind]:
    """The kinds among ``kinds`` that no provider in ``--providers`` offers."""
    return [kind for kind in kinds if not registry.candidates(kind, providers)]


def missing_kinds_message(
    registry: Candidates, providers: Sequence[str], kinds: Sequence[Kind]
) -> str:
    """What a person can do when ``--providers`` lacks whole kinds of model: which kinds, which
    families are not configured at all (and the setting each needs), how to fill the gap."""
    chain = ",".join(providers)
    names = ", ".join(k.value for k in kinds[:-1]) + (" or " if len(kinds) > 1 else "")
    names += kinds[-1].value
    unset = [
        f"{p} is not configured: set {need}"
        for p in providers
        if (need := missing_setting(f"{p}.")) and not any(registry.candidates(k, [p]) for k in Kind)
    ]
    why = f" ({'; '.join(unset)})" if unset else ""
    hint = f"add offline for stand-ins (--providers {chain},offline)"
    if Kind.WRITER in kinds:
        hint += f", or set {missing_setting('llm.')} for a writer"
    return f"--providers {chain} has no {names} provider{why}: {hint}"


def require(outcomes: Sequence[Outcome]) -> list[Path]:
    """The files of outcomes that must all have succeeded (anything but lip sync)."""
    failed = [o for o in outcomes if not o.ok]
    if failed:
        first = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise ProviderFailed(f"{first.ask.name} failed: {first.error}{more}")
    return [o.path for o in outcomes if o.path is not None]
