"""What the browser player and generation panel ask of the server: the timeline's exact frame at a
time, a generation's estimate and placement before it runs, the project's generations, the video
models, and a retry that charges again."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from shotline.media.frames import extract_frame
from shotline.media.testcard import TestCard, read_frame_index, write_testcard
from shotline.providers.contracts import Output, PerCall, Request, RunContext
from shotline.providers.errors import ProviderFailed
from shotline.providers.offline import OfflineInterpolate
from shotline.studio.derivatives import asset_of_url
from shotline.timeline.model import ClipStatus
from tests.studio.conftest import PROJECT, LiveServer
from tests.studio.test_media_routes import _local_clip, _timeline_with_shot, _until

API = f"/api/projects/{PROJECT}"


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("player-media")
    return write_testcard(TestCard(Fraction(24), 2.0, gop=24), folder / "card.mp4")


def test_the_timeline_frame_is_the_exact_source_frame_and_gaps_are_empty(
    server: LiveServer, member: httpx.Client, outsider: httpx.Client, card: Path
) -> None:
    clip_id = _timeline_with_shot(server, member, card)
    server.services.timelines.update_clip(PROJECT, clip_id, trimStart=0.5, duration=1.0)
    for t, frame in [(0.0, 12), (10 / 24, 22), (1 - 1 / 24, 35)]:
        answer = member.get(f"{API}/timeline/frame", params={"t": t})
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        assert answer.headers["x-clip-id"] == clip_id
        assert answer.headers["x-frame-index"] == str(frame)
        pixels = np.asarray(Image.open(io.BytesIO(answer.content)).convert("RGB"))
        assert read_frame_index(pixels) == frame
        assert np.array_equal(pixels, extract_frame(card, frame=frame))  # the same decode
    assert member.get(f"{API}/timeline/frame", params={"t": 1.0}).status_code == 204  # a gap
    assert member.get(f"{API}/timeline/frame", params={"t": -1}).status_code == 422
    assert outsider.get(f"{API}/timeline/frame", params={"t": 0}).status_code in (403, 404)


def test_a_clip_sound_alone_is_served_with_ranges_for_the_mix(
    server: LiveServer, member: httpx.Client, outsider: httpx.Client, card: Path, tmp_path: Path
) -> None:
    toned = write_testcard(TestCard(Fraction(24), 2.0, gop=24, tone=330.0), tmp_path / "t.mp4")
    for start, media in ((10.0, card), (20.0, toned)):
        clip_id = _local_clip(member, media.name, start=start)
        data = media.read_bytes()
        upload = member.post(f"{API}/uploads", json={"filename": media.name, "size": len(data),
                                                     "clip_id": clip_id}).json()  # fmt: skip
        member.put(f"{API}/uploads/{upload['id']}", content=data).raise_for_status()
        _until(lambda: server.services.timelines.get(PROJECT).clip(clip_id).status  # noqa: B023
               is ClipStatus.READY, "upload")  # fmt: skip
    clips = server.services.timelines.get(PROJECT).clips
    sha = {asset_of_url(c.source or "") for c in clips}
    silent, sound = (hashlib.sha256(m.read_bytes()).hexdigest() for m in (card, toned))
    assert {silent, sound} <= sha

    whole = member.get(f"{API}/media/{sound}/audio")
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/mp4"
    assert whole.headers["x-audio-is-original"] == "false"  # the video's sound, without picture
    part = member.get(f"{API}/media/{sound}/audio", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == whole.content[:100]
    no_sound = member.get(f"{API}/media/{silent}/audio")
    assert no_sound.status_code == 422 and "no sound" in no_sound.json()["detail"]
    assert outsider.get(f"{API}/media/{sound}/audio").status_code in (403, 404)


class PaidVideo(OfflineInterpolate):
    """The offline model at a price, so credits are taken."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail
        name = "broken" if fail else "paid"
        self.info = dataclasses.replace(self.info, id=f"test.{name}", model=name,
                                        pricing=PerCall(Decimal("0.05")))  # fmt: skip

    def generate(self, request: Request, ctx: RunContext) -> Output:
        if self.fail:
            raise ProviderFailed("the model ran out of memory", provider=self.info.id)
        return super().generate(request, ctx)


def test_estimate_places_without_placing_and_retry_charges_again(
    server: LiveServer, member: httpx.Client, card: Path
) -> None:
    services = server.services
    services.studio.registry.add(PaidVideo(fail=True))
    wide = _timeline_with_shot(server, member, card)
    services.timelines.select(PROJECT, in_point=0.5, out_point=1.5)
    models = member.get(f"{API}/generate/models").json()
    assert models[0]["default"] and "test.broken" in [m["provider"] for m in models]

    before = services.timelines.get(PROJECT)
    estimate = member.get(f"{API}/generate/estimate", params={"provider": "test.broken"}).json()
    assert estimate["frames"] == 24 and estimate["credits"] == 24
    assert Decimal(estimate["estimated_cost"]) == Decimal("0.05")
    assert estimate["track_index"] == 1 and estimate["new_track"] is (len(before.tracks) < 2)
    assert estimate["first_frame"]["clip_id"] == wide
    assert services.timelines.get(PROJECT) == before  # nothing placed
    free = member.get(f"{API}/generate/estimate", params={"in_point": 0.5, "out_point": 0.75})
    assert free.json()["credits"] == 0 and free.json()["frames"] == 6
    reversed_ = member.get(f"{API}/generate/estimate", params={"in_point": 1, "out_point": 0.5})
    assert reversed_.status_code == 422 and "after the in point" in reversed_.json()["detail"]

    ledger = services.studio.engine.ledger
    full = ledger.balance("member").remaining
    started = member.post(f"{API}/generate", json={"prompt": "dust", "provider": "test.broken"})
    assert started.status_code == 202, started.text
    job, clip = started.json()["job_id"], started.json()["clip_id"]
    _until(lambda: services.timelines.get(PROJECT).clip(clip).status is ClipStatus.FAILED, "failed")
    assert ledger.balance("member").remaining == full  # refunded
    tracks = len(services.timelines.get(PROJECT).tracks)
    above = member.get(f"{API}/generate/estimate").json()  # track 1 is taken now
    assert above["track_index"] == 2 and above["new_track"] is (tracks < 3)
    listed = member.get(f"{API}/generations").json()
    assert [(g["job_id"], g["status"]) for g in listed] == [(job, "failed")]
    assert "out of memory" in listed[0]["error"] and listed[0]["prompt"] == "dust"

    retried = member.post(f"{API}/generations/{job}/retry")
    assert retried.status_code == 202, retried.text
    again = retried.json()
    assert again["clip_id"] == clip and again["retried_from"] == job and again["credits"] == 24
    _until(lambda: member.get(f"{API}/generations").json()[0]["status"] == "failed", "again")
    first = member.get(f"{API}/generations").json()[0]
    assert first["job_id"] == again["job_id"] and first["retried_from"] == job
    assert member.post(f"{API}/generations/nope/retry").status_code == 404
    succeeded = member.post(f"{API}/generate", json={"prompt": "fine", "in_point": 0.5,
                                                     "out_point": 0.75}).json()  # fmt: skip
    _until(lambda: services.timelines.get(PROJECT).clip(succeeded["clip_id"]).source, "ready")
    done = member.post(f"{API}/generations/{succeeded['job_id']}/retry")
    assert done.status_code == 409 and "only failed or canceled" in done.json()["detail"]

    ledger.reserve("member", ledger.balance("member").remaining, "spent-elsewhere")
    broke = member.post(f"{API}/generations/{job}/retry")
    assert broke.status_code == 429 and "needs 24 frame credits" in broke.json()["detail"]
