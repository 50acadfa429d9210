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

from shotline.cli.common import (
    app,
    console,
    errors,
    friendly,
    interrupted,
    parse_fps,
    parse_size,
    progress_bar,
)
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


def _image(path: Path | None, what: str) -> Path | None:
    """An image option, checked before any job exists (a job would fail later, nameless)."""
    from PIL import Image, UnidentifiedImageError

    found = _existing(path, what)
    if found is not None:
        try:
            with Image.open(found) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise typer.BadParameter(
                f"{what} {path} is not an image (PNG, JPEG or WebP expected)"
            ) from None
    return found


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
            first_frame=_image(first, "--first"), last_frame=_image(last, "--last"),
            audio=audio, seed=seed,
        )  # fmt: skip
    if kind == "image":
        references = tuple(p for p in (_image(r, "--ref") for r in refs) if p is not None)
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


def _follow(engine: GenerationEngine, job_id: str, label: str) -> None:
    """Show the job's progress until it ends. Ctrl-C leaves it queued (the next process with an
    engine, or a worker, finishes it); a cancel from another shell ends this one in a line."""
    from shotline.jobs.status import JobStatus

    try:
        with progress_bar(label) as report:
            while True:
                job = engine.get(job_id)
                report(job.progress)
                if job.finished:
                    break
                time.sleep(0.1)
    except KeyboardInterrupt:
        interrupted(f"job {job_id} is left to finish: the next generate or `shotline worker` "
                    f"continues it; `shotline jobs cancel {job_id}` stops it")  # fmt: skip
    if job.status is JobStatus.CANCELED:
        errors.print(f"[bold red]canceled:[/] job {job_id} was canceled (shotline jobs "
                     "cancel); its credits were refunded", highlight=False)  # fmt: skip
        raise typer.Exit(1)


EXTENSIONS = {
    "video/mp4": ".mp4",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/mpeg": ".mp3",
    "application/json": ".json",
    "model/gltf-binary": ".glb",
}


def _viewable(studio: Studio, sha: str, job_id: str) -> Path:
    """A file a person can open: the asset under ``<data>/results/`` with its type's extension
    (blobs are stored by hash, without one). A hard link where possible: no second copy."""
    import mimetypes

    asset = studio.engine.catalog.get(sha)
    blob = studio.engine.catalog.local_path(sha)
    suffix = EXTENSIONS.get(asset.mime) or mimetypes.guess_extension(asset.mime) or ""
    target = studio.settings.data_dir / "results" / f"{job_id}{suffix}"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.hardlink_to(blob)
        except OSError:  # another filesystem (an S3 cache): copy
            shutil.copyfile(blob, target)
    return target


def _report(job_id: str, studio: Studio, output: Path | None, *, detail: bool = False) -> None:
    """The job as aligned lines, never cut: ids and paths are for copying."""
    import json

    job = studio.engine.get(job_id)
    rows = {
        "job": job.id,
        "status": job.status.value,
        "provider": f"{job.provider} ({job.model})",
    }
    if detail:
        label = studio.engine.labels.get(job.id)
        if label is not None:
            rows["made for"] = f"{label.origin} ({label.name})"
        if job.prompt:
            rows["prompt"] = job.prompt
        rows["parameters"] = json.dumps(job.params, sort_keys=True, default=str)
    rows |= {
        "estimated cost": _money(job.estimated_cost),
        "actual cost": _money(job.actual_cost),
        "cache": "hit: reused an earlier result, nothing paid" if job.cache_hit else "miss",
        "frames charged": str(job.frames),
    }
    events = studio.engine.store.events(job.id)
    if events and events[0].message:  # what conforming to the model changed, or the cache source
        rows["adjusted" if not job.cache_hit else "source"] = events[0].message
    if job.result_asset:
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(studio.engine.catalog.local_path(job.result_asset), output)
            rows["asset"] = str(output)
        else:
            rows["asset"] = str(_viewable(studio, job.result_asset, job.id))
    if job.error_message:
        rows["error"] = f"{job.error_type}: {job.error_message}"
    width = max(len(key) for key in rows)
    for key, value in rows.items():
        console.print(f"[bold]{key:<{width}}[/]  ", end="")
        console.print(value, highlight=False, markup=False)
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
    frames: Annotated[int, typer.Option(min=1, help="Frame count (video), 1 or more.")] = 49,
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
) -> None:
    """Run one generation through the engine: cost estimate, credits, cache, progress."""
    from shotline.app import running_studio

    if kind not in KINDS:
        raise typer.BadParameter(f"kind must be one of {', '.join(KINDS)}")
    request = _request(kind, prompt, first, last, ref or [], frames, fps, size, audio, seed,
                       voice, video, sound)  # fmt: skip
    settings = Settings()
    with running_studio(settings) as studio:
        provider_id = studio.provider_id(Kind(kind), provider, model)
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
    if status is not None and status not in set(JobStatus):
        raise typer.BadParameter(
            f"--status must be one of {', '.join(s.value for s in JobStatus)}, not {status!r}"
        )
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
        _report(job_id, studio, None, detail=True)


@jobs_app.command("cancel")
@friendly
def jobs_cancel(job: Annotated[str, typer.Argument(help="Job id or prefix.")]) -> None:
    """Cancel a queued or running job; its credits are refunded."""
    from shotline.app import running_studio
    from shotline.jobs.status import JobStatus

    with running_studio(work=False) as studio:
        job_id = _find(studio, job)
        before = studio.engine.get(job_id)
        record = studio.engine.cancel(job_id)
        if record.status is not JobStatus.CANCELED or before.finished:
            errors.print(f"[bold red]error:[/] could not cancel job {record.id}: it has "
                         f"already ended ({record.status.value})", highlight=False)  # fmt: skip
            raise typer.Exit(1)
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

    settings = Settings()
    errors.print(f"worker on {settings.database} (Ctrl-C to stop)", highlight=False)
    serve_worker(settings)
