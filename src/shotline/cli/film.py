"""``shotline film``: idea (or script) to film, with checkpoints, status, picks and resume.

``film`` is a group whose default command is ``new``: ``shotline film "an idea" ...`` and
``shotline film --script s.yaml ...`` start a run, while ``status``, ``pick`` and ``resume``
(and ``new``, spelt out) are subcommands. A first argument that names no subcommand is the idea.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.table import Table
from typer.core import TyperGroup

from shotline.cli.common import (
    app,
    console,
    errors,
    friendly,
    interrupted,
    load_settings,
    parse_fps,
    parse_size,
)

if TYPE_CHECKING:  # imported lazily at run time: the pipeline pulls in the engine and DBOS
    from rich.progress import Progress, TaskID

    from shotline.config import Settings
    from shotline.film.budget import Estimate
    from shotline.film.runs import Run, RunState

P = ParamSpec("P")
R = TypeVar("R")


class FilmGroup(TyperGroup):
    """Anything that is not a subcommand (an idea, ``--script``) goes to ``new``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["new", *args]
        return super().parse_args(ctx, args)


film_app = typer.Typer(
    cls=FilmGroup,
    help="Idea to film: script, references, keyframes, speech, video, lip sync, assembly.",
)
app.add_typer(film_app, name="film")


def film_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """The film's own user errors, printed whole (a script error lists every problem)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from shotline.film.budget import BudgetExceeded
        from shotline.film.checkpoints import PickError
        from shotline.film.runs import RunBusy, RunNotFound
        from shotline.story.errors import ScriptError

        try:
            return fn(*args, **kwargs)
        except (ScriptError, PickError, RunNotFound, BudgetExceeded, RunBusy, RunElsewhere) as exc:
            errors.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        except typer.BadParameter as exc:  # typer's vendored click: `friendly` misses it
            errors.print(f"[bold red]error:[/] {exc.format_message()}", highlight=False)
            raise typer.Exit(2) from None

    return friendly(wrapper)


class RunElsewhere(RuntimeError):
    """The run's jobs and cached assets live in a data folder that is gone."""


# -- progress ------------------------------------------------------------------------------------


class RichProgress:
    """One bar per sub-step ("keyframes 4/11"), a rule per phase, notes as lines."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.tasks: dict[str, TaskID] = {}

    def phase(self, title: str) -> None:
        self.bar.console.rule(f"[bold]{title}")
        self.tasks.clear()

    def step(self, label: str, done: int, total: int) -> None:
        task = self.tasks.get(label)
        if task is None:
            task = self.tasks[label] = self.bar.add_task(label, total=total)
        self.bar.update(task, completed=done, total=total)

    def note(self, text: str) -> None:
        self.bar.console.print(f"  {text}", highlight=False, markup=False)


@contextmanager
def rich_progress() -> Iterator[RichProgress]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("  {task.description:<16}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console) as bar:
        yield RichProgress(bar)


def _approver(yes: bool) -> Callable[[Estimate], bool]:
    def approve(estimate: Estimate) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            return False  # nobody to ask: the run waits for `film resume RUN --yes`
        return typer.confirm(f"{estimate.describe()}. Generate?", default=False)

    return approve


# -- reporting -----------------------------------------------------------------------------------


def _money(text: Any) -> str:
    return f"${Decimal(str(text)):.4f}"


def print_report(state: RunState, run: Run) -> None:
    report = state.report
    if report.get("kinds"):
        table = Table("artifacts", "reused", "regenerated", "failed", "skipped", "saved", "paid",
                      title="this run", title_justify="left")  # fmt: skip
        for kind, row in report["kinds"].items():
            counts = [str(row[k]) for k in ("reused", "regenerated", "failed", "skipped")]
            table.add_row(kind, *counts, _money(row["saved"]), _money(row["paid"]))
        console.print(table)
        console.print(f"saved {_money(report['saved'])} by reusing cached results; paid "
                      f"{_money(report['paid'])} (run total {_money(state.spent)})")  # fmt: skip
    for note in report.get("notes", []):
        console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    colour = {"done": "green", "failed": "red"}.get(state.phase.value, "yellow")
    console.print(f"run [bold]{state.id}[/]: [{colour}]{state.phase.value}[/]", highlight=False)
    if state.message:
        console.print(state.message, highlight=False, markup=False, soft_wrap=True)
    for name, path in state.outputs.items():  # unwrapped: paths must stay copyable
        console.print(f"  {name:<11} {path}", highlight=False, markup=False, soft_wrap=True)
    if state.phase.waiting and "pick" in state.phase.value:
        folder = "references" if state.phase.value.endswith("refs") else "keyframes"
        console.print(f"  variants    {run.path(folder)} (all on {run.path(folder, 'sheet.png')})",
                      highlight=False, markup=False)  # fmt: skip


# -- running -------------------------------------------------------------------------------------


def _settings_for(run: Run, *, here: bool = False) -> Settings:
    """The settings whose database and assets hold the run's jobs: the data folder the run was
    made in (said aloud when it is not the configured one), or, with ``here``, the configured
    one (the run adopts it; what is not cached there is generated again)."""
    settings = load_settings()
    state = run.load()
    home = run.home(state)
    if home.resolve() == settings.data_dir.resolve():
        return settings
    if here:
        state.data_dir = str(settings.data_dir.absolute())
        run.save(state)
        console.print(f"run {run.id} now uses the data folder {settings.data_dir}: anything not "
                      "cached there is generated again", highlight=False)  # fmt: skip
        return settings
    if settings.database_url or (home / "shotline.db").is_file():
        console.print(f"run {run.id} belongs to the data folder {home}: using its jobs and "
                      "cached assets", highlight=False)  # fmt: skip
        return settings.model_copy(update={"data_dir": home})
    raise RunElsewhere(
        f"run {run.id} was made with the data folder {home}, which is gone; resuming with "
        f"{settings.data_dir} would generate all of it again: give --here to do that"
    )


def _execute(run: Run, *, yes: bool, settings: Settings | None = None) -> None:
    from shotline.app import running_studio
    from shotline.film.generation import JobCanceled

    console.print(f"run [bold]{run.id}[/] in {run.folder}", highlight=False)
    with running_studio(settings or _settings_for(run)) as studio, rich_progress() as progress:
        pipeline = studio.film_pipeline(run, progress=progress, approve=_approver(yes))
        try:
            state = pipeline.execute()
        except KeyboardInterrupt:  # the pipeline saved where it stopped; leave at once
            progress.bar.stop()
            interrupted(f"run {run.id} stopped; its jobs stay queued: "
                        f"shotline film resume {run.id} continues it")  # fmt: skip
        except JobCanceled as exc:
            progress.bar.stop()
            errors.print(f"[bold red]canceled:[/] {exc}; run {run.id} stopped "
                         f"(shotline film resume {run.id} generates it again)",
                         highlight=False)  # fmt: skip
            raise typer.Exit(1) from None
        finally:
            progress.bar.stop()
    print_report(state, run)
    if state.phase.value == "failed":
        raise typer.Exit(1)


def _budget(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.lstrip("$"))
    except InvalidOperation:
        raise typer.BadParameter(f"--budget expects US dollars like 2.50, got {text!r}") from None
    if value < 0:
        raise typer.BadParameter("--budget cannot be negative")
    return value


def _check_providers(settings: Settings, chain: list[str], writing: bool) -> None:
    """Every kind of model the film needs has a provider in ``--providers``, before any run
    exists (a run that could not start is not kept)."""
    from shotline.app import build_registry_for
    from shotline.film.generation import missing_kinds, missing_kinds_message
    from shotline.providers.contracts import Kind
    from shotline.providers.errors import NotConfigured

    registry = build_registry_for(settings)
    kinds = [Kind.WRITER] if writing else []
    kinds += [Kind.IMAGE, Kind.SPEECH, Kind.VIDEO]
    missing = missing_kinds(registry, chain, kinds)
    if missing:
        raise NotConfigured(missing_kinds_message(registry, chain, missing))


@film_app.command("new")
@film_errors
def new(
    idea: Annotated[str | None, typer.Argument(help="The film idea, one sentence.")] = None,
    script: Annotated[
        Path | None, typer.Option(help="Start from this script (YAML/JSON) instead of an idea.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Copy the film here.")
    ] = None,
    segments: Annotated[
        int, typer.Option(min=1, max=60, help="Segments to write (N; N+1 keyframes).")
    ] = 10,
    yolo: Annotated[bool, typer.Option(help="Unattended: pick variant 0 at checkpoints.")] = False,
    variants: Annotated[
        int, typer.Option(min=1, max=8, help="Variants per reference and keyframe.")
    ] = 3,
    providers: Annotated[
        str, typer.Option(help="Provider families or ids in order: offline, fal, replicate...")
    ] = "offline",
    budget: Annotated[str | None, typer.Option(help="Most USD this run may spend.")] = None,
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT of the film.")] = "1280x720",
    fps: Annotated[str, typer.Option(help="Frame rate of the film.")] = "24",
    style: Annotated[str | None, typer.Option(help="Visual style for the writer.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Approve Phase 3's cost.")] = False,
) -> None:
    """Make a film from an idea (or a script): shotline film "an idea" -o film.mp4 --yolo"""
    from shotline.film.runs import Run, RunOptions
    from shotline.story.script import load_script, save_script

    if (idea is None) == (script is None):
        raise typer.BadParameter("give an IDEA or --script FILE (one of them)")
    if idea is not None and not idea.strip():
        raise typer.BadParameter("the idea is empty: say in a sentence what the film is about")
    if output is not None and script is not None:
        from shotline.files import refuse_overwriting

        refuse_overwriting(output, [script])
    width, height = parse_size(size)
    rate = parse_fps(fps)
    spend = _budget(budget)
    loaded = load_script(script) if script is not None else None  # validated before any write
    chain = [p.strip() for p in providers.split(",") if p.strip()] or ["offline"]
    settings = load_settings()
    _check_providers(settings, chain, writing=loaded is None)
    options = RunOptions(
        idea=idea.strip() if idea else None, segments=segments, variants=variants,
        providers=chain, budget=spend, width=width, height=height, fps=str(rate), yolo=yolo,
        style=style, output=str(output.resolve()) if output else None, user=settings.user,
    )  # fmt: skip
    label = loaded.title if loaded is not None else idea or "film"
    run = Run.create(settings.data_dir, options, label)
    with run.lock("film new"):
        if loaded is not None:
            save_script(loaded, run.script_path)
        _execute(run, yes=yes, settings=settings)


@film_app.command("pick")
@film_errors
def pick(
    run_id: Annotated[str, typer.Argument(metavar="RUN")],
    what: Annotated[str, typer.Argument(help="refs or keyframes")],
    choices: Annotated[
        list[str],
        typer.Argument(
            help="KEY=VARIANT (refs: mara=1, environment:dock=0, or KEY=guide.png "
            "for your own image; keyframes: K3=2)"
        ),
    ],
) -> None:
    """Record picks at the checkpoint the run waits at; then `shotline film resume RUN`."""
    from shotline.film.checkpoints import (
        PickError,
        checkpoint_message,
        pick_keyframes,
        pick_refs,
        waiting_for,
    )
    from shotline.film.runs import Phase, Run
    from shotline.story.script import load_script

    refs = what in ("refs", "references")
    if not refs and what not in ("keyframes", "keys"):
        raise typer.BadParameter(f"pick refs or keyframes, not {what!r}")
    run = Run.find(load_settings().data_dir, run_id)
    with run.lock("film pick"):
        state = run.load()
        wanted = Phase.AWAITING_PICK_REFS if refs else Phase.AWAITING_PICK_KEYFRAMES
        if state.phase is not wanted:
            waits = {Phase.AWAITING_PICK_REFS: "reference picks",
                     Phase.AWAITING_PICK_KEYFRAMES: "keyframe picks"}.get(state.phase)  # fmt: skip
            now = f"waits for {waits}" if waits else f"is {state.phase.value}"
            raise PickError(f"run {run.id} {now}: {'reference' if refs else 'keyframe'} picks "
                            "are taken only while the run waits for them")  # fmt: skip
        script = load_script(run.script_path)
        if refs:
            picks = pick_refs(run, script, state.options.variants, choices)
            shown = ", ".join(f"{k}={v}" for k, v in picks.refs.items())
            console.print("reference picks: " + shown)
        else:
            picks = pick_keyframes(run, script, state.options.variants, choices)
            ordered = sorted(picks.keyframes.items(), key=_boundary)
            shown = ", ".join(f"K{k}={v}" for k, v in ordered)
            console.print("keyframe picks: " + shown)
        state.message = checkpoint_message(run.id, state, picks, waiting_for(state, script, picks))
        run.save(state)
    console.print(state.message, highlight=False, markup=False)


def _boundary(item: tuple[str, int]) -> int:
    return int(item[0])


@film_app.command("resume")
@film_errors
def resume(
    run_id: Annotated[str, typer.Argument(metavar="RUN")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Approve Phase 3's cost.")] = False,
    budget: Annotated[str | None, typer.Option(help="Raise or set the run's budget (USD).")] = None,
    yolo: Annotated[bool, typer.Option(help="Finish unattended from here.")] = False,
    here: Annotated[
        bool,
        typer.Option(
            help="Use the configured data folder though the run was made with another one "
            "(what is not cached here is generated again)."
        ),
    ] = False,
) -> None:
    """Continue a run after picks, a crash, or an edit of its script.yaml (only what the edit
    changed is generated again)."""
    from shotline.film.runs import Run

    run = Run.find(load_settings().data_dir, run_id)
    with run.lock("film resume"):
        settings = _settings_for(run, here=here)  # refuses before anything is paid
        state = run.load()
        if budget is not None:
            state.options.budget = _budget(budget)
        if yolo:
            state.options.yolo = True
        run.save(state)
        _execute(run, yes=yes, settings=settings)
