"""The DAM: one listing over every source, filters (any script), cost, removal rights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from shotline.studio.dam import DamItem, DamKind, DamQuery
from tests.studio.conftest import LiveServer

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def items(project: str) -> list[DamItem]:
    if project != "p1":
        return []
    return [
        DamItem("generated_clip:j1", DamKind.GENERATED_CLIP, "AI: jeep under camera", "member",
                T0, "fal.ltx-2", "ltx-2", "a jeep drives under the camera", Decimal("0.0885"),
                asset="a" * 64, url="/api/projects/p1/media/" + "a" * 64),
        DamItem("generated_image:j2", DamKind.GENERATED_IMAGE, "AI: 夜の街", "admin",
                T0 + timedelta(minutes=1), "offline.sketch", "sketch", "夜の街を走るJeep",
                Decimal("0")),
        DamItem("upload:u1", DamKind.UPLOAD, "establishing_wide.mp4", "member",
                T0 + timedelta(minutes=2), asset="b" * 64),
        DamItem("film:r1", DamKind.FILM, "astronaut.mp4", "admin", T0 + timedelta(minutes=3),
                cost=Decimal("1.25")),
        DamItem("timeline:s1", DamKind.TIMELINE, "Scene 4 - Street Chase", "member",
                T0 + timedelta(minutes=4)),
    ]  # fmt: skip


def ids(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [i["id"] for i in answer.json()["items"]]


def test_listing_filters_and_costs(server: LiveServer, member: httpx.Client) -> None:
    server.services.dam.add_source("test", items)
    everything = member.get("/api/projects/p1/assets")
    assert ids(everything) == ["timeline:s1", "film:r1", "upload:u1", "generated_image:j2",
                               "generated_clip:j1"]  # fmt: skip
    assert everything.json()["total_cost"] == "1.3385"
    get = member.get
    assert ids(get("/api/projects/p1/assets", params={"kind": ["upload", "film"]})) == [
        "film:r1", "upload:u1",
    ]  # fmt: skip
    assert ids(get("/api/projects/p1/assets", params={"owner": "admin"})) == [
        "film:r1", "generated_image:j2",
    ]  # fmt: skip
    assert ids(get("/api/projects/p1/assets", params={"provider": "fal"})) == ["generated_clip:j1"]
    assert ids(get("/api/projects/p1/assets", params={"provider": "offline.sketch"})) == [
        "generated_image:j2"
    ]
    assert ids(get("/api/projects/p1/assets", params={"model": "ltx-2"})) == ["generated_clip:j1"]
    assert ids(get("/api/projects/p1/assets", params={"q": "JEEP"})) == [
        "generated_image:j2", "generated_clip:j1",
    ]  # fmt: skip
    assert ids(get("/api/projects/p1/assets", params={"q": "夜の街"})) == ["generated_image:j2"]
    assert ids(get("/api/projects/p1/assets", params={"q": "street chase"})) == ["timeline:s1"]
    clip = get("/api/projects/p1/assets/generated_clip:j1").json()
    assert (clip["cost"], clip["prompt"], clip["url"]) == (
        "0.0885", "a jeep drives under the camera", "/api/projects/p1/media/" + "a" * 64,
    )  # fmt: skip
    bad = get("/api/projects/p1/assets", params={"kind": "sound"})
    assert bad.status_code == 422 and "kind" in bad.json()["detail"]
    assert get("/api/projects/p1/assets", params={"q": "x" * 1001}).status_code == 422


def test_removal_rights(server: LiveServer, member: httpx.Client, admin: httpx.Client) -> None:
    server.services.dam.add_source("test", items)
    mine, theirs = "/api/projects/p1/assets/upload:u1", "/api/projects/p1/assets/film:r1"
    refused = member.delete(theirs)
    assert refused.status_code == 403 and "only an admin" in refused.json()["detail"]
    assert member.delete("/api/projects/p1/assets/timeline:s1").status_code == 409
    assert member.delete(mine).status_code == 204
    assert admin.delete(theirs).status_code == 204
    assert admin.delete("/api/projects/p1/assets/film:nope").status_code == 404
    assert ids(member.get("/api/projects/p1/assets")) == [
        "timeline:s1", "generated_image:j2", "generated_clip:j1",
    ]  # fmt: skip
    # Hidden in this project only, and the DAM knows which assets the project still shows.
    dam = server.services.dam
    assert dam.has_asset("p1", "a" * 64) and not dam.has_asset("p1", "b" * 64)


def test_a_family_filter_takes_its_pass_through_models() -> None:
    """``provider=fal`` is the fal family, endpoint ids it passes through included (the
    registry's ``family``), and never a model whose name merely starts the same."""
    passthrough = DamItem("generated_clip:j3", DamKind.GENERATED_CLIP, "AI: moon", "member", T0,
                          "fal:video:fal-ai/ltx-2-19b/distilled/image-to-video")  # fmt: skip
    tabled = DamItem("generated_clip:j4", DamKind.GENERATED_CLIP, "AI: moon", "member", T0,
                     "replicate.wan-2.2-i2v")  # fmt: skip
    assert DamQuery(provider="fal").matches(passthrough)
    assert not DamQuery(provider="replicate").matches(passthrough)
    assert DamQuery(provider="replicate").matches(tabled)
    assert not DamQuery(provider="replicate.wan-2").matches(tabled)
    assert DamQuery(provider="replicate.wan-2.2-i2v").matches(tabled)
