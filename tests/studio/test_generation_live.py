"""Generation seen by every connected client: two Python Yjs clients watch a generated clip go from
``processing`` to ready (with its media) and another to failed (with the reason)."""

from __future__ import annotations

import asyncio
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest

from shotline.media.testcard import TestCard, write_testcard
from shotline.studio.collab.client import TimelineClient
from tests.studio.conftest import PROJECT, LiveServer
from tests.studio.test_media_routes import API, BrokenPaidVideo, _timeline_with_shot


def cookie(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("live-media")
    return write_testcard(TestCard(Fraction(24), 2.0, gop=24), folder / "card.mp4")


def test_every_client_sees_generated_clips_finish_and_fail(
    server: LiveServer, member: httpx.Client, admin: httpx.Client, card: Path
) -> None:
    wide = _timeline_with_shot(server, member, card)
    server.services.timelines.select(PROJECT, in_point=0.25, out_point=1.75)
    server.services.studio.registry.add(BrokenPaidVideo())
    url = f"{server.ws_url}/yjs/{PROJECT}"

    async def scenario() -> None:
        async with (
            TimelineClient(url, cookie(member)) as one,
            TimelineClient(url, cookie(admin)) as two,
        ):
            good = member.post(f"{API}/generate", json={"prompt": "dust rises"}).json()
            failing = {"prompt": "storm", "provider": "broken.video"}
            bad = member.post(f"{API}/generate", json=failing).json()
            assert "clip_id" in bad, bad

            def field(client: TimelineClient, clip: str, key: str) -> Any:
                return (client.clip(clip) or {}).get(key)

            for client in (one, two):
                await client.until(lambda c=client: field(c, good["clip_id"], "status") == "ready")
                await client.until(lambda c=client: field(c, bad["clip_id"], "status") == "failed")
                ready = client.clip(good["clip_id"]) or {}
                assert str(ready["cloudUrl"]).startswith(f"{API}/media/")
                assert list(ready["linkedClipIds"]) == [wide]
                assert ready["sourceType"] == "generated"
                assert "ran out of memory" in str(field(client, bad["clip_id"], "error"))

    asyncio.run(asyncio.wait_for(scenario(), 240))  # a loaded machine is slow
