"""VRAM on a local GPU worker: cleared only when the next job needs a different model type.

Reloading a model costs 15-20 s (seed 000), so two image jobs in a row keep the model loaded and
only a switch (image -> video, video -> 3D ...) clears. A fresh worker assumes none of our models
is loaded, so its first job never clears.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable


@runtime_checkable
class VramOwner(Protocol):
    """A provider that holds GPU memory and can give it back."""

    def clear_vram(self) -> None: ...


@runtime_checkable
class _FreeVram(Protocol):  # ComfyUI's spelling
    def free_vram(self) -> None: ...


def release(provider: object) -> bool:
    """Ask ``provider`` to free its VRAM, under either name; False when it holds none."""
    if isinstance(provider, VramOwner):
        provider.clear_vram()
        return True
    if isinstance(provider, _FreeVram):
        provider.free_vram()
        return True
    return False


class VramTracker:
    """Per worker process: the model type last run on its GPU and how many clears happened."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.loaded: str | None = None
        self.clears = 0
        self._holder: object | None = None  # the provider that loaded ``loaded``

    def before(self, model_type: str, provider: object) -> bool:
        """Call before a local-gpu job. On a model-type switch both the provider holding the
        GPU and the one about to run are asked to free it (seed 000: "both services get a
        clear-vram call"). Returns whether it cleared."""
        with self._lock:
            switch = self.loaded is not None and model_type != self.loaded
            if switch:
                owners = [self._holder] if self._holder is not None else []
                if provider is not self._holder:
                    owners.append(provider)
                for owner in owners:
                    release(owner)
                self.clears += 1
            self.loaded = model_type
            self._holder = provider
            return switch
