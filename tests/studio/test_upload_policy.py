"""The upload policy the browser reads before it prepares a file (seed 000: over 50 MB it is
transcoded to 1080p H.264 in the browser, with the server's transcode as the fallback)."""

from __future__ import annotations

import httpx

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
