"""What every ``shotline`` command shares: the app, one-line errors, progress, option parsers."""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from typer.exceptions import TyperException

if TYPE_CHECKING:
    from shotline.config import Settings

if TYPE_CHECKING:
    from shotline.timeline.model import Timeline

app = typer.Typer(
    help="shotline: a timeline-aware AI film studio.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: typer's rich help imports rich.markdown, markdown-it and rich.traceback,
    # 0.3 s of every ``--help`` (bench/cli.py), for boxes around the same text.
    # Plain usage errors: one "Error: ..." line (rich boxes wrap paths mid-word at 80 columns).
    rich_markup_mode=None,
)
# soft_wrap: a line longer than the terminal (or 80 columns in a pipe) is left whole, so paths and
# ids can be copied; tables still fit themselves to the width.
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


def user_errors() -> tuple[type[BaseException], ...]:
    """Errors a user can act on: printed as one line. Anything else is a bug and keeps its
    traceback when SHOTLINE_DEBUG is set. Imported when an error happens, not at start-up: every
    command (``--help`` included) would otherwise load the packages that define them."""
    from shotline.assets.errors import AssetError
    from shotline.costs.errors import CreditError
    from shotline.interchange.errors import InterchangeError
    from shotline.jobs.status import JobError
    from shotline.media.errors import MediaError
    from shotline.providers.errors import ProviderError
    from shotline.studio.errors import StudioError
    from shotline.timeline.errors import TimelineError
    from shotline.timeline.timecode import RateError

    return (
        TimelineError, MediaError, InterchangeError, RateError, OSError, ProviderError,
        CreditError, AssetError, JobError, StudioError,
    )  # fmt: skip


def load_settings() -> Settings:
    """The configuration (environment and ``.env``); pydantic is imported on first use."""
    from shotline.config import Settings

    return Settings()


EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a Ctrl-C


def interrupted(message: str) -> NoReturn:
    """End the process after Ctrl-C: one line, exit 130, nothing else.

    ``os._exit`` rather than unwinding: the engine's threads may be in the middle of a step, and
    stopping DBOS under them prints pages of tracebacks (and then waits for the step). Leaving
    at once is a crash the engine is built to survive: the job rows and DBOS's workflows are in
    SQLite/PostgreSQL, and the next process that starts an engine (``film resume``, a worker)
    recovers the workflows of this dead one without paying for finished steps again.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this line short
    errors.print(f"[bold yellow]interrupted:[/] {message}", highlight=False)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except KeyboardInterrupt:  # elsewhere than a generation in flight: unwind and close
            errors.print("[bold yellow]interrupted[/]", highlight=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort, TyperException):
            raise  # the command chose its exit; usage errors print themselves
        except Exception as exc:
            if not isinstance(exc, user_errors()):
                if os.environ.get("SHOTLINE_DEBUG"):
                    raise
                errors.print(
                    f"[bold red]error:[/] unexpected {type(exc).__name__}: {exc} "
                    "(set SHOTLINE_DEBUG=1 for the traceback)",
                    highlight=False,
                )
                raise typer.Exit(2) from None
            from shotline.media.errors import MediaError

            message = str(exc).splitlines()[0] if not os.environ.get("SHOTLINE_DEBUG") else exc
            errors.print(f"[bold red]error:[/] {message}", highlight=False)
            if isinstance(exc, MediaError) and "ffmpeg failed" in str(exc):
                errors.print(str(exc), highlight=False, markup=False)
            raise typer.Exit(1) from None

    return wrapper


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[float], None]]:
    """A rich progress bar fed with a 0..1 fraction."""
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=1.0)
        yield lambda fraction: bar.update(task, completed=min(1.0, max(0.0, fraction)))
        bar.update(task, completed=1.0)


def open_timeline(path: Path) -> Timeline:
    """Load a saved timeline, saying what is odd about it (links to clips that are not there)."""
    from shotline.savefile import load_timeline
    from shotline.timeline import dangling_links

    timeline = load_timeline(path)
    for problem in dangling_links(timeline):
        errors.print(f"[yellow]warning:[/] {path}: {problem}", highlight=False)
    return timeline


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise typer.BadParameter(f"expected WIDTHxHEIGHT like 1280x720, got {text!r}") from None
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise typer.BadParameter(f"width and height must be positive and even, got {text!r}")
    return width, height


def parse_fps(text: str) -> Fraction:
    from shotline.timeline.timecode import RateError, parse_rate

    try:
        return parse_rate(text)
    except RateError as exc:
        raise typer.BadParameter(str(exc)) from None
