"""``shotline user``: add, list, change passwords of and remove the studio's users."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from shotline.cli.common import app, console, errors, friendly

if TYPE_CHECKING:
    from shotline.studio.accounts import Accounts

user_app = typer.Typer(help="Manage the studio's users.", no_args_is_help=True)
app.add_typer(user_app, name="user")

DataOption = Annotated[
    Path | None, typer.Option(help="Data folder (default: SHOTLINE_DATA or ~/.local/share).")
]


def _accounts(data: Path | None) -> Accounts:
    from shotline.app import build_accounts
    from shotline.config import Settings  # pydantic: imported when a command runs, not for --help

    return build_accounts(Settings(SHOTLINE_DATA=data) if data is not None else Settings())


def _password(prompt: str) -> str:
    """From a hidden, confirmed prompt on a terminal; else the first line of stdin."""
    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        errors.print("[bold red]error:[/] no password on stdin", highlight=False)
        raise typer.Exit(1)
    return line


@user_app.command("add")
@friendly
def add(
    name: Annotated[str, typer.Argument(help="The user's login name.")],
    admin: Annotated[bool, typer.Option("--admin", help="Give the user the admin role.")] = False,
    data: DataOption = None,
) -> None:
    """Add a user; the password comes from a prompt (or stdin when piped)."""
    accounts = _accounts(data)
    accounts.add(name, _password(f"Password for {name}"), admin=admin)
    console.print(f"added {'admin ' if admin else ''}{name}", highlight=False)


@user_app.command("list")
@friendly
def list_users(data: DataOption = None) -> None:
    """List the users, their role and how many sessions each has open."""
    accounts = _accounts(data)
    table = Table("name", "role", "created", "sessions")
    for user in accounts.list():
        table.add_row(
            user.name,
            "admin" if user.is_admin else "user",
            user.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            str(accounts.session_count(user.name)),
        )
    console.print(table)


@user_app.command("passwd")
@friendly
def passwd(
    name: Annotated[str, typer.Argument(help="The user whose password changes.")],
    data: DataOption = None,
) -> None:
    """Set a user's password; every session of the user ends."""
    accounts = _accounts(data)
    accounts.get(name)
    accounts.set_password(name, _password(f"New password for {name}"))
    console.print(f"password of {name} changed; their sessions ended", highlight=False)


@user_app.command("remove")
@friendly
def remove(
    name: Annotated[str, typer.Argument(help="The user to remove.")],
    data: DataOption = None,
) -> None:
    """Remove a user with their sessions and project memberships (not the last admin)."""
    accounts = _accounts(data)
    accounts.remove(name)
    console.print(f"removed {name}", highlight=False)
