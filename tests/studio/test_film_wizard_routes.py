"""What the browser's film wizard needs over HTTP: the variants at each checkpoint as images,
the image model's reference cap, a guide image upload, what a checkpoint still awaits, Phase 3's
estimate before it runs, and the clip grid (each segment's video job)."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from tests.film.pipeline_support import SCRIPT
from tests.studio.conftest import LiveServer
from tests.studio.test_film_routes import _stopped
from tests.studio.test_media_routes import API


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), colour).save(out, format="PNG")
    return out.getvalue()


def test_the_wizard_picks_variants_uploads_a_guide_confirms_and_follows_the_clips(
    server: LiveServer, member: httpx.Client, outsider: httpx.Client
) -> None:
    options = {"script": SCRIPT, "variants": 2, "segments": 3, "width": 256, "height": 144}
    run = member.post(f"{API}/films", json=options).json()["id"]
    films = f"{API}/films/{run}"
    waiting = _stopped(member, run)
    assert waiting["phase"] == "awaiting_pick_refs"
    assert "character:mara" in waiting["awaiting"]
    assert [s["status"] for s in waiting["segments"]] == ["waiting"] * 3

    found = member.get(f"{films}/checkpoints").json()
    assert found["cap"] == 4 and found["image_model"]
    mara = next(r for r in found["refs"] if r["key"] == "character:mara")
    assert mara["kind"] == "character" and mara["label"] == "Mara" and mara["pick"] is None
    assert len(mara["variants"]) == 2
    image = member.get(mara["variants"][1])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert outsider.get(mara["variants"][1]).status_code == 403
    for path in ("run.json", "references/../run.json", "picks.json", "script.yaml"):
        assert member.get(f"{films}/images/{path}").status_code == 404

    guides = f"{films}/guides/character:theo"
    text = member.put(guides, content=b"hello", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415 and "PNG, JPEG or WebP" in text.json()["detail"]
    broken = member.put(guides, content=b"not a png", headers={"Content-Type": "image/png"})
    assert broken.status_code == 422 and "not a readable image" in broken.json()["detail"]
    unknown = member.put(f"{films}/guides/nobody", content=_png((9, 9, 9)),
                         headers={"Content-Type": "image/png"})  # fmt: skip
    assert unknown.status_code == 422 and "not a reference" in unknown.json()["detail"]
    guided = member.put(guides, content=_png((200, 40, 40)), headers={"Content-Type": "image/png"})
    assert guided.status_code == 200, guided.text
    assert guided.json()["refs"]["character:theo"] == "references/guides/character-theo.png"
    theo = next(r for r in member.get(f"{films}/checkpoints").json()["refs"]
                if r["key"] == "character:theo")  # fmt: skip
    assert theo["guide"] and member.get(theo["guide"]).content == _png((200, 40, 40))

    rest = {r["key"]: 1 for r in found["refs"] if r["key"] != "character:theo"}
    assert member.post(f"{films}/picks", json={"what": "refs", "choices": rest}).status_code == 200
    assert member.get(films).json()["awaiting"] == []
    assert member.post(f"{films}/resume", json={}).status_code == 202
    keyframes = _stopped(member, run)
    assert keyframes["phase"] == "awaiting_pick_keyframes", keyframes["message"]
    assert keyframes["awaiting"] == ["0", "1", "2", "3"]

    found = member.get(f"{films}/checkpoints").json()
    assert [k["boundary"] for k in found["keyframes"]] == [0, 1, 2, 3]
    assert all(len(k["variants"]) == 2 and k["references"] for k in found["keyframes"])
    assert "environment:crater" in found["keyframes"][0]["references"]
    choices = {"K0": 0, "K1": 1, "K2": 0, "K3": 1}
    member.post(f"{films}/picks", json={"what": "keyframes", "choices": choices})
    status = member.get(films).json()
    assert status["awaiting"] == [] and status["picks"]["keyframes"]["1"] == 1

    cost = member.get(f"{films}/estimate").json()
    assert cost["phase"].startswith("Phase 3") and cost["generate"] >= 3
    assert float(cost["cost"]) == 0 and "to generate for" in cost["text"]

    assert member.post(f"{films}/confirm", json={}).status_code == 202
    done = _stopped(member, run)
    assert done["phase"] == "done", done["message"]
    assert [s["status"] for s in done["segments"]] == ["succeeded"] * 3
    assert all(s["progress"] == 1.0 for s in done["segments"])
    assert member.get(f"{films}/images/storyboard.png").status_code == 200
