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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from typer.core import TyperGroup

from shotline.cli.common import app, console, errors, friendly, parse_fps, parse_size
from shotline.config import Settings

if TYPE_CHECKING:  # imported lazily at run time: the pipeline pulls in the engine and DBOS
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
        from shotline.film.runs import RunNotFound
        from shotline.story.errors import ScriptError

        try:
            return fn(*args, **kwargs)
        except (ScriptError, PickError, RunNotFound, BudgetExceeded) as exc:
            errors.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        except typer.BadParameter as exc:  # typer's vendored click: `friendly` misses it
            errors.print(f"[bold red]error:[/] {exc.format_message()}", highlight=False)
            raise typer.Exit(2) from None

    return friendly(wrapper)


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


def _execute(run: Run, *, yes: bool) -> None:
    from shotline.app import running_studio
    from shotline.film.pipeline import FilmPipeline

    console.print(f"run [bold]{run.id}[/] in {run.folder}", highlight=False)
    with running_studio(Settings()) as studio, rich_progress() as progress:
        pipeline = FilmPipeline(studio, run, progress=progress, approve=_approver(yes))
        try:
            state = pipeline.execute()
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
    segments: Annotated[int, typer.Option(help="Segments to write (N; N+1 keyframes).")] = 10,
    yolo: Annotated[bool, typer.Option(help="Unattended: pick variant 0 at checkpoints.")] = False,
    variants: Annotated[int, typer.Option(help="Variants per reference and keyframe.")] = 3,
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
    if output is not None and script is not None:
        from shotline.files import refuse_overwriting

        refuse_overwriting(output, [script])
    width, height = parse_size(size)
    rate = parse_fps(fps)
    loaded = load_script(script) if script is not None else None  # validated before any write
    chain = [p.strip() for p in providers.split(",") if p.strip()]
    options = RunOptions(
        idea=idea, segments=segments, variants=variants, providers=chain or ["offline"],
        budget=_budget(budget), width=width, height=height, fps=str(rate), yolo=yolo,
        style=style, output=str(output.resolve()) if output else None, user=Settings().user,
    )  # fmt: skip
    settings = Settings()
    label = loaded.title if loaded is not None else idea or "film"
    run = Run.create(settings.data_dir, options, label)
    if loaded is not None:
        save_script(loaded, run.script_path)
    _execute(run, yes=yes)


@film_app.command("status")
@film_errors
def status(run_id: Annotated[str | None, typer.Argument(metavar="RUN")] = None) -> None:
    """A run's phase, what it waits for, its last accounting and outputs (no RUN: all runs)."""
    from shotline.film.runs import Run

    settings = Settings()
    if run_id is None:
        table = Table("run", "phase", "created", "title / idea")
        for run in Run.all(settings.data_dir):
            state = run.load()
            what = state.options.idea or _title(run.script_path)
            table.add_row(state.id, state.phase.value, f"{state.created_at:%Y-%m-%d %H:%M}", what)
        console.print(table)
        return
    run = Run.find(settings.data_dir, run_id)
    state = run.load()
    picks = run.picks()
    options = state.options
    console.print(f"providers {','.join(options.providers)}, {options.width}x{options.height} @ "
                  f"{options.fps} fps, {options.variants} variants, "
                  f"{'YOLO' if options.yolo else 'checkpoints'}"
                  + (f", budget {_money(options.budget)}" if options.budget is not None else ""),
                  highlight=False)  # fmt: skip
    if picks.refs or picks.keyframes:
        chosen = [f"{k}={v}" for k, v in picks.refs.items()]
        chosen += [f"K{k}={v}" for k, v in picks.keyframes.items()]
        console.print("picks: " + " ".join(chosen), highlight=False, markup=False)
    print_report(state, run)


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
    """Record checkpoint picks; then `shotline film resume RUN`."""
    from shotline.film.checkpoints import pick_keyframes, pick_refs
    from shotline.film.runs import Run
    from shotline.story.script import load_script

    run = Run.find(Settings().data_dir, run_id)
    script = load_script(run.script_path)
    variants = run.load().options.variants
    if what in ("refs", "references"):
        picks = pick_refs(run, script, variants, choices)
        console.print("reference picks: " + ", ".join(f"{k}={v}" for k, v in picks.refs.items()))
    elif what in ("keyframes", "keys"):
        picks = pick_keyframes(run, script, variants, choices)
        shown = ", ".join(f"K{k}={v}" for k, v in sorted(picks.keyframes.items(), key=_boundary))
        console.print("keyframe picks: " + shown)
    else:
        raise typer.BadParameter(f"pick refs or keyframes, not {what!r}")
    console.print(f"continue with: shotline film resume {run.id}", highlight=False)


def _title(script: Path) -> str:
    from shotline.story.errors import ScriptError
    from shotline.story.script import load_script

    try:
        return load_script(script).title
    except ScriptError:
        return script.name


def _boundary(item: tuple[str, int]) -> int:
    return int(item[0])


@film_app.command("resume")
@film_errors
def resume(
    run_id: Annotated[str, typer.Argument(metavar="RUN")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Approve Phase 3's cost.")] = False,
    budget: Annotated[str | None, typer.Option(help="Raise or set the run's budget (USD).")] = None,
    yolo: Annotated[bool, typer.Option(help="Finish unattended from here.")] = False,
) -> None:
    """Continue a run after picks, a crash, or an edit of its script.yaml (only what the edit
    changed is generated again)."""
    from shotline.film.runs import Run

    run = Run.find(Settings().data_dir, run_id)
    state = run.load()
    if budget is not None:
        state.options.budget = _budget(budget)
    if yolo:
        state.options.yolo = True
    run.save(state)
    _execute(run, yes=yes)
