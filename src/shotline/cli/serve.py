"""``shotline serve``: the studio server on the embedded defaults, or connected to workers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shotline.cli.common import app, console, friendly

if TYPE_CHECKING:
    from shotline.config import Settings


def settings_for(data: Path | None) -> Settings:
    from shotline.config import Settings  # pydantic: imported when a command runs, not for --help

    return Settings(SHOTLINE_DATA=data) if data is not None else Settings()


@app.command()
@friendly
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data: Annotated[
        Path | None, typer.Option(help="Data folder (default: SHOTLINE_DATA or ~/.local/share).")
    ] = None,
    work: Annotated[
        bool | None,
        typer.Option(
            "--work/--no-work",
            help="Work the job queues in this process (default: yes on SQLite; on PostgreSQL "
            "`shotline worker` processes do).",
        ),
    ] = None,
) -> None:
    """Start the studio server (API, live timeline, events) on HOST:PORT."""
    import uvicorn

    from shotline.app import running_server
    from shotline.studio.app import create_app
    from shotline.studio.bootstrap import first_admin

    settings = settings_for(data)
    with running_server(settings, work=work) as services:
        created = first_admin(services.accounts)
        if created is not None:
            name, password = created
            console.print(
                f"No users yet: created admin [bold]{name}[/] with the one-time password "
                f"[bold]{password}[/] (shown once; change it with `shotline user passwd {name}`)",
                highlight=False,
            )
        working = work if work is not None else services.studio.embedded
        mode = "working the queues here" if working else "connected to workers"
        console.print(f"shotline studio on http://{host}:{port} ({mode}; data in "
                      f"{settings.data_dir})", highlight=False)  # fmt: skip
        if not (settings.web_dist / "index.html").is_file():
            console.print(f"The browser studio is not built ({settings.web_dist}): `make demo` "
                          "or `make test` builds it (or `npm ci && npm run build` in web/); the "
                          "API works without it.", highlight=False)  # fmt: skip
        uvicorn.run(create_app(services), host=host, port=port, log_level="info")
