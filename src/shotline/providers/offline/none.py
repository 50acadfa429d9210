"""Capabilities with no offline stand-in: they say so, plainly, and name what to configure."""

from __future__ import annotations

from shotline.providers.contracts import (
    Capabilities,
    Free,
    Kind,
    Output,
    ProviderInfo,
    Request,
    RunContext,
)
from shotline.providers.errors import CapabilityError


class NoLipsync:
    """``offline.lipsync``: lip sync needs a model; the offline build has none."""

    def __init__(self) -> None:
        self.info = ProviderInfo(
            id="offline.lipsync",
            kind=Kind.LIPSYNC,
            model="none",
            label="Lip sync (not available offline)",
            capabilities=Capabilities(),
            pricing=Free(),
            queue="cpu",
            offline=True,
        )

    def generate(self, request: Request, ctx: RunContext) -> Output:
        raise CapabilityError(
            "lip sync is not available offline: configure a provider such as fal "
            "(sync-lipsync / latentsync) or Replicate with an API key",
            provider=self.info.id,
        )


class NoSpatial:
    """``offline.spatial``: image-to-3D needs a model; the offline build has none."""

    def __init__(self) -> None:
        self.info = ProviderInfo(
            id="offline.spatial",
            kind=Kind.SPATIAL,
            model="none",
            label="Image to 3D scene (not available offline)",
            capabilities=Capabilities(),
            pricing=Free(),
            queue="cpu",
            offline=True,
        )

    def generate(self, request: Request, ctx: RunContext) -> Output:
        raise CapabilityError(
            "image-to-3D scenes are not available offline: configure a provider such as "
            "Apple's Sharp on a local GPU or a hosted image-to-3D service",
            provider=self.info.id,
        )
