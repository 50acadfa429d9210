"""``shotline film status|runs|rm|refresh|schema``: looking after runs once they exist.

Everything here reads the run folder as it is now (``film pick`` in another shell may have
changed it since the pipeline stopped) and prints ids, phases and paths whole: a person copies
them into the next command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shotline.cli.common import console, load_settings
from shotline.cli.film import film_app, film_errors, print_report

if TYPE_CHECKING:
    from shotline.config import Settings
    from shotline.film.runs import Run, RunState
    from shotline.providers.contracts import Kind, ProviderInfo
    from shotline.providers.registry import ProviderRegistry
    from shotline.story.script import Script


# -- what a run is now ---------------------------------------------------------------------------


def _script(run: Run) -> Script | None:
    from shotline.story.errors import ScriptError
    from shotline.story.script import load_script

    try:
        return load_script(run.script_path) if run.script_path.is_file() else None
    except ScriptError:
        return None  # a hand edit that does not validate: `film resume` says what is wrong


def _title(run: Run, state: RunState) -> str:
    script = _script(run)
    return script.title if script is not None else state.options.idea or ""


def describe(run: Run) -> dict[str, Any]:
    """The run as ``film status --json`` gives it: what ``film status`` prints, as data."""
    from shotline.film.checkpoints import checkpoint_message, waiting_for
    from shotline.film.keyframes import stale

    state = run.load()
    picks = run.picks()
    script = _script(run)
    waiting = waiting_for(state, script, picks) if script is not None else []
    message = state.message
    if state.phase.waiting and state.phase.value.startswith("awaiting_pick") and script:
        message = checkpoint_message(run.id, state, picks, waiting)  # current, not as stopped
    return {
        "id": run.id,
        "phase": state.phase.value,
        "message": message,
        "title": _title(run, state),
        "folder": str(run.folder),
        "data_dir": str(run.home(state)),
        "created_at": state.created_at.isoformat(),
        "updated_at": state.updated_at.isoformat(),
        "options": state.options.model_dump(mode="json"),
        "picks": {"refs": picks.refs, "keyframes": picks.keyframes},
        "waiting_for": waiting,
        "stale_keyframes": stale(run.folder, script) if script is not None else [],
        "spent": str(state.spent),
        "report": state.report,
        "outputs": state.outputs,
    }


def _money(value: Any) -> str:
    return "an unknown sum" if value is None else f"${Decimal(str(value)):.4f}"


def _total(prices: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of estimates; None when any is unknown (a model with no published price)."""
    total = Decimal(0)
    for price in prices:
        if price is None:
            return None
        total += price
    return total


@film_app.command("status")
@film_errors
def status(
    run_id: Annotated[str | None, typer.Argument(metavar="RUN")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print it as JSON.")] = False,
) -> None:
    """A run's phase, what it waits for, its last accounting and outputs (no RUN: all runs)."""
    from shotline.film.runs import Run

    settings = load_settings()
    if run_id is None:
        _list(settings, as_json)
        return
    run = Run.find(settings.data_dir, run_id)
    data = describe(run)
    if as_json:
        print(json.dumps(data, indent=2))
        return
    state = run.load()
    options = state.options
    console.print(f"providers {','.join(options.providers)}, {options.width}x{options.height} @ "
                  f"{options.fps} fps, {options.variants} variants, "
                  f"{'YOLO' if options.yolo else 'checkpoints'}"
                  + (f", budget {_money(options.budget)}" if options.budget is not None else ""),
                  highlight=False)  # fmt: skip
    picks = data["picks"]
    if picks["refs"] or picks["keyframes"]:
        chosen = [f"{k}={v}" for k, v in picks["refs"].items()]
        chosen += [f"K{k}={v}" for k, v in picks["keyframes"].items()]
        console.print("picks: " + " ".join(chosen), highlight=False, markup=False)
    state.message = data["message"]
    print_report(state, run)
    if data["stale_keyframes"]:
        names = ", ".join(f"K{i}" for i in data["stale_keyframes"])
        console.print(
            f"[yellow]stale:[/] {names}: the prompts still describe their segments as they were "
            f"before an edit; shotline film refresh {run.id} rewrites them (cost shown first)",
            highlight=False,
        )


@film_app.command("runs")
@film_errors
def runs(
    as_json: Annotated[bool, typer.Option("--json", help="Print it as JSON.")] = False,
) -> None:
    """Every run in the data folder, oldest first: id, phase, when, title."""
    _list(load_settings(), as_json)


def _list(settings: Settings, as_json: bool) -> None:
    from shotline.film.runs import Run, runs_root

    found = Run.all(settings.data_dir)
    if as_json:
        print(json.dumps([describe(run) for run in found], indent=2))
        return
    if not found:
        console.print(f"no film runs in {runs_root(settings.data_dir)}", highlight=False)
        return
    rows = [("RUN", "PHASE", "CREATED (UTC)", "TITLE / IDEA")]
    for run in found:
        state = run.load()
        when = f"{state.created_at:%Y-%m-%d %H:%M}"
        rows.append((run.id, state.phase.value, when, _title(run, state)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:  # whole ids and phases, padded, never cut to the terminal's width
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        console.print("  ".join([*cells, row[3]]).rstrip(), highlight=False, markup=False)


@film_app.command("rm")
@film_errors
def rm(
    run_id: Annotated[str, typer.Argument(metavar="RUN")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Also delete a finished film.")] = False,
) -> None:
    """Delete a run's folder. Cached generations stay in the data folder's store, where other
    runs (and a new run of the same script) reuse them for free."""
    from shotline.film.runs import Phase, Run

    run = Run.find(load_settings().data_dir, run_id)
    state = run.load()
    if state.phase is Phase.DONE and not yes:
        console.print(f"run {run.id} is done (its film: {state.outputs.get('film', '-')}); "
                      "give --yes to delete it anyway", highlight=False)  # fmt: skip
        raise typer.Exit(1)
    run.remove()
    console.print(f"removed run {run.id} ({run.folder}); cached assets stay in "
                  f"{run.home(state)} for other runs", highlight=False)  # fmt: skip


@film_app.command("refresh")
@film_errors
def refresh(
    run_id: Annotated[str, typer.Argument(metavar="RUN")],
    keyframes: Annotated[
        list[str] | None, typer.Argument(help="K2 K3 ... (default: every stale keyframe)")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Accept the cost shown.")] = False,
) -> None:
    """Rewrite stale keyframe prompts from their segments (shows what redrawing them costs);
    then `shotline film resume RUN` redraws those keyframes and their segments."""
    from shotline.film.checkpoints import PickError, resolve_keyframe
    from shotline.film.keyframes import refresh as rewrite
    from shotline.film.keyframes import stale
    from shotline.film.runs import Run
    from shotline.story.script import load_script

    run = Run.find(load_settings().data_dir, run_id)
    with run.lock("film refresh"):
        script = load_script(run.script_path)
        stale_now = stale(run.folder, script)
        chosen = [resolve_keyframe(script, k) for k in keyframes or []] or stale_now
        fresh = [f"K{i}" for i in chosen if i not in stale_now]
        if fresh:
            raise PickError(f"{', '.join(fresh)} already match their segments (stale: "
                            f"{', '.join(f'K{i}' for i in stale_now) or 'none'})")  # fmt: skip
        if not chosen:
            console.print(f"run {run.id}: every keyframe prompt matches its segments")
            return
        cost = _refresh_cost(run, script, chosen)
        console.print(cost, highlight=False)
        if not yes and not (sys.stdin.isatty() and typer.confirm("Refresh them?", default=False)):
            console.print("nothing changed: give --yes to refresh", highlight=False)
            raise typer.Exit(1)
        rewrite(run.folder, run.script_path, script, chosen)
    names = ", ".join(f"K{i}" for i in chosen)
    console.print(f"refreshed {names}: shotline film resume {run.id} redraws them and their "
                  "segments", highlight=False)  # fmt: skip


def _refresh_cost(run: Run, script: Script, boundaries: list[int]) -> str:
    """What redrawing ``boundaries`` (all variants) and re-making their segments costs, priced
    by the first image and video providers of the run; segment lengths from the narration when
    it exists (a refreshed prompt is a new request: nothing of it is cached)."""
    from shotline.app import build_registry_for
    from shotline.film.generation import missing_kinds
    from shotline.film.timing import generation_length
    from shotline.providers.contracts import ImageRequest, Kind, VideoRequest
    from shotline.story.prompts import keyframe_prompts
    from shotline.timeline.timecode import parse_rate

    state = run.load()
    options = state.options
    registry = build_registry_for(load_settings())
    if missing_kinds(registry, options.providers, [Kind.IMAGE, Kind.VIDEO]):
        return "cost unknown: the run's providers are not all configured here"
    image = _first(registry, options.providers, Kind.IMAGE)
    video = _first(registry, options.providers, Kind.VIDEO)
    prompts = keyframe_prompts(script.model_copy(update={"keyframes": ()}))
    size = (options.width, options.height)
    images = _total(image.pricing.estimate(ImageRequest(prompts[i], *size, seed=v))
                    for i in boundaries for v in range(options.variants))  # fmt: skip
    segments = sorted({s for i in boundaries for s in (i - 1, i) if 0 <= s < len(script.segments)})
    seconds = _slot_seconds(run)
    fps = parse_rate(options.fps)
    lengths = [generation_length(seconds.get(i, 5.0), fps, video.capabilities) for i in segments]
    videos = _total(video.pricing.estimate(VideoRequest("", frames=length.frames, fps=fps,
                                                        width=size[0], height=size[1]))
                    for length in lengths)  # fmt: skip
    count = len(boundaries) * options.variants
    return (f"refreshing {', '.join(f'K{i}' for i in boundaries)} redraws {count} keyframe "
            f"variant(s) ({_money(images)} on {image.id}) and {len(segments)} segment video(s) "
            f"(about {_money(videos)} on {video.id}) at the next resume")  # fmt: skip


def _first(registry: ProviderRegistry, providers: list[str], kind: Kind) -> ProviderInfo:
    """The first choice for ``kind`` among the run's ``--providers``."""
    return registry.get(registry.candidates(kind, providers)[0]).info


def _slot_seconds(run: Run) -> dict[int, float]:
    file = run.path("audio", "narration.json")
    if not file.is_file():
        return {}
    data = json.loads(file.read_text())
    rate = int(data["sampleRate"])
    return {int(s["index"]): (s["slot"][1] - s["slot"][0]) / rate for s in data["segments"]}


@film_app.command("schema")
@film_errors
def schema(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write it here.")] = None,
) -> None:
    """The script format as JSON Schema, generated from the model the pipeline validates with
    (see docs/script.md)."""
    from shotline.story.script import script_schema

    text = json.dumps(script_schema(), indent=2) + "\n"
    if output is None:
        print(text, end="")
        return
    from shotline.files import write_atomic

    write_atomic(output, text.encode("utf-8"))
    console.print(f"wrote {output}", highlight=False)
