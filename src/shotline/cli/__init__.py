"""The ``shotline`` command line. Every known failure prints one clear line and exits non-zero."""

from shotline.cli import (  # noqa: F401  (registers the commands)
    film,
    film_runs,
    generate,
    media,
    serve,
    user,
)
from shotline.cli.common import app


def main() -> None:
    app(prog_name="shotline")


__all__ = ["app", "main"]
