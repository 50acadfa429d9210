"""The embedded default providers: no keys, no network, CPU only.

``offline.interpolate`` (video: optical-flow in-betweens, push-ins, title cards),
``offline.sketch`` (image: pencil storyboard frames), ``offline.espeak`` (speech),
``offline.draft`` (writer: schema-shaped drafts), and ``offline.lipsync`` / ``offline.spatial``,
which refuse with a ``CapabilityError`` naming what to configure.
"""

from __future__ import annotations

from shotline.providers.contracts import LocalProvider
from shotline.providers.offline.draft import DraftWriter
from shotline.providers.offline.espeak import EspeakSpeech
from shotline.providers.offline.interpolate import OfflineInterpolate
from shotline.providers.offline.none import no_lipsync, no_spatial
from shotline.providers.offline.sketch import OfflineSketch

__all__ = [
    "DraftWriter",
    "EspeakSpeech",
    "OfflineInterpolate",
    "OfflineSketch",
    "no_lipsync",
    "no_spatial",
    "offline_providers",
]


def offline_providers() -> list[LocalProvider]:
    """One instance of every offline provider."""
    return [
        OfflineInterpolate(),
        OfflineSketch(),
        EspeakSpeech(),
        DraftWriter(),
        no_lipsync(),
        no_spatial(),
    ]
