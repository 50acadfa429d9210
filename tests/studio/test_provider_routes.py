"""Provider accounts over HTTP (the fakes and keys are those of tests/providers)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.providers.http.fakes import FakeServer
from tests.providers.test_accounts import INFERENCE_KEY, TOKEN, accounts, fake  # noqa: F401
from tests.studio.conftest import LiveServer


def test_provider_accounts_over_http(
    server: LiveServer,
    member: httpx.Client,
    fake: FakeServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    server.services.provider_accounts = accounts(
        tmp_path, fake, FAL_KEY=INFERENCE_KEY, REPLICATE_API_TOKEN=TOKEN
    )
    listed = {a["family"]: a for a in member.get("/api/providers").json()}
    assert listed["fal"]["balance"] is None and "403" in listed["fal"]["note"]
    assert listed["fal"]["providers"] and all(
        p.startswith("fal.") for p in listed["fal"]["providers"]
    )
    assert listed["replicate"]["identity"] == "jp" and listed["replicate"]["balance"] is None
    member.get("/api/providers", params={"refresh": "true"})
    assert len(fake.requests("GET", "/v1/account/billing")) == 2
