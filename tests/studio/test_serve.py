"""``shotline serve`` as a user runs it: a first start creates an admin and prints its one-time
password once; the server answers on the port it printed; a second start prints no password."""

from __future__ import annotations

from pathlib import Path

from tests.dbs import fresh_postgres_url
from tests.studio.serving import log_in_with_printed_password, serve


def test_first_start_creates_an_admin_once(tmp_path: Path) -> None:
    with serve(tmp_path) as (url, printed):
        assert "working the queues here" in printed
        log_in_with_printed_password(url, printed)
    with serve(tmp_path) as (_url, printed):
        assert "one-time password" not in printed


def test_on_postgresql_the_server_leaves_the_work_to_workers(tmp_path: Path) -> None:
    with fresh_postgres_url() as database, serve(tmp_path, database=database) as (url, printed):
        assert "connected to workers" in " ".join(printed.split())
        log_in_with_printed_password(url, printed)


def test_without_the_bundle_it_says_how_to_build_it(tmp_path: Path) -> None:
    missing = {"SHOTLINE_WEB_DIST": str(tmp_path / "not-built")}
    with serve(tmp_path / "data", env=missing) as (_url, printed):
        assert "The browser studio is not built" in " ".join(printed.split())
