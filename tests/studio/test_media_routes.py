"""Uploads, media, generation and film runs over HTTP, with their refusals."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import httpx
import pytest

from shotline.media.testcard import TestCard, write_testcard
from shotline.providers.contracts import Output, PerCall, Request, RunContext
from shotline.providers.errors import ProviderFailed
from shotline.providers.offline import OfflineInterpolate
from shotline.studio.events import FilmRunEvent, JobEvent, UploadEvent
from shotline.timeline.model import ClipStatus, SourceType
from tests.film.pipeline_support import SCRIPT
from tests.polling import until as _until
from tests.studio.conftest import PROJECT, LiveServer

API = f"/api/projects/{PROJECT}"


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("http-media")
    return write_testcard(TestCard(Fraction(24), 2.0, gop=48, tone=330.0), folder / "card.mp4")


def _local_clip(client: httpx.Client, name: str = "phone clip.mp4", start: float = 0.0) -> str:
    body = {"filename": name, "duration": 2.0, "startTime": start, "hasAudio": True}
    answer = client.post(f"{API}/local-clips", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["clip_id"])


def test_a_local_clip_uploads_resumes_and_becomes_cloud_for_everyone(
    server: LiveServer, member: httpx.Client, card: Path
) -> None:
    services = server.services
    clip_id = _local_clip(member)
    placeholder = services.timelines.get(PROJECT).clip(clip_id)
    assert placeholder.source_type is SourceType.LOCAL and placeholder.owner == "member"
    assert placeholder.name == "phone clip.mp4" and placeholder.duration == 2.0

    data = card.read_bytes()
    opened = member.post(f"{API}/uploads", json={"filename": "phone clip.mp4", "size": len(data),
                                                 "clip_id": clip_id})  # fmt: skip
    assert opened.status_code == 201, opened.text
    upload = opened.json()
    url = f"{API}/uploads/{upload['id']}"
    first = member.put(url, params={"offset": 0}, content=data[:20_000])
    assert first.json()["received"] == 20_000 and first.json()["status"] == "uploading"
    stale = member.put(url, params={"offset": 30_000}, content=data[30_000:])
    assert stale.status_code == 409 and "20000" in stale.json()["detail"]
    assert member.get(url).json()["received"] == 20_000  # where a client resumes
    state = member.get(f"{API}/events/state").json()["state"]  # what a reconnecting stream gets
    assert [(u["upload_id"], u["received"]) for u in state["uploads"]] == [(upload["id"], 20_000)]
    member.put(url, params={"offset": 20_000}, content=data[20_000:]).raise_for_status()
    done = _until(lambda: (b := member.get(url).json())["status"] == "ready" and b, "ready")
    assert not done["transcoded"] and done["url"].startswith(f"{API}/media/")

    clip = services.timelines.get(PROJECT).clip(clip_id)
    assert clip.source_type is SourceType.CLOUD and clip.source == done["url"]
    assert clip.status is ClipStatus.READY
    statuses = [r.event.status for r in services.events.since(PROJECT)
                if isinstance(r.event, UploadEvent)]  # fmt: skip
    assert statuses[0] == "uploading" and statuses[-1] == "ready"

    whole = member.get(done["url"])
    assert whole.content == data and whole.headers["content-type"] == "video/mp4"
    part = member.get(done["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]

    strip = member.get(f"{done['url']}/thumbnails", params={"count": 4, "height": 45})
    assert strip.status_code == 200 and strip.headers["content-type"] == "image/jpeg"
    assert strip.headers["x-tile-width"] == "80"
    peaks = member.get(f"{done['url']}/waveform", params={"buckets": 20}).json()
    assert len(peaks["peaks"]) == 20
    proxy = member.get(f"{done['url']}/proxy")
    assert proxy.status_code == 200 and proxy.headers["x-proxy-is-original"] == "false"


def test_uploads_are_refused_with_reasons(
    server: LiveServer, member: httpx.Client, admin: httpx.Client, card: Path, tmp_path: Path
) -> None:
    for name in ("../../etc/passwd", "a/b.mp4", "..\\win.ini", ".."):
        answer = member.post(f"{API}/uploads", json={"filename": name, "size": 10})
        assert answer.status_code == 400 and "file name" in answer.json()["detail"]
    assert not any(p.name == "passwd" for p in server.services.settings.data_dir.rglob("*"))

    server.services.uploads.max_bytes = 5000
    big = member.post(f"{API}/uploads", json={"filename": "big.mp4", "size": 5001})
    assert big.status_code == 413 and "5000 bytes" in big.json()["detail"]
    server.services.uploads.max_bytes = 10**9

    text = b"this is a screenplay, not a video\n" * 40
    opened = member.post(f"{API}/uploads", json={"filename": "scene.mp4", "size": len(text)})
    intruder = admin.put(f"{API}/uploads/{opened.json()['id']}", content=text)
    assert intruder.status_code == 403 and "only they send its bytes" in intruder.text
    refused = member.put(f"{API}/uploads/{opened.json()['id']}", content=text)
    assert refused.status_code == 415 and "text file" in refused.json()["detail"]

    admin.post("/api/projects", json={"id": "p2", "name": "other"}).raise_for_status()
    foreign = server.services.timelines
    other_clip = "clip-in-p2"
    from shotline.timeline.model import Clip, Timeline

    foreign.replace("p2", Timeline(clips=(Clip(id=other_clip, name="x", start=0, duration=1,
                                               source_type=SourceType.LOCAL),)))  # fmt: skip
    wrong = member.post(f"{API}/uploads", json={"filename": "x.mp4", "size": 10,
                                                "clip_id": other_clip})  # fmt: skip
    assert wrong.status_code == 404 and "no clip 'clip-in-p2' in project 'p1'" in wrong.text
    assert member.post("/api/projects/p2/uploads", json={"filename": "x.mp4", "size": 10}
                       ).status_code == 403  # fmt: skip
    sha = "0" * 64
    assert member.get(f"{API}/media/{sha}").status_code == 404
    assert member.get(f"{API}/media/..%2F..%2Fetc").status_code in (404, 422)


class BrokenPaidVideo:
    def __init__(self) -> None:
        base = OfflineInterpolate().info
        self.info = dataclasses.replace(base, id="broken.video", model="broken",
                                        pricing=PerCall(Decimal("0.05")))  # fmt: skip

    def generate(self, request: Request, ctx: RunContext) -> Output:
        raise ProviderFailed("the model ran out of memory", provider=self.info.id)


def _timeline_with_shot(server: LiveServer, member: httpx.Client, card: Path) -> str:
    clip_id = _local_clip(member, "wide.mp4")
    data = card.read_bytes()
    upload = member.post(f"{API}/uploads", json={"filename": "wide.mp4", "size": len(data),
                                                 "clip_id": clip_id}).json()  # fmt: skip
    member.put(f"{API}/uploads/{upload['id']}", content=data).raise_for_status()
    _until(lambda: server.services.timelines.get(PROJECT).clip(clip_id).status is
           ClipStatus.READY, "upload")  # fmt: skip
    return clip_id


def test_generate_from_in_out_over_http_and_a_failing_provider_refunds(
    server: LiveServer, member: httpx.Client, card: Path
) -> None:
    services = server.services
    wide = _timeline_with_shot(server, member, card)
    services.timelines.select(PROJECT, in_point=0.5, out_point=1.5)
    before = services.timelines.get(PROJECT)

    too_long = member.post(f"{API}/generate", json={"prompt": "x" * 10_000})
    assert too_long.status_code == 422 and "10000 characters" in too_long.json()["detail"]
    assert member.post(f"{API}/generate", content=b"{not json",
                       headers={"content-type": "application/json"}).status_code == 400  # fmt: skip
    assert member.post(f"{API}/generate", json={"prompt": "x", "in_point": -1}).status_code == 422
    assert services.timelines.get(PROJECT) == before

    answer = member.post(f"{API}/generate", json={"prompt": "ジープが走る — джип"})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["first_frame"]["clip_id"] == wide and body["first_frame"]["frame"] == 12
    assert body["last_frame"]["frame"] == 36 and body["track_index"] == 1
    clip = _until(lambda: (c := services.timelines.get(PROJECT).clip(body["clip_id"])).status
                  is ClipStatus.READY and c, "generated clip")  # fmt: skip
    assert clip.linked_clip_ids == (wide,) and clip.prompt == "ジープが走る — джип"
    assert member.get(clip.source or "").status_code == 200

    services.studio.registry.add(BrokenPaidVideo())
    ledger = services.studio.engine.ledger
    credits = ledger.balance("member").remaining
    failing = member.post(f"{API}/generate", json={"prompt": "storm", "provider": "broken.video"})
    assert failing.status_code == 202, failing.text
    assert failing.json()["credits"] == 24
    broken = _until(lambda: (c := services.timelines.get(PROJECT).clip(failing.json()["clip_id"]))
                    .status is ClipStatus.FAILED and c, "failed clip")  # fmt: skip
    assert "ran out of memory" in broken.extra["error"]
    _until(lambda: ledger.balance("member").remaining == credits, "refund")

    def failed_event() -> bool:  # the follower writes the clip first, then publishes the event
        jobs = [r.event for r in services.events.since(PROJECT) if isinstance(r.event, JobEvent)]
        return any(e.status == "failed" and e.clip_id == broken.id for e in jobs)

    _until(failed_event, "failed job event")

    # Another project's job, or one the studio never started, is unknown here.
    job = body["job_id"]
    assert member.post(f"{API}/generations/{job}/cancel").json()["status"] == "succeeded"
    assert member.post(f"{API}/generations/not-a-job/cancel").status_code == 404
    services.projects.create("p3", "third", "member")
    assert member.post(f"/api/projects/p3/generations/{job}/cancel").status_code == 404


def test_film_runs_over_http(server: LiveServer, member: httpx.Client) -> None:
    options = {"script": SCRIPT, "variants": 1, "segments": 3, "width": 256, "height": 144,
               "yolo": True}  # fmt: skip
    created = member.post(f"{API}/films", json=options)
    assert created.status_code == 202, created.text
    run = created.json()["id"]
    done = _until(lambda: (s := member.get(f"{API}/films/{run}").json())["phase"] in
                  ("done", "failed") and not s["running"] and s, "film", timeout=300)  # fmt: skip
    assert done["phase"] == "done", done["message"]
    assert done["log"] and done["step"]
    film = member.get(f"{API}/films/{run}/film")
    assert film.status_code == 200 and film.content[4:8] == b"ftyp"
    opened = member.post(f"{API}/films/{run}/open")
    assert opened.status_code == 200, opened.text
    live = server.services.timelines.get(PROJECT)
    assert len(live.clips) == opened.json()["clips"] > 0
    media = next(c for c in live.clips if c.source)
    assert member.get(media.source or "").status_code == 200
    steps = [r.event for r in server.services.events.since(PROJECT)
             if isinstance(r.event, FilmRunEvent)]  # fmt: skip
    assert steps and steps[-1].status == "done"
    assert member.get(f"{API}/films/nope").status_code == 404
    assert member.post(f"{API}/films", json={"idea": "x", "script": SCRIPT}).status_code == 422
