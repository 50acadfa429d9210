"""Exports of the live timeline over HTTP: interchange files at once, an MP4 rendered in the
background with progress events, downloads, the DAM listing them, and refusals."""

from __future__ import annotations

import json
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from shotline.media.testcard import TestCard, read_frame_index, write_testcard
from shotline.studio.services import StudioServices
from shotline.timeline.model import Clip, Timeline
from tests.studio.conftest import LiveServer


def media_url(project: str, sha: str) -> str:
    return f"/api/projects/{project}/media/{sha}"


@pytest.fixture
def timeline(server: LiveServer, tmp_path: Path) -> Timeline:
    """Two 1-second clips of numbered frames, stored as assets, on p1's live timeline."""
    services: StudioServices = server.services
    catalog = services.studio.engine.catalog
    clips = []
    for i, color in enumerate(((200, 40, 40), (40, 40, 200))):
        path = write_testcard(TestCard(Fraction(24), 1.0, color=color), tmp_path / f"c{i}.mp4")
        asset = catalog.add_file(path, kind="video", mime="video/mp4", owner="member")
        clips.append(
            Clip(id=f"c{i}", name=f"shot {i}", start=float(i), duration=1.0,
                 source=media_url("p1", asset.sha256), source_duration=1.0,
                 source_fps=Fraction(24), width=320, height=180)
        )  # fmt: skip
    live = Timeline(name="Scene 4", clips=tuple(clips))
    services.timelines.replace("p1", live, "member")
    return live


def wait_finished(client: httpx.Client, export_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        record: dict[str, Any] = client.get(f"/api/projects/p1/exports/{export_id}").json()
        if record["status"] in ("succeeded", "failed"):
            return record
        assert time.monotonic() < deadline, record
        time.sleep(0.1)


def test_interchange_files_are_ready_at_once(
    timeline: Timeline, member: httpx.Client, server: LiveServer
) -> None:
    otio = member.post("/api/projects/p1/exports", json={"format": "otio"})
    assert otio.status_code == 201 and otio.json()["status"] == "succeeded"
    body = member.get(otio.json()["url"])
    assert body.status_code == 200
    assert "attachment" in body.headers["content-disposition"]
    document = json.loads(body.text)
    names = [
        item["name"]
        for track in document["tracks"]["children"]
        for item in track["children"]
        if item["OTIO_SCHEMA"].startswith("Clip")
    ]
    assert names == ["shot 0", "shot 1"]
    edl = member.post("/api/projects/p1/exports", json={"format": "edl", "fps": "24"}).json()
    text = member.get(edl["url"]).text
    assert "001" in text and "002" in text and "00:00:01:00" in text
    for fmt, marker in (("fcp7", "<xmeml"), ("fcpxml", "<fcpxml")):
        made = member.post("/api/projects/p1/exports", json={"format": fmt}).json()
        assert marker in member.get(made["url"]).text
    listed = member.get("/api/projects/p1/exports").json()
    assert sorted(e["format"] for e in listed) == ["edl", "fcp7", "fcpxml", "otio"]
    dam = member.get("/api/projects/p1/assets", params={"kind": "export"}).json()
    assert dam["count"] == 4 and {i["owner"] for i in dam["items"]} == {"member"}


def test_mp4_renders_in_the_background_with_progress(
    timeline: Timeline, member: httpx.Client, server: LiveServer
) -> None:
    server.services.exports.progress_every = 0.0  # every progress report becomes an event
    since = server.services.events.latest("p1")
    started = member.post(
        "/api/projects/p1/exports", json={"format": "mp4", "width": 320, "height": 180}
    )
    assert started.status_code == 202 and started.json()["status"] in ("queued", "running")
    record = wait_finished(member, started.json()["id"])
    assert record["status"] == "succeeded", record
    events = [
        r["event"]
        for r in member.get("/api/projects/p1/events/log", params={"since": since}).json()
        if r["event"]["type"] == "export"
    ]
    statuses = [e["status"] for e in events]
    assert statuses[0] == "queued" and statuses[1] == "running" and statuses[-1] == "succeeded"
    moving = [e["progress"] for e in events if e["status"] == "running"]
    assert len(moving) >= 2 and moving == sorted(moving)
    video = member.get(record["url"])
    assert video.headers["content-type"] == "video/mp4"
    out = Path(server.services.settings.data_dir) / "check.mp4"
    out.write_bytes(video.content)
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 48  # two 1-second clips at 24 fps
    assert [read_frame_index(frames[k]) for k in (0, 23, 24, 47)] == [0, 23, 0, 23]


def test_bad_exports_are_refused_and_change_nothing(
    timeline: Timeline, member: httpx.Client, outsider: httpx.Client, server: LiveServer
) -> None:
    for body, words in [
        ({"format": "avi"}, "format"),
        ({"format": "mp4", "width": 7}, "width"),
        ({"format": "mp4", "width": 321}, "multiple of 2"),
        ({"format": "mp4", "fps": "NaN"}, "fps"),
        ({"format": "mp4", "fps": "-24"}, "fps"),
        ({"format": "edl", "track": -1}, "track"),
    ]:
        answer = member.post("/api/projects/p1/exports", json=body)
        assert answer.status_code == 422, body
        assert words in answer.json()["detail"], (body, answer.json())
    raw = member.post(
        "/api/projects/p1/exports",
        content=b'{"format": "mp4", "width": NaN}',
        headers={"Content-Type": "application/json"},
    )
    assert raw.status_code == 422
    assert member.get("/api/projects/p1/exports").json() == []
    assert member.get("/api/projects/p1/exports/nope").status_code == 404
    assert member.get("/api/projects/p1/exports/nope/file").status_code == 404
    assert outsider.post("/api/projects/p1/exports", json={"format": "edl"}).status_code == 403


def test_an_empty_timeline_is_not_rendered(server: LiveServer, member: httpx.Client) -> None:
    answer = member.post("/api/projects/p1/exports", json={"format": "mp4"})
    assert answer.status_code == 422 and "empty" in answer.json()["detail"]
    assert member.get("/api/projects/p1/exports").json() == []


def test_another_projects_media_is_not_followed(
    server: LiveServer, member: httpx.Client, timeline: Timeline
) -> None:
    services = server.services
    sha = timeline.clips[0].source.rsplit("/", 1)[1] if timeline.clips[0].source else ""
    services.projects.create("p2", "two", "member")
    stolen = Timeline(clips=(timeline.clips[0].with_(source=media_url("p1", sha)),))
    services.timelines.replace("p2", stolen, "member")
    started = member.post("/api/projects/p2/exports", json={"format": "mp4"}).json()
    record = member.get(f"/api/projects/p2/exports/{started['id']}").json()
    while record["status"] not in ("succeeded", "failed"):
        time.sleep(0.1)
        record = member.get(f"/api/projects/p2/exports/{started['id']}").json()
    assert record["status"] == "failed" and "/api/projects/p1/media" in record["error"]


def test_a_render_cut_short_by_a_stop_is_failed_on_the_next_start(
    server: LiveServer, member: httpx.Client
) -> None:
    from datetime import UTC, datetime

    from shotline.studio.exports import ExportOptions, exports_table

    services = server.services
    with services.exports.engine.begin() as conn:
        conn.execute(
            exports_table.insert().values(
                id="cut", project="p1", format="mp4", status="running", progress=0.4,
                filename="p1.mp4", by="member", options=ExportOptions().as_json(),
                created_at=datetime.now(UTC),
            )
        )  # fmt: skip
    assert services.exports.recover() == 1
    record = member.get("/api/projects/p1/exports/cut").json()
    assert (record["status"], record["error"]) == ("failed", "interrupted: the server stopped")
    assert services.exports.recover() == 0


def test_downloads_answer_range_requests(
    timeline: Timeline, member: httpx.Client, server: LiveServer
) -> None:
    """Players seek with Range requests; Starlette's FileResponse answers them (206)."""
    made = member.post("/api/projects/p1/exports", json={"format": "otio"}).json()
    whole = member.get(made["url"])
    assert whole.headers["accept-ranges"] == "bytes"
    size = len(whole.content)
    part = member.get(made["url"], headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 10-19/{size}"
    assert part.content == whole.content[10:20]
    tail = member.get(made["url"], headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == whole.content[-5:]
    beyond = member.get(made["url"], headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416
