"""HTTP providers for the real services (fal, Replicate, Runway, OpenAI-compatible chat, ComfyUI).

Every base URL and key comes from constructor arguments; only the composition root maps
``Settings`` to them. Each module states the protocol it follows and how failures map to errors.
"""

from shotline.providers.http.client import HttpClient
from shotline.providers.http.comfyui import TXT2IMG, ComfyUIProvider, WorkflowTemplate
from shotline.providers.http.fal import FalModel, FalProvider, fal_providers
from shotline.providers.http.openai_chat import FallbackChat, OpenAIChat
from shotline.providers.http.replicate import (
    LIPSYNC_FALLBACK,
    ReplicateModel,
    ReplicateProvider,
    replicate_providers,
)
from shotline.providers.http.runway import RunwayProvider

__all__ = [
    "LIPSYNC_FALLBACK",
    "TXT2IMG",
    "ComfyUIProvider",
    "FalModel",
    "FalProvider",
    "FallbackChat",
    "HttpClient",
    "OpenAIChat",
    "ReplicateModel",
    "ReplicateProvider",
    "RunwayProvider",
    "WorkflowTemplate",
    "fal_providers",
    "replicate_providers",
]
