"""The built-in providers for a configuration: offline ones always, HTTP ones when configured.

Only this module (with the app's composition root) maps ``Settings`` to concrete providers.
"""

from __future__ import annotations

import logging

from shotline.config import ALLOWED_ORIGINS_ENV, Settings
from shotline.providers.contracts import LocalProvider, Provider
from shotline.providers.errors import NotConfigured
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

log = logging.getLogger(__name__)

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


def check_key_routes(settings: Settings) -> None:
    """A key going to a non-default origin is said; it must have been configured by the same
    source as the key (both in the environment, or both in one ``.env``) or allowed explicitly,
    so a project folder's ``.env`` cannot point a base URL at its own server and collect the
    user's key."""
    for route in settings.key_routes():
        if not route.allowed:
            raise NotConfigured(
                f"{route.key} (set in {route.key_source}) would be sent to {route.origin}, "
                f"which {route.setting} sets in {route.url_source}; the key was not sent. Set "
                f"{route.setting} where {route.key} is set, or allow that origin with "
                f"{ALLOWED_ORIGINS_ENV}={route.origin} in the environment"
            )
        log.warning(
            "%s goes to %s, not %s (%s set in %s)",
            *(route.key, route.origin, route.default, route.setting, route.url_source),
        )


def builtin_providers(settings: Settings) -> list[Provider]:
    check_key_routes(settings)
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
