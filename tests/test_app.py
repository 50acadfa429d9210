"""The composition root: what a configuration builds."""

from pathlib import Path

import pytest

from shotline.app import blob_store, build_studio
from shotline.assets.blobs import LocalBlobStore
from shotline.assets.s3 import S3BlobStore
from shotline.config import Settings
from shotline.providers.contracts import Kind, VideoRequest
from shotline.providers.errors import NotConfigured
from tests.assets.test_s3 import endpoint, keys  # noqa: F401


def settings(tmp_path: Path, **values: str) -> Settings:
    return Settings.model_validate({"SHOTLINE_DATA": str(tmp_path), **values})


def test_offline_by_default(tmp_path: Path) -> None:
    studio = build_studio(settings(tmp_path))
    assert studio.embedded
    assert isinstance(studio.engine.catalog.blobs, LocalBlobStore)
    assert not [i for i in studio.registry.ids() if not i.startswith("offline.")]
    assert studio.provider_id(Kind.VIDEO, "offline") == "offline.interpolate"
    assert studio.provider_id(Kind.IMAGE, "offline.sketch") == "offline.sketch"
    with pytest.raises(NotConfigured, match="fal is not configured: set FAL_KEY"):
        studio.provider_id(Kind.VIDEO, "fal", "ltx-2")


def test_keys_add_providers_and_models_are_picked(tmp_path: Path) -> None:
    studio = build_studio(settings(tmp_path, FAL_KEY="k", REPLICATE_API_TOKEN="r"))
    assert studio.provider_id(Kind.VIDEO, "fal", "ltx-2") == "fal.ltx-2"
    with pytest.raises(NotConfigured, match=r"several video models.*ltx-2, ltx-2-pro"):
        studio.provider_id(Kind.VIDEO, "fal")
    assert studio.provider_id(Kind.IMAGE, "fal", "flux-2-edit") == "fal.flux-2-edit"
    with pytest.raises(NotConfigured, match="several image models: pick one with --model"):
        studio.provider_id(Kind.IMAGE, "fal")
    assert (
        studio.provider_id(Kind.LIPSYNC, "replicate", "kling-lip-sync")
        == "replicate.kling-lip-sync"
    )


def test_model_accepts_the_providers_own_endpoint_ids(tmp_path: Path) -> None:
    """As a user copies it from the model page: the table when we have one (either endpoint
    of the model), a pass-through with an unknown price when we do not."""
    studio = build_studio(settings(tmp_path, FAL_KEY="k", REPLICATE_API_TOKEN="r"))
    fal = "fal-ai/ltx-2-19b/distilled/image-to-video"
    assert studio.provider_id(Kind.VIDEO, "fal", fal) == "fal.ltx-2"
    assert studio.provider_id(Kind.VIDEO, "fal", "fal-ai/ltx-2-19b/distilled/text-to-video") == (
        "fal.ltx-2"
    )
    assert studio.provider_id(Kind.VIDEO, "fal", "fal-ai/ltx-2/image-to-video") == "fal.ltx-2-pro"
    assert studio.provider_id(Kind.VIDEO, "replicate", "wan-video/wan-2.2-i2v-fast") == (
        "replicate.wan-2.2-i2v"
    )
    new = studio.provider_id(Kind.VIDEO, "fal", "fal-ai/brand-new/image-to-video")
    assert new == "fal:video:fal-ai/brand-new/image-to-video"
    info = studio.registry.get(new).info
    assert (info.model, info.kind, info.pricing.estimate(VideoRequest("x"))) == (
        "fal-ai/brand-new/image-to-video", Kind.VIDEO, None)  # fmt: skip
    assert new not in studio.registry.ids()  # never offered to a film's --providers family
    lip = studio.provider_id(Kind.LIPSYNC, "replicate", "someone/lips")
    assert studio.registry.get(lip).info.model == "someone/lips"
    with pytest.raises(NotConfigured, match="unknown provider 'offline.fal-ai/x'"):
        studio.provider_id(Kind.VIDEO, "offline", "fal-ai/x")  # offline has no pass-through


def test_object_store_holds_the_assets(tmp_path: Path, endpoint: str) -> None:  # noqa: F811
    config = settings(tmp_path, SHOTLINE_S3_URL=endpoint, SHOTLINE_S3_BUCKET="shotline-assets")
    studio = build_studio(config)
    assert isinstance(studio.engine.catalog.blobs, S3BlobStore)
    media = tmp_path / "clip.bin"
    media.write_bytes(b"frame data")
    asset = studio.engine.catalog.add_file(media, kind="video", mime="video/mp4")
    assert keys(endpoint, "shotline-assets") == [f"blobs/{asset.sha256}"]


def test_object_store_needs_a_bucket(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured, match="SHOTLINE_S3_BUCKET is not"):
        blob_store(settings(tmp_path, SHOTLINE_S3_URL="http://127.0.0.1:9"))
