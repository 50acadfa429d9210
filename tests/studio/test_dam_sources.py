"""The DAM's adapters over real records: a generation's job (provider, model, prompt, cost, its
asset), an upload's asset, a finished film run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from shotline.providers.contracts import ImageRequest
from shotline.studio.dam import DamKind, DamQuery
from shotline.studio.dam_sources import films, generations, uploads
from shotline.studio.services import StudioServices

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Generation:
    job_id: str
    clip_id: str
    user: str
    created_at: datetime


@dataclass
class Upload:
    id: str
    owner: str
    filename: str
    size: int
    status: str
    asset: str | None
    created_at: datetime


@dataclass
class Options:
    idea: str | None
    user: str


@dataclass
class Run:
    id: str
    created_at: datetime
    phase: str
    spent: Decimal
    options: Options
    outputs: dict[str, str] = field(default_factory=dict)


def test_generated_uploaded_and_film_items(services: StudioServices, tmp_path: Path) -> None:
    engine = services.studio.engine
    job_id = engine.submit(ImageRequest("一匹の赤い狐 in the snow", 320, 180), "offline.sketch",
                           "member")  # fmt: skip
    job = engine.wait(job_id)
    assert job.status == "succeeded" and job.result_asset
    still = tmp_path / "still.bin"
    still.write_bytes(b"not really a video but bytes")
    stored = engine.catalog.add_file(still, kind="video", mime="video/mp4", owner="member")
    film = tmp_path / "film.mp4"
    film.write_bytes(b"film bytes")

    dam = services.dam
    dam.add_source("fake-generations", generations(
        lambda p: [Generation(job_id, "clip-1", "member", T0)] if p == "p1" else [],
        engine.engine))  # fmt: skip
    dam.add_source("fake-uploads", uploads(
        lambda p: [Upload("u1", "admin", "wide.mp4", 28, "ready", stored.sha256, T0),
                   Upload("u2", "admin", "half.mp4", 10, "uploading", None, T0)],
        engine.engine))  # fmt: skip
    runs: list[Any] = [
        Run("r1", T0, "done", Decimal("0.42"), Options("an astronaut finds a garden", "member"),
            {"film": str(film)}),
        Run("r2", T0, "keyframes", Decimal("0"), Options("unfinished", "member")),
    ]  # fmt: skip
    dam.add_source("fake-films", films(lambda p: runs))

    items = {i.id: i for i in dam.list("p1")}
    image = items[f"generated_image:{job_id}"]
    assert (image.kind, image.provider, image.model, image.owner) == (
        DamKind.GENERATED_IMAGE, "offline.sketch", job.model, "member",
    )  # fmt: skip
    assert image.prompt == "一匹の赤い狐 in the snow" and image.cost == job.estimated_cost
    assert image.asset == job.result_asset and image.mime and image.size
    assert image.url == f"/api/projects/p1/media/{job.result_asset}"
    upload = items["upload:u1"]
    assert (upload.asset, upload.mime, upload.size, upload.status) == (
        stored.sha256, "video/mp4", stored.size, "ready",
    )  # fmt: skip
    assert items["upload:u2"].url is None and items["upload:u2"].status == "uploading"
    assert "film:r2" not in items
    made = items["film:r1"]
    assert (made.cost, made.owner, made.size, made.url) == (
        Decimal("0.42"), "member", 10, "/api/projects/p1/films/r1/film",
    )  # fmt: skip
    assert [i.id for i in dam.list("p1", DamQuery(text="赤い狐"))] == [f"generated_image:{job_id}"]
    assert [i.id for i in dam.list("p1", DamQuery(provider="offline"))] == [
        f"generated_image:{job_id}"
    ]
    assert not [i for i in dam.list("p2") if i.kind is DamKind.GENERATED_IMAGE]  # p1's only


def test_an_upload_over_http_is_in_the_dam_with_its_media(
    server: Any, member: Any, tmp_path: Path
) -> None:
    import time
    from fractions import Fraction

    from shotline.media.testcard import TestCard, write_testcard

    data = write_testcard(TestCard(Fraction(24), 1.0), tmp_path / "wide.mp4").read_bytes()
    api = "/api/projects/p1"
    upload = member.post(f"{api}/uploads", json={"filename": "wide.mp4", "size": len(data)}).json()
    member.put(f"{api}/uploads/{upload['id']}", content=data).raise_for_status()
    deadline = time.monotonic() + 60
    while (done := member.get(f"{api}/uploads/{upload['id']}").json())["status"] != "ready":
        assert time.monotonic() < deadline and done["status"] != "failed", done
        time.sleep(0.05)
    listed = member.get(f"{api}/assets", params={"kind": "upload"}).json()["items"]
    assert [(i["name"], i["owner"], i["mime"], i["size"]) for i in listed] == [
        ("wide.mp4", "member", "video/mp4", len(data)),
    ]  # fmt: skip
    part = member.get(listed[0]["url"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == data[:100]
