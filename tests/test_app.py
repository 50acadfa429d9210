"""The composition root: what a configuration builds."""

from pathlib import Path

import pytest

from shotline.app import blob_store, build_studio
from shotline.assets.blobs import LocalBlobStore
from shotline.assets.s3 import S3BlobStore
from shotline.config import Settings
from shotline.providers.contracts import Kind
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
    assert studio.provider_id(Kind.VIDEO, "fal") == "fal.ltx-2"  # the family's only video model
    assert studio.provider_id(Kind.IMAGE, "fal", "flux-2-edit") == "fal.flux-2-edit"
    with pytest.raises(NotConfigured, match="several image models: pick one with --model"):
        studio.provider_id(Kind.IMAGE, "fal")
    assert (
        studio.provider_id(Kind.LIPSYNC, "replicate", "kling-lip-sync")
        == "replicate.kling-lip-sync"
    )


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
