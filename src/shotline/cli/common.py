"""What every ``shotline`` command shares: the app, one-line errors, progress, option parsers."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from typer.exceptions import TyperException

from shotline.assets.errors import AssetError
from shotline.costs.errors import CreditError
from shotline.interchange.errors import InterchangeError
from shotline.jobs.status import IllegalTransition, JobNotFound
from shotline.media.errors import MediaError
from shotline.providers.errors import ProviderError
from shotline.studio.errors import StudioError
from shotline.timeline import TimelineError
from shotline.timeline.timecode import RateError, parse_rate

if TYPE_CHECKING:
    from shotline.timeline.model import Timeline

app = typer.Typer(
    help="shotline: a timeline-aware AI film studio.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

# Errors a user can act on: printed as one line. Anything else is a bug and keeps its traceback
# when SHOTLINE_DEBUG is set.
USER_ERRORS = (
    TimelineError, MediaError, InterchangeError, RateError, OSError, ProviderError, CreditError,
    AssetError, JobNotFound, IllegalTransition, StudioError,
)  # fmt: skip


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # the command chose its exit; usage errors print themselves
        except USER_ERRORS as exc:
            message = str(exc).splitlines()[0] if not os.environ.get("SHOTLINE_DEBUG") else exc
            errors.print(f"[bold red]error:[/] {message}", highlight=False)
            if isinstance(exc, MediaError) and "ffmpeg failed" in str(exc):
                errors.print(str(exc), highlight=False, markup=False)
            raise typer.Exit(1) from None
        except Exception as exc:
            if os.environ.get("SHOTLINE_DEBUG"):
                raise
            errors.print(
                f"[bold red]error:[/] unexpected {type(exc).__name__}: {exc} "
                "(set SHOTLINE_DEBUG=1 for the traceback)",
                highlight=False,
            )
            raise typer.Exit(2) from None

    return wrapper


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[float], None]]:
    """A rich progress bar fed with a 0..1 fraction."""
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
    try:
        return parse_rate(text)
    except RateError as exc:
        raise typer.BadParameter(str(exc)) from None
