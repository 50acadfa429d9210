"""Generation commands: generate, jobs, credits, worker."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shotline.cli.common import (
    app,
    console,
    errors,
    friendly,
    interrupted,
    load_settings,
    open_timeline,
    parse_fps,
    parse_size,
    progress_bar,
)
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


WAIT_SECONDS = 6 * 3600.0  # as long as a remote job may run (JobsConfig.remote_timeout_seconds)


def _follow(engine: GenerationEngine, job_id: str, label: str) -> None:
    """Show the job's progress until it ends. Ctrl-C leaves it queued (the next process with an
    engine, or a worker, finishes it); a cancel from another shell ends this one in a line."""
    from shotline.jobs.status import JobStatus

    started = time.monotonic()
    try:
        with progress_bar(label) as report:
            while True:
                job = engine.get(job_id)
                report(job.progress)
                if job.finished:
                    break
                # Bounded: past WAIT_SECONDS, or queued where no live worker serves its queue,
                # this ends the wait in one line saying what the job waits for.
                engine.check_wait(job, started, WAIT_SECONDS)
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
    frames: Annotated[
        int | None,
        typer.Option(min=1, help="Frame count (video; default 49, or in to out), 1 or more."),
    ] = None,
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
    timeline: Annotated[
        Path | None,
        typer.Option(help="Generate between --in and --out of this saved timeline (video)."),
    ] = None,
    in_point: Annotated[float | None, typer.Option("--in", help="In point, seconds.")] = None,
    out_point: Annotated[float | None, typer.Option("--out", help="Out point, seconds.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Accept an unknown cost.")] = False,
    budget: Annotated[
        Decimal | None, typer.Option(help="Refuse if the estimate is above this (USD).")
    ] = None,
) -> None:
    """Run one generation through the engine: cost estimate, credits, cache, progress.

    With --timeline T.json --in S --out S (video): the frames under in and out (within two
    frames of a clip's edge; none from a gap) are the first and last frames, and the result is
    written into the timeline as a clip on a free track above its sources, linked to them.

    ``--model`` takes our short name (ltx-2) or the provider's own endpoint id as its model page
    spells it (fal-ai/ltx-2-19b/distilled/image-to-video); an endpoint id we have no table for
    is passed through as given, and its cost, unknown before it runs, needs --yes or --budget."""
    from shotline.app import running_studio

    if kind not in KINDS:
        raise typer.BadParameter(f"kind must be one of {', '.join(KINDS)}")
    if timeline is not None or in_point is not None or out_point is not None:
        if kind != "video" or timeline is None or in_point is None or out_point is None:
            raise typer.BadParameter("generate video --timeline T.json --in S --out S: all three")
        if first is not None or last is not None:
            raise typer.BadParameter("with --timeline the first and last frames come from it")
        job = _Job(provider, model, frames, fps, size, audio, seed, force, priority, user, output,
                   yes, budget)  # fmt: skip
        _generate_on_timeline(timeline, in_point, out_point, prompt or "", job)
        return
    if output is not None:  # first: writing over an input is refused whatever the inputs are
        from shotline.files import refuse_overwriting

        inputs = [p for p in (first, last, video, sound, *(ref or [])) if p is not None]
        refuse_overwriting(output, inputs)
    request = _request(kind, prompt, first, last, ref or [], frames or 49, fps, size, audio, seed,
                       voice, video, sound)  # fmt: skip
    settings = load_settings()
    with running_studio(settings) as studio:
        provider_id = studio.provider_id(Kind(kind), provider, model)
        _check_cost(studio, provider_id, request, yes=yes, budget=budget)
        job_id = studio.engine.submit(request, provider_id, user or settings.user,
                                      priority=priority, force=force)  # fmt: skip
        _follow(studio.engine, job_id, f"{kind} on {provider_id}")
        _report(job_id, studio, output)


JSON_HELP = "Print JSON (for scripts) instead of a table."


def _print_json(data: object) -> None:
    import json

    # Plain print, not rich: a script reads exactly these bytes (no wrapping, no markup).
    print(json.dumps(data, indent=2, ensure_ascii=False))


@dataclass(frozen=True)
class _Job:
    """The generate options that a timeline generation passes on."""

    provider: str
    model: str | None
    frames: int | None
    fps: str
    size: str
    audio: bool
    seed: int | None
    force: bool
    priority: int
    user: str | None
    output: Path | None
    yes: bool
    budget: Decimal | None


def _generate_on_timeline(
    path: Path, in_point: float, out_point: float, prompt: str, opts: _Job
) -> None:
    """The core loop from the command line: frames under in/out, one job, a linked clip."""
    from shotline.app import running_studio
    from shotline.files import refuse_overwriting
    from shotline.media.frames import extract_frame, save_png
    from shotline.media.probe import probe
    from shotline.media.sources import resolve_source
    from shotline.savefile import save_timeline
    from shotline.timeline import Clip, FrameRef
    from shotline.timeline.placement import place_generated, plan_generation
    from shotline.timeline.timecode import frame_count, frame_start

    rate, (width, height) = parse_fps(opts.fps), parse_size(opts.size)
    edit = open_timeline(path)
    span = plan_generation(edit, in_point, out_point)
    frames = opts.frames or max(2, frame_count(span.duration, rate))
    settings = load_settings()

    def boundary(ref: FrameRef | None, name: str, folder: Path) -> Path | None:
        if ref is None or ref.source is None:
            return None  # a gap (or a clip with no media yet) sends no frame
        return save_png(extract_frame(resolve_source(ref.source, path.parent), frame=ref.frame),
                        folder / name)  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="shotline-frames-") as tmp:
        request = VideoRequest(
            prompt, frames=frames, fps=rate, width=width, height=height,
            first_frame=boundary(span.frames.first, "in.png", Path(tmp)),
            last_frame=boundary(span.frames.last, "out.png", Path(tmp)),
            audio=opts.audio, seed=opts.seed,
        )  # fmt: skip
        with running_studio(settings) as studio:
            provider_id = studio.provider_id(Kind.VIDEO, opts.provider, opts.model)
            _check_cost(studio, provider_id, request, yes=opts.yes, budget=opts.budget)
            who = opts.user or settings.user
            job_id = studio.engine.submit(
                request, provider_id, who, priority=opts.priority, force=opts.force
            )
            _follow(studio.engine, job_id, f"video on {provider_id}")
            media = opts.output or path.parent / "media" / f"generated-{job_id[:8]}.mp4"
            refuse_overwriting(media, [path])
            _report(job_id, studio, media)  # copies the result beside the timeline
            job = studio.engine.get(job_id)
    info = probe(media)
    length = info.duration
    if info.fps is not None and info.frame_count:
        length = float(frame_start(info.frame_count, info.fps))
    source = os.path.relpath(media.resolve(), path.parent.resolve())
    clip = Clip(
        id=f"gen-{job_id[:8]}", name=f"AI: {prompt}" if prompt else "AI clip", start=in_point,
        duration=length, source=Path(source).as_posix(), source_duration=length,
        source_fps=info.fps, width=info.width, height=info.height, has_audio=info.has_audio,
        prompt=prompt or None, cost=float(job.actual_cost) if job.actual_cost is not None else None,
        extra={"jobId": job_id},
    )  # fmt: skip
    if edit.has_clip(clip.id):
        clip = clip.with_(id=f"{clip.id}-{len(edit.clips)}")  # the same cached result again
    placed = place_generated(edit, span, clip)
    save_timeline(placed, path)
    sent = [
        f"{side} frame {ref.frame} of {ref.clip_id!r}" if ref else f"no {side} frame (gap)"
        for side, ref in (("first", span.frames.first), ("last", span.frames.last))
    ]
    final = placed.clip(clip.id)
    console.print(
        f"placed [bold]{final.id}[/] on V{final.track_index + 1} at {final.start:.3f}-"
        f"{final.end:.3f} s in {path}, linked to {', '.join(final.linked_clip_ids) or 'nothing'}; "
        f"sent {', '.join(sent)}",
        highlight=False,
    )


@jobs_app.command("list")
@friendly
def jobs_list(
    status: Annotated[str | None, typer.Option(help="queued, running, succeeded...")] = None,
    user: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option()] = 20,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Recent jobs, newest first. Ids are printed whole; any unique start of one works in
    ``jobs show``, ``cancel`` and ``retry``."""
    from shotline.app import build_studio
    from shotline.jobs.status import JobStatus

    if status is not None and status not in set(JobStatus):
        raise typer.BadParameter(
            f"--status must be one of {', '.join(s.value for s in JobStatus)}, not {status!r}"
        )
    wanted = JobStatus(status) if status else None
    studio = build_studio()
    jobs = studio.engine.list(user=user, status=wanted, limit=limit)
    if as_json:
        _print_json([job.as_json() for job in jobs])
        return
    # The id and the status are never cut (in a pipe or a narrow terminal too): the id is what
    # the other commands take. The provider, last, gives way instead.
    rows = [("job", "status", "kind", "cost", "created", "provider")]
    for job in jobs:
        cost = job.actual_cost if job.actual_cost is not None else job.estimated_cost
        rows.append((
            job.id, job.status.value, job.kind, "cached" if job.cache_hit else _money(cost),
            f"{job.created_at:%m-%d %H:%M}", job.provider,
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    room = console.width - sum(widths) - len(widths)
    for row in rows:
        line = " ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        if room >= 4:
            line += " " + (row[5] if len(row[5]) <= room else row[5][: room - 1] + "…")
        console.print(line.rstrip(), markup=False, highlight=False, soft_wrap=True)


def _find(studio: Studio, ref: str) -> str:
    """A job id from the id or any unique prefix of it."""
    return studio.engine.resolve(ref)


@jobs_app.command("show")
@friendly
def jobs_show(
    job: Annotated[str, typer.Argument(help="Job id or any unique start of it.")],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """One job in full, with its events."""
    from shotline.app import build_studio

    studio = build_studio()
    job_id = _find(studio, job)
    events = studio.engine.store.events(job_id)
    if as_json:
        record = studio.engine.get(job_id).as_json()
        record["events"] = [
            {"seq": e.seq, "status": e.status.value, "progress": e.progress,
             "message": e.message, "at": e.at.isoformat()}
            for e in events
        ]  # fmt: skip
        _print_json(record)
        return
    for event in events:
        console.print(f"{event.at:%H:%M:%S} {event.status.value:<9} {event.message}")
    with contextlib.suppress(typer.Exit):  # show informs: a failed job is not a failed command
        _report(job_id, studio, None, detail=True)


@jobs_app.command("cancel")
@friendly
def jobs_cancel(
    job: Annotated[str, typer.Argument(help="Job id or any unique start of it.")],
) -> None:
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
    job: Annotated[str, typer.Argument(help="Job id or any unique start of it.")],
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
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Today's frame credits: granted, used, held by running jobs, left, and when they reset."""
    from shotline.app import build_studio

    studio = build_studio()
    who = user or studio.settings.user
    ledger = studio.engine.ledger
    balance = ledger.reset(who) if reset else ledger.balance(who)
    if as_json:
        _print_json({
            "user": who, "day": balance.day, "granted": balance.granted, "used": balance.used,
            "reserved": balance.reserved, "remaining": balance.remaining,
            "resets_at": balance.resets_at.isoformat(),
        })  # fmt: skip
        return
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

    settings = load_settings()
    errors.print(f"worker on {printable_url(settings.database)} (Ctrl-C to stop)", highlight=False)

    def started(engine: GenerationEngine) -> None:
        queues = ", ".join(engine.queues) or "no queue (no provider configured)"
        errors.print(f"worker {engine.executor_id} serves {queues}", highlight=False)

    serve_worker(settings, started=started)
