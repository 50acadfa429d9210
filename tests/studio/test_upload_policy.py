"""The upload policy the browser reads before it prepares a file (seed 000: over 50 MB it is
transcoded to 1080p H.264 in the browser, with the server's transcode as the fallback)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import httpx

from shotline.media.testcard import TestCard, write_testcard
from tests.studio.conftest import PROJECT, LiveServer


def test_the_policy_is_the_servers_own_threshold_and_limit(
    server: LiveServer, member: httpx.Client, outsider: httpx.Client
) -> None:
    api = f"/api/projects/{PROJECT}/upload-policy"
    uploads = server.services.uploads
    assert member.get(api).json() == {
        "share_threshold": uploads.share_threshold,
        "share_height": 1080,
        "max_bytes": uploads.max_bytes,
    }
    uploads.share_threshold = 1234
    assert member.get(api).json()["share_threshold"] == 1234
    assert outsider.get(api).status_code == 403


def test_a_browser_conversion_reports_progress_then_its_size_and_sends_the_bytes(
    server: LiveServer, member: httpx.Client, admin: httpx.Client, tmp_path: Path
) -> None:
    api = f"/api/projects/{PROJECT}"
    clip = member.post(f"{api}/local-clips", json={"filename": "camera.mov", "duration": 2,
                                                   "startTime": 0}).json()["clip_id"]  # fmt: skip
    data = write_testcard(TestCard(Fraction(24), 1.0), tmp_path / "card.mp4").read_bytes()
    body = {"filename": "camera.mp4", "size": 10**9, "clip_id": clip, "converting": True}
    opened = member.post(f"{api}/uploads", json=body).json()
    assert opened["status"] == "converting"
    url = f"{api}/uploads/{opened['id']}"
    assert admin.patch(url, json={"progress": 0.5}).status_code == 403  # only the owner
    half = member.patch(url, json={"progress": 0.5}).json()
    assert (half["status"], half["progress"], half["size"]) == ("converting", 0.5, 10**9)
    assert server.services.timelines.get(PROJECT).clip(clip).status.value == "converting"
    sized = member.patch(url, json={"size": len(data), "progress": 1}).json()
    assert sized["size"] == len(data)
    assert member.patch(url, json={"size": 0}).status_code == 422
    assert member.put(f"{url}?offset=0", content=data).status_code == 200
    late = member.patch(url, json={"size": 5})
    assert late.status_code == 409 and "only a converting upload" in late.json()["detail"]
    done = server.services.uploads.wait(PROJECT, opened["id"])
    assert done.status.value == "ready" and not done.transcoded
    clip_now = server.services.timelines.get(PROJECT).clip(clip)
    assert clip_now.source_type.value == "cloud"
