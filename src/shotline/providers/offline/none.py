"""Capabilities with no offline stand-in: they say so, plainly, and name what to configure."""

from __future__ import annotations

from shotline.providers.contracts import Kind, Output, ProviderInfo, Request, RunContext
from shotline.providers.errors import CapabilityError


class Unavailable:
    """A provider id that exists offline only to explain what to configure instead."""

    def __init__(self, provider_id: str, kind: Kind, label: str, advice: str) -> None:
        self.info = ProviderInfo(
            id=provider_id, kind=kind, model="none", label=label, queue="cpu", offline=True
        )
        self.advice = advice

    def generate(self, request: Request, ctx: RunContext) -> Output:
        raise CapabilityError(self.advice, provider=self.info.id)


def no_lipsync() -> Unavailable:
    return Unavailable(
        "offline.lipsync",
        Kind.LIPSYNC,
        "Lip sync (not available offline)",
        "lip sync is not available offline: configure a provider such as fal "
        "(sync-lipsync / latentsync) or Replicate with an API key",
    )


def no_spatial() -> Unavailable:
    return Unavailable(
        "offline.spatial",
        Kind.SPATIAL,
        "Image to 3D scene (not available offline)",
        "image-to-3D scenes are not available offline: configure a provider such as "
        "Apple's Sharp on a local GPU or a hosted image-to-3D service",
    )
