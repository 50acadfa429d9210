from __future__ import annotations

from pathlib import Path

import pytest

from shotline.providers.contracts import (
    Free,
    LipsyncRequest,
    LocalProvider,
    SimpleContext,
    SpatialRequest,
)
from shotline.providers.errors import CapabilityError
from shotline.providers.offline import no_lipsync, no_spatial, offline_providers


def test_offline_providers() -> None:
    providers = offline_providers()
    ids = [p.info.id for p in providers]
    assert len(ids) == len(set(ids)) == 6
    assert {p.info.kind.value for p in providers} == {
        "video",
        "image",
        "speech",
        "writer",
        "lipsync",
        "spatial",
    }
    for provider in providers:
        assert isinstance(provider, LocalProvider)
        assert provider.info.offline and provider.info.queue == "cpu"
        assert isinstance(provider.info.pricing, Free) and provider.info.id.startswith("offline.")


def test_not_available_offline(tmp_path: Path) -> None:
    ctx = SimpleContext(tmp_path)
    with pytest.raises(CapabilityError, match="not available offline"):
        no_lipsync().generate(
            LipsyncRequest(video=tmp_path / "v.mp4", audio=tmp_path / "a.wav", duration=2.0), ctx
        )
    with pytest.raises(CapabilityError, match="not available offline"):
        no_spatial().generate(SpatialRequest(image=tmp_path / "i.png"), ctx)
