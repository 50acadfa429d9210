"""Generation commands: generate, jobs, credits, worker."""

from __future__ import annotations

import contextlib
import shutil
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from shotline.cli.common import app, console, errors, friendly, parse_fps, parse_size, progress_bar
from shotline.config import Settings
from shotline.providers.contracts import (
    ImageRequest,
    Kind,
    LipsyncRequest,
    Request,
    SpeechRequest,
    VideoRequest,
)

if TYPE_CHECKING:  # imported lazily at run time: the engine pulls in DBOS
    from shotline.app import Studio
    from shotline.jobs.engine import GenerationEngine

jobs_app = typer.Typer(
    help="List, inspect, cancel and retry generation jobs.", no_args_is_help=True
)
app.add_typer(jobs_app, name="jobs")

KINDS = ("video", "image", "speech", "lipsync")


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"${value:.4f}"


def _existing(path: Path | None, what: str) -> Path | None:
    if path is not None and not path.is_file():
        raise typer.BadParameter(f"{what} {path} does not exist")
    return path.resolve() if path is not None else None


def _request(
    kind: str,
    prompt: str | None,
    first: Path | None,
    last: Path | None,
    refs: list[Path],
    frames: int,
    fps: str,
    size: str,
    audio: bool,
    seed: int | None,
    voice: str,
    video: Path | None,
    sound: Path | None,
) -> Request:
    width, height = parse_size(size)
    if kind == "video":
        return VideoRequest(
            prompt or "", frames=frames, fps=parse_fps(fps), width=width, height=height,
            first_frame=_existing(first, "--first"), last_frame=_existing(last, "--last"),
            audio=audio, seed=seed,
        )  # fmt: skip
    if kind == "image":
        references = tuple(p for p in (_existing(r, "--ref") for r in refs) if p is not None)
        return ImageRequest(prompt or "", width=width, height=height, references=references,
                            seed=seed)  # fmt: skip
    if kind == "speech":
        if not prompt:
            raise typer.BadParameter("speech needs --prompt (the text to speak)")
        return SpeechRequest(prompt, voice=voice)
    clip, track = _existing(video, "--video"), _existing(sound, "--audio")
    if clip is None or track is None:
        raise typer.BadParameter("lipsync needs --video and --audio")
    from shotline.media.probe import probe

    return LipsyncRequest(clip, track, duration=probe(clip).duration)


def _check_cost(
    studio: Studio, provider_id: str, request: Request, *, yes: bool, budget: Decimal | None
) -> None:
    """Before anything is submitted: an unknown price needs --yes or --budget; a known one must
    fit the budget."""
    from shotline.providers.conform import conform

    info = studio.registry.get(provider_id).info
    cost = info.pricing.estimate(conform(request, info).request)
    if cost is None:
        if not yes and budget is None:
            raise typer.BadParameter(
                f"the cost of {provider_id} is unknown before it runs ({info.pricing.describe()})"
                ": pass --yes to accept it, or --budget USD"
            )
        errors.print(f"{provider_id}: cost unknown before it runs, accepted", highlight=False)
    elif budget is not None and cost > budget:
        raise typer.BadParameter(
            f"the estimate ${cost:.4f} ({info.pricing.describe()}) is above --budget "
            f"${budget:.4f}: nothing was submitted"
        )


def _follow(engine: GenerationEngine, job_id: str, label: str) -> None:
    with progress_bar(label) as report:
        while True:
            job = engine.get(job_id)
            report(job.progress)
            if job.finished:
                return
            time.sleep(0.1)


def _report(job_id: str, studio: Studio, output: Path | None) -> None:
    job = studio.engine.get(job_id)
    table = Table(show_header=False, box=None)
    rows = {
        "job": job.id,
        "status": job.status.value,
        "provider": f"{job.provider} ({job.model})",
        "estimated cost": _money(job.estimated_cost),
        "actual cost": _money(job.actual_cost),
        "cache": "hit: reused an earlier result, nothing paid" if job.cache_hit else "miss",
        "frames charged": str(job.frames),
    }
    events = studio.engine.store.events(job.id)
    if events and events[0].message:  # what conforming to the model changed, or the cache source
        rows["adjusted" if not job.cache_hit else "source"] = events[0].message
    if job.result_asset:
        path = studio.engine.catalog.local_path(job.result_asset)
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, output)
            path = output
        rows["asset"] = str(path)
    if job.error_message:
        rows["error"] = f"{job.error_type}: {job.error_message}"
    for key, value in rows.items():
        table.add_row(f"[bold]{key}[/]", value)
    console.print(table)
    if job.status.value != "succeeded":
        raise typer.Exit(1)


@app.command()
@friendly
def generate(
    kind: Annotated[str, typer.Argument(help="video, image, speech or lipsync")],
    provider: Annotated[
        str, typer.Option(help="Provider or family: offline, fal, replicate...")
    ] = ("offline"),
    model: Annotated[str | None, typer.Option(help="Model within the family, e.g. ltx-2.")] = None,
    prompt: Annotated[str | None, typer.Option(help="Prompt (the text, for speech).")] = None,
    first: Annotated[Path | None, typer.Option(help="First frame image (video).")] = None,
    last: Annotated[Path | None, typer.Option(help="Last frame image (video).")] = None,
    ref: Annotated[list[Path] | None, typer.Option(help="Reference image (image; repeat).")] = None,
    frames: Annotated[int, typer.Option(help="Frame count (video).")] = 49,
    fps: Annotated[str, typer.Option(help="Frame rate (video).")] = "24",
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT.")] = "1280x720",
    audio: Annotated[bool, typer.Option(help="Generate sound with the video.")] = False,
    voice: Annotated[str, typer.Option(help="Voice (speech).")] = "narrator",
    video: Annotated[Path | None, typer.Option(help="Video to lip-sync.")] = None,
    sound: Annotated[Path | None, typer.Option("--audio-file", help="Audio to lip-sync.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed, for repeatable results.")] = None,
    force: Annotated[bool, typer.Option(help="Generate again even if cached.")] = False,
    priority: Annotated[int, typer.Option(help="Higher runs sooner.")] = 0,
    user: Annotated[str | None, typer.Option(help="Whose credits pay (default: you).")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Copy result here.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Accept an unknown cost.")] = False,
    budget: Annotated[
        Decimal | None, typer.Option(help="Refuse if the estimate is above this (USD).")
    ] = None,
) -> None:
    """Run one generation through the engine: cost estimate, credits, cache, progress.

    ``--model`` takes our short name (ltx-2) or the provider's own endpoint id as its model page
    spells it (fal-ai/ltx-2-19b/distilled/image-to-video); an endpoint id we have no table for
    is passed through as given, and its cost, unknown before it runs, needs --yes or --budget."""
    from shotline.app import running_studio

    if kind not in KINDS:
        raise typer.BadParameter(f"kind must be one of {', '.join(KINDS)}")
    request = _request(kind, prompt, first, last, ref or [], frames, fps, size, audio, seed,
                       voice, video, sound)  # fmt: skip
    settings = Settings()
    with running_studio(settings) as studio:
        provider_id = studio.provider_id(Kind(kind), provider, model)
        _check_cost(studio, provider_id, request, yes=yes, budget=budget)
        job_id = studio.engine.submit(request, provider_id, user or settings.user,
                                      priority=priority, force=force)  # fmt: skip
        _follow(studio.engine, job_id, f"{kind} on {provider_id}")
        _report(job_id, studio, output)


@jobs_app.command("list")
@friendly
def jobs_list(
    status: Annotated[str | None, typer.Option(help="queued, running, succeeded...")] = None,
    user: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option()] = 20,
) -> None:
    """Recent jobs, newest first."""
    from shotline.app import build_studio
    from shotline.jobs.status import JobStatus

    studio = build_studio()
    wanted = JobStatus(status) if status else None
    table = Table("job", "status", "kind", "provider", "user", "est.", "actual", "cache", "created")
    for job in studio.engine.store.list(user=user, status=wanted, limit=limit):
        table.add_row(
            job.id[:8], job.status.value, job.kind, job.provider, job.user,
            _money(job.estimated_cost), _money(job.actual_cost), "hit" if job.cache_hit else "",
            job.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        )  # fmt: skip
    console.print(table)


def _find(studio: Studio, prefix: str) -> str:
    """Accept a job id or a unique prefix of one (as ``jobs list`` prints)."""
    from shotline.jobs.status import JobNotFound

    matches = [j.id for j in studio.engine.store.list(limit=10_000) if j.id.startswith(prefix)]
    if len(matches) != 1:
        raise JobNotFound(prefix) if not matches else typer.BadParameter(f"{prefix} is ambiguous")
    return matches[0]


@jobs_app.command("show")
@friendly
def jobs_show(job: Annotated[str, typer.Argument(help="Job id or prefix.")]) -> None:
    """One job in full, with its events."""
    from shotline.app import build_studio

    studio = build_studio()
    job_id = _find(studio, job)
    for event in studio.engine.store.events(job_id):
        console.print(f"{event.at:%H:%M:%S} {event.status.value:<9} {event.message}")
    with contextlib.suppress(typer.Exit):  # show informs: a failed job is not a failed command
        _report(job_id, studio, None)


@jobs_app.command("cancel")
@friendly
def jobs_cancel(job: Annotated[str, typer.Argument(help="Job id or prefix.")]) -> None:
    """Cancel a queued or running job; its credits are refunded."""
    from shotline.app import running_studio

    with running_studio(work=False) as studio:
        record = studio.engine.cancel(_find(studio, job))
        console.print(f"job {record.id}: {record.status.value}")


@jobs_app.command("retry")
@friendly
def jobs_retry(
    job: Annotated[str, typer.Argument(help="Job id or prefix.")],
    force: Annotated[bool, typer.Option(help="Generate again even if cached.")] = False,
) -> None:
    """Run a job again with its stored prompt and parameters."""
    from shotline.app import running_studio

    with running_studio() as studio:
        new_id = studio.engine.retry(_find(studio, job), force=force)
        _follow(studio.engine, new_id, f"retry of {job}")
        _report(new_id, studio, None)


@app.command()
@friendly
def credits(
    user: Annotated[str | None, typer.Option(help="Whose credits (default: you).")] = None,
    reset: Annotated[bool, typer.Option(help="Admin: give back today's used frames.")] = False,
) -> None:
    """Today's frame credits: granted, used, held by running jobs, left, and when they reset."""
    from shotline.app import build_studio

    studio = build_studio()
    who = user or studio.settings.user
    ledger = studio.engine.ledger
    balance = ledger.reset(who) if reset else ledger.balance(who)
    colour = "green" if balance.remaining > 0 else "red"
    console.print(
        f"[bold]{who}[/]: [{colour}]{balance.remaining}[/] of {balance.granted} frames left today "
        f"({balance.used} used, {balance.reserved} held by running jobs); "
        f"resets {balance.resets_at:%Y-%m-%d %H:%M} UTC"
    )


@app.command()
@friendly
def worker() -> None:
    """Work the generation queues of the configured database until Ctrl-C (scale-out)."""
    from shotline.app import serve_worker
    from shotline.db import printable_url

    settings = Settings()
    errors.print(f"worker on {printable_url(settings.database)} (Ctrl-C to stop)", highlight=False)
    serve_worker(settings)
