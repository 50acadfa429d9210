"""The built-in providers for a configuration: offline ones always, HTTP ones when configured.

Only this module (with the app's composition root) maps ``Settings`` to concrete providers.
"""

from __future__ import annotations

from shotline.config import Settings
from shotline.providers.contracts import LocalProvider, Provider
from shotline.providers.http import (
    ComfyUIProvider,
    FallbackChat,
    FalProvider,
    OpenAIChat,
    ReplicateProvider,
    RunwayProvider,
    fal_providers,
    replicate_providers,
)
from shotline.providers.http.fal import passthrough_model as fal_passthrough
from shotline.providers.http.replicate import passthrough_model as replicate_passthrough
from shotline.providers.offline import offline_providers
from shotline.providers.registry import Passthrough

# What an unconfigured provider family needs, for the error a user sees when asking for it.
NEEDS = {
    "fal.": "FAL_KEY",
    "replicate.": "REPLICATE_API_TOKEN",
    "runway.": "RUNWAYML_API_SECRET",
    "llm.": "OPENROUTER_API_KEY or ANTHROPIC_API_KEY (or SHOTLINE_LLM_URL for a local server)",
    "comfyui.": "SHOTLINE_COMFYUI_URL",
}


def _writers(settings: Settings) -> list[LocalProvider]:
    chain: list[LocalProvider] = []
    # A self-hosted OpenAI-compatible server (llama.cpp, vLLM, Ollama) needs no key.
    local_llm = "openrouter.ai" not in settings.llm_url
    if settings.openrouter_api_key or local_llm:
        chain.append(
            OpenAIChat(
                base_url=settings.llm_url,
                model=settings.llm_model,
                api_key=settings.openrouter_api_key,
                provider_id="llm.primary",
            )
        )
    if settings.anthropic_api_key:
        chain.append(
            OpenAIChat(
                base_url=settings.anthropic_url,
                model="claude-sonnet-4-5",
                api_key=settings.anthropic_api_key,
                provider_id="llm.anthropic",
            )
        )
    # OpenRouter first, Anthropic second (seed 001: Anthropic as primary hits 429s in batches).
    return [*chain, FallbackChat(chain, provider_id="llm.chat")] if chain else []


def builtin_providers(settings: Settings) -> list[Provider]:
    providers: list[Provider] = list(offline_providers())
    if settings.fal_key:
        providers += fal_providers(settings.fal_key, settings.fal_url)
    if settings.replicate_api_token:
        providers += replicate_providers(settings.replicate_api_token, settings.replicate_url)
    if settings.runwayml_api_secret:
        providers.append(
            RunwayProvider(api_key=settings.runwayml_api_secret, base_url=settings.runway_url)
        )
    if settings.comfyui_url:
        providers.append(ComfyUIProvider(base_url=settings.comfyui_url))
    providers += _writers(settings)
    return providers


def builtin_passthrough(settings: Settings) -> dict[str, Passthrough]:
    """Families that serve an endpoint id with no table (``--model fal-ai/...``), configured."""
    made: dict[str, Passthrough] = {}
    if settings.fal_key:
        key, url = settings.fal_key, settings.fal_url
        made["fal"] = lambda kind, endpoint: FalProvider(
            fal_passthrough(kind, endpoint), api_key=key, base_url=url
        )
    if settings.replicate_api_token:
        token, rurl = settings.replicate_api_token, settings.replicate_url
        made["replicate"] = lambda kind, name: ReplicateProvider(
            replicate_passthrough(kind, name), api_token=token, base_url=rurl
        )
    return made


def missing_setting(provider_id: str) -> str | None:
    """The setting a known but unconfigured provider needs, if any."""
    for prefix, need in NEEDS.items():
        if provider_id.startswith(prefix):
            return need
    return None
