"""Saved timelines over HTTP: save (JSON + the frame under the playhead), list, load for everyone,
admin-only delete, events, and refusals."""

from __future__ import annotations

import asyncio
import io
import json
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from shotline.media.testcard import TestCard, read_frame_index, write_testcard
from shotline.studio.collab.client import TimelineClient
from shotline.timeline import Clip
from shotline.timeline.snapshot import clip_to_dict, from_dict
from tests.studio.conftest import PROJECT, LiveServer
from tests.studio.test_live_timeline import command, cookie, socket_url

SAVES = f"/api/projects/{PROJECT}/saves"


def card(tmp_path: Path) -> Path:
    return write_testcard(TestCard(fps=Fraction(24), duration=4.0), tmp_path / "card.mp4")


def build(member: httpx.Client, media: Path) -> None:
    wide = Clip(id="wide", name="wide.mp4", start=0.0, duration=4.0, source=str(media),
                source_duration=4.0, source_fps=Fraction(24), has_audio=False)  # fmt: skip
    gen = Clip(id="gen", name="AI: jeep", start=1.0, duration=2.0, track_index=1,
               linked_clip_ids=("wide",), source_duration=2.0)  # fmt: skip
    for clip in (wide, gen.with_(source=None)):
        assert command(member, op="add", clip=clip_to_dict(clip)).status_code == 200
    member.put(f"/api/projects/{PROJECT}/timeline/selection", json={"playhead": 0.5})


def test_save_list_preview_and_load_for_everyone(
    server: LiveServer, member: httpx.Client, admin: httpx.Client, tmp_path: Path
) -> None:
    build(member, card(tmp_path))
    saved = member.post(SAVES, json={"name": "Scene 4 - Street Chase / ../../etc"})
    assert saved.status_code == 201, saved.text
    entry = saved.json()
    assert entry["name"] == "Scene 4 - Street Chase / ../../etc"
    assert (entry["clips"], entry["tracks"], entry["audio_tracks"]) == (2, 2, 1)
    assert entry["saved_by"] == "member" and entry["saved_at"].endswith("Z")
    assert "/" not in entry["id"] and ".." not in entry["id"]

    # the files are the database: seed-compatible JSON beside the PNG
    folder = server.services.settings.data_dir / "saves" / PROJECT
    on_disk = json.loads((folder / f"{entry['id']}.json").read_text())
    assert on_disk["savedBy"] == "member" and from_dict(on_disk).clip("gen").linked_clip_ids == (
        "wide",
    )
    assert sorted(p.name for p in folder.iterdir()) == [f"{entry['id']}.json", f"{entry['id']}.png"]

    # the preview is the frame under the playhead: 0.5 s at 24 fps is frame 12 (V2's clip has no
    # media, so the player shows V1 there)
    png = member.get(entry["preview_url"])
    assert png.headers["content-type"] == "image/png"
    assert read_frame_index(np.asarray(Image.open(io.BytesIO(png.content)).convert("RGB"))) == 12

    listed = member.get(SAVES).json()
    assert [s["id"] for s in listed] == [entry["id"]]
    assert member.get(f"{SAVES}/{entry['id']}").json()["clips"][0]["id"] == "wide"

    # change the live timeline, then load the save: every client sees the saved state
    command(member, op="delete", clipId="gen")
    command(member, op="move", clipId="wide", startTime=10.0)
    member.put(f"/api/projects/{PROJECT}/timeline/selection", json={"playhead": 9.0})

    async def scenario() -> None:
        async with TimelineClient(socket_url(server), cookie(admin)) as watcher:
            await watcher.until(lambda: (watcher.clip("wide") or {}).get("startTime") == 10.0)
            loaded = admin.post(f"{SAVES}/{entry['id']}/load")
            assert loaded.status_code == 200, loaded.text
            await watcher.until(
                lambda: (
                    (watcher.clip("wide") or {}).get("startTime") == 0.0
                    and watcher.clip("gen") is not None
                    and watcher.view.read_selection().playhead == 0.0
                )
            )

    asyncio.run(asyncio.wait_for(scenario(), 30))
    live = server.services.timelines.get(PROJECT)
    assert live.clip("gen").linked_clip_ids == ("wide",) and live.selection.playhead == 0.0
    kinds = [r.event.type for r in server.services.events.since(PROJECT, 0)]
    assert kinds[-2:] == ["timeline_saved", "timeline_loaded"]


def test_only_an_admin_deletes_and_unknown_saves_are_404(
    server: LiveServer, member: httpx.Client, admin: httpx.Client, outsider: httpx.Client
) -> None:
    entry = member.post(SAVES, json={"name": "cut 1"}).json()
    assert member.delete(f"{SAVES}/{entry['id']}").status_code == 403
    assert outsider.get(SAVES).status_code == 403
    for bad in ("nope", "..%2F..%2Fshotline", entry["id"] + "x"):
        assert member.get(f"{SAVES}/{bad}").status_code == 404
        assert member.post(f"{SAVES}/{bad}/load").status_code == 404
    assert member.post(SAVES, json={"name": ""}).status_code == 422
    assert member.post(SAVES, json={"name": "x" * 201}).status_code == 422
    assert admin.delete(f"{SAVES}/{entry['id']}").status_code == 204
    assert member.get(SAVES).json() == []
    assert admin.delete(f"{SAVES}/{entry['id']}").status_code == 404


def test_a_broken_save_is_refused_and_the_live_timeline_kept(
    server: LiveServer, member: httpx.Client
) -> None:
    command(member, op="add", clip=clip_to_dict(Clip(id="a", name="a", start=0, duration=2)))
    entry = member.post(SAVES, json={"name": "cut"}).json()
    path = server.services.settings.data_dir / "saves" / PROJECT / f"{entry['id']}.json"
    data = json.loads(path.read_text())
    data["clips"].append(dict(data["clips"][0], id="b"))  # overlaps 'a' on V1
    path.write_text(json.dumps(data))
    command(member, op="move", clipId="a", startTime=5.0)
    refused = member.post(f"{SAVES}/{entry['id']}/load")
    assert refused.status_code == 422 and "would overlap" in refused.json()["detail"]
    assert server.services.timelines.get(PROJECT).clip("a").start == 5.0


def test_the_preview_of_an_uploaded_clip_is_its_frame_not_black(
    server: LiveServer, member: httpx.Client, tmp_path: Path
) -> None:
    """Uploaded clips play from media URLs (``cloudUrl``): the preview finds their bytes in the
    catalog."""
    api = f"/api/projects/{PROJECT}"
    body = {"filename": "wide.mp4", "duration": 4, "startTime": 0}
    clip_id = member.post(f"{api}/local-clips", json=body).json()["clip_id"]
    data = card(tmp_path).read_bytes()
    upload = member.post(
        f"{api}/uploads", json={"filename": "wide.mp4", "size": len(data), "clip_id": clip_id}
    ).json()
    member.put(f"{api}/uploads/{upload['id']}", content=data).raise_for_status()
    server.services.uploads.wait(PROJECT, upload["id"])
    assert server.services.timelines.get(PROJECT).clip(clip_id).source_type.value == "cloud"
    member.put(f"{api}/timeline/selection", json={"playhead": 1.0}).raise_for_status()
    saved = member.post(SAVES, json={"name": "uploaded"}).json()
    png = member.get(saved["preview_url"])
    image = np.asarray(Image.open(io.BytesIO(png.content)).convert("RGB"))
    assert image.mean() > 10, "the preview is black: the clip's media URL was not resolved"
    assert read_frame_index(image) == 24
