"""Keys are secrets: never in a repr, a log line or an error, sent only to their provider's
configured origin, and a project folder's ``.env`` cannot redirect them to a server of its own."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shotline.app import build_registry_for
from shotline.config import Settings
from shotline.providers.contracts import SimpleContext, VideoRequest
from shotline.providers.errors import NotConfigured
from shotline.providers.http.fal import LTX_2, FalProvider
from tests.providers.http.conftest import drive, quick
from tests.providers.http.fakes import FalFake, FileHost

KEY = "fal-9f1c2e7d-very-secret"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No provider settings from the test runner's environment; an empty project folder."""
    for name in list(os.environ):
        if name.startswith(("SHOTLINE_", "FAL_", "REPLICATE_", "RUNWAYML_", "OPENROUTER_",
                            "ANTHROPIC_")):  # fmt: skip
            monkeypatch.delenv(name)
    monkeypatch.setenv("SHOTLINE_DATA", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_keys_are_not_in_reprs_dumps_or_client_state(clean_env: Path) -> None:
    settings = Settings.model_validate({"FAL_KEY": KEY, "OPENROUTER_API_KEY": KEY + "-or"})
    assert KEY not in repr(settings) and KEY not in str(settings)
    assert KEY not in settings.model_dump_json()
    provider = FalProvider(LTX_2, api_key=settings.fal_key or "", base_url="https://queue.fal.run")
    assert KEY not in repr(provider.client) and KEY not in repr(vars(provider.client))
    registry = build_registry_for(settings)
    for pid in registry.ids():
        held = vars(registry.get(pid))
        assert KEY not in repr(held), pid


def test_keys_stay_out_of_errors_and_logs(
    clean_env: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = SimpleContext(tmp_path / "work")
    (tmp_path / "work").mkdir()
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG
    with FileHost() as files, FalFake(files, key=KEY) as fake:
        good = FalProvider(LTX_2, api_key=KEY, base_url=fake.url, **quick())
        drive(good, VideoRequest("x", frames=9), ctx)
        assert fake.requests("POST")[0].headers["authorization"] == f"Key {KEY}"  # it was sent
        bad = FalProvider(LTX_2, api_key=KEY + "-revoked", base_url=fake.url, **quick())
        with pytest.raises(NotConfigured) as caught:
            bad.submit(VideoRequest("x", frames=9), ctx)
        assert KEY not in str(caught.value) and KEY not in repr(caught.value)
        assert all("authorization" not in c.headers for c in files.requests())
    assert caplog.records and not [r for r in caplog.records if KEY in r.getMessage()]


def test_a_dotenv_cannot_point_a_key_from_elsewhere_at_its_own_server(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Someone else's project folder sets SHOTLINE_FAL_URL in its .env; the user's FAL_KEY is in
    their environment: the key is not sent, and the error says where each came from."""
    (clean_env / ".env").write_text("SHOTLINE_FAL_URL=https://collector.example:8443/queue\n")
    monkeypatch.setenv("FAL_KEY", KEY)
    with pytest.raises(NotConfigured) as caught:
        build_registry_for(Settings())
    message = str(caught.value)
    assert (
        "FAL_KEY (set in the environment) would be sent to https://collector.example:8443"
        in message
    )
    assert f"SHOTLINE_FAL_URL sets in {clean_env / '.env'}" in message
    assert "SHOTLINE_KEY_ORIGINS=https://collector.example:8443" in message
    assert KEY not in message
    # Allowed explicitly, from the environment (a .env cannot allow itself): it says so.
    (clean_env / ".env").write_text(
        "SHOTLINE_FAL_URL=https://collector.example:8443/queue\n"
        "SHOTLINE_KEY_ORIGINS=https://collector.example:8443\n"
    )
    with pytest.raises(NotConfigured):
        build_registry_for(Settings())
    monkeypatch.setenv("SHOTLINE_KEY_ORIGINS", "https://collector.example:8443")
    with caplog.at_level(logging.WARNING):
        registry = build_registry_for(Settings())
    assert "fal.ltx-2" in registry
    assert "FAL_KEY goes to https://collector.example:8443, not https://queue.fal.run" in (
        caplog.text
    )


@pytest.mark.parametrize("where", ["environment", "dotenv"])
def test_a_url_set_beside_its_key_is_used_and_said(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    if where == "environment":
        monkeypatch.setenv("REPLICATE_API_TOKEN", KEY)
        monkeypatch.setenv("SHOTLINE_REPLICATE_URL", "http://127.0.0.1:8000")
    else:  # the .env's own key going to the .env's own server harms nobody
        (clean_env / ".env").write_text(
            f"REPLICATE_API_TOKEN={KEY}\nSHOTLINE_REPLICATE_URL=http://127.0.0.1:8000\n"
        )
    with caplog.at_level(logging.WARNING):
        registry = build_registry_for(Settings())
    assert "replicate.wan-2.2-i2v" in registry
    assert "REPLICATE_API_TOKEN goes to http://127.0.0.1:8000, not https://api.replicate.com" in (
        caplog.text
    )
    assert KEY not in caplog.text


def test_default_origins_need_no_word(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FAL_KEY", KEY)
    (clean_env / ".env").write_text("SHOTLINE_FAL_URL=https://queue.fal.run/\n")
    with caplog.at_level(logging.WARNING):
        build_registry_for(Settings())
    assert "goes to" not in caplog.text


def test_worker_hides_the_database_password(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    from tests.dbs import fresh_postgres_url

    with fresh_postgres_url() as url:
        secret = make_url(url).set(password="pw-4e9b-hunter2").render_as_string(False)
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SHOTLINE_")}
        environment.update(SHOTLINE_DATA=str(tmp_path), SHOTLINE_DATABASE_URL=secret, COLUMNS="200")
        worker = subprocess.Popen(
            [sys.executable, "-m", "shotline", "worker"], env=environment, cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert worker.stderr is not None
            first = worker.stderr.readline()  # printed before the worker starts its engine
        finally:
            worker.terminate()
            out, err = worker.communicate(timeout=60)
    err = first + err
    assert "worker on postgresql://postgres:***@127.0.0.1:5432/" in err
    assert "hunter2" not in out + err
