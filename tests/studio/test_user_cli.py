"""``shotline user``: add (password from stdin), list, passwd (ends sessions), remove."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shotline.app import build_accounts
from shotline.cli import app
from shotline.config import Settings

runner = CliRunner()


def run(data: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["user", *args, "--data", str(data)], input=stdin)
    return result.exit_code, result.output


def test_user_commands(tmp_path: Path) -> None:
    assert run(tmp_path, "add", "ana", "--admin", stdin="first password\n") == (
        0,
        "added admin ana\n",
    )
    assert run(tmp_path, "add", "bo", stdin="second password\n")[0] == 0
    code, out = run(tmp_path, "add", "bo", stdin="whatever pw\n")
    assert code == 1 and "already exists" in out
    code, out = run(tmp_path, "add", "cy", stdin="short\n")
    assert code == 1 and "at least 8" in out
    code, out = run(tmp_path, "list")
    assert code == 0 and "ana" in out and "admin" in out and "bo" in out and "cy" not in out

    accounts = build_accounts(Settings(SHOTLINE_DATA=tmp_path))
    bo = accounts.verify("bo", "second password")
    assert bo is not None
    token = accounts.open_session(bo)
    assert run(tmp_path, "passwd", "bo", stdin="third password\n")[0] == 0
    assert accounts.session_user(token) is None
    assert accounts.verify("bo", "third password") is not None

    assert run(tmp_path, "remove", "bo") == (0, "removed bo\n")
    code, out = run(tmp_path, "remove", "ana")
    assert code == 1 and "last admin" in out
    code, out = run(tmp_path, "passwd", "nobody", stdin="some password\n")
    assert code == 1 and "no user" in out
