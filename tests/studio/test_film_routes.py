"""A film run over HTTP with its checkpoints: it waits for reference picks, takes them, and the
refusals name the reason (unknown reference, a server path as a guide, another project's run)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.film.pipeline_support import SCRIPT
from tests.studio.conftest import LiveServer
from tests.studio.test_media_routes import API


def _stopped(client: httpx.Client, run: str) -> dict[str, Any]:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(f"{API}/films/{run}").json()
        if not status["running"] and status["phase"] not in ("created",):
            return status
        time.sleep(0.1)
    raise AssertionError(f"film run {run} did not stop")


def test_checkpoint_picks_over_http(
    server: LiveServer, member: httpx.Client, outsider: httpx.Client
) -> None:
    options = {"script": SCRIPT, "variants": 2, "segments": 3, "width": 256, "height": 144}
    run = member.post(f"{API}/films", json=options).json()["id"]
    waiting = _stopped(member, run)
    assert waiting["phase"] == "awaiting_pick_refs" and waiting["waiting"]
    assert "waiting for picks" in waiting["message"]

    picks = f"{API}/films/{run}/picks"
    unknown = member.post(picks, json={"what": "refs", "choices": {"nobody": 1}})
    assert unknown.status_code == 422 and "not a reference" in unknown.json()["detail"]
    too_high = member.post(picks, json={"what": "refs", "choices": {"character:mara": 5}})
    assert too_high.status_code == 422 and "variant 5 does not exist" in too_high.json()["detail"]
    chosen = member.post(picks, json={"what": "refs", "choices": {"character:mara": 1}})
    assert chosen.status_code == 200 and chosen.json()["refs"] == {"character:mara": 1}
    assert outsider.post(picks, json={"what": "refs", "choices": {}}).status_code == 403

    resumed = member.post(f"{API}/films/{run}/resume", json={"yolo": True})
    assert resumed.status_code == 202
    done = _stopped(member, run)
    assert done["phase"] == "done", done["message"]
    assert done["picks"]["refs"]["character:mara"] == 1
    assert member.post(f"{API}/films/{run}/cancel").status_code == 422  # not running
