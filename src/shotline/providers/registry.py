"""Finding providers: a built-in list plus plugins from the ``shotline.providers`` entry points.

A plugin entry point names a callable returning providers. A plugin that fails to load is logged and
skipped (one broken package must not take the studio down); a duplicate id is an error, never a
silent replacement. ``SHOTLINE_PLUGINS`` ("module:callable,...") adds plugins without packaging,
for development and for test workers in other processes.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import entry_points

from shotline.providers.contracts import Kind, Provider
from shotline.providers.errors import NotConfigured

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "shotline.providers"
PLUGINS_ENV = "SHOTLINE_PLUGINS"

Factory = Callable[[], Iterable[Provider]]


def family(provider_id: str) -> str:
    """``fal`` for ``fal.ltx-2`` and for a pass-through ``fal:video:<endpoint>``: the account a
    provider belongs to, named by the part of its id before the first dot or colon."""
    return re.split(r"[.:]", provider_id, maxsplit=1)[0]


class DuplicateProvider(ValueError):
    pass


# A family's way to serve an endpoint id it has no table for: (kind, endpoint) -> provider.
Passthrough = Callable[[Kind, str], Provider]


class ProviderRegistry:
    def __init__(
        self,
        providers: Iterable[Provider] = (),
        passthrough: Mapping[str, Passthrough] | None = None,
    ) -> None:
        self._providers: dict[str, Provider] = {}
        self._passthrough = dict(passthrough or {})
        self._made: dict[str, Provider] = {}  # pass-through providers built on demand
        for provider in providers:
            self.add(provider)

    def add(self, provider: Provider) -> None:
        pid = provider.info.id
        if pid in self._providers:
            raise DuplicateProvider(f"two providers share the id {pid!r}")
        self._providers[pid] = provider

    def get(self, provider_id: str) -> Provider:
        """A provider by id; ``family:kind:endpoint`` builds the family's pass-through for an
        endpoint it has no table for (the same id works on every worker with that family)."""
        if provider_id in self._providers:
            return self._providers[provider_id]
        if provider_id in self._made:
            return self._made[provider_id]
        name, _, rest = provider_id.partition(":")
        kind, _, endpoint = rest.partition(":")
        if name in self._passthrough and endpoint and kind in Kind.__members__.values():
            made = self._passthrough[name](Kind(kind), endpoint)
            self._made[made.info.id] = made
            return made
        known = ", ".join(sorted(self._providers)) or "none"
        raise NotConfigured(f"unknown provider {provider_id!r} (known: {known})")

    def resolve(self, kind: Kind, provider: str, model: str | None = None) -> str:
        """``--provider``/``--model`` to a provider id: a full id (``fal.ltx-2``), a family and
        our short name (``fal`` + ``ltx-2``), a family and the provider's own endpoint id as its
        model page spells it (``fal`` + ``fal-ai/ltx-2-19b/distilled/image-to-video``: the table
        when we have one, else a pass-through), or a family with one provider of the kind."""
        wanted = f"{provider}.{model}" if model else provider
        if wanted in self._providers:
            return wanted
        members = [p.info for p in self.of_kind(kind) if family(p.info.id) == provider]
        if model:
            for info in members:
                if model in info.endpoints or model == info.model:
                    return info.id
            if "/" in model and provider in self._passthrough:
                return self.get(f"{provider}:{kind.value}:{model}").info.id
        if not model and len(members) == 1:
            return members[0].id
        if not model and members:
            names = ", ".join(i.id.split(".", 1)[1] for i in members)
            raise NotConfigured(
                f"{provider} has several {kind} models: pick one with --model "
                f"({names}, or an endpoint id from the provider's model page)"
            )
        return self.get(wanted).info.id  # raises NotConfigured listing the known ids

    def of_kind(self, kind: Kind) -> list[Provider]:
        return [p for p in self._providers.values() if p.info.kind is kind]

    def candidates(self, kind: Kind, wanted: Sequence[str]) -> list[str]:
        """Provider ids of ``kind`` in ``wanted`` order (a film's ``--providers``): a full id is
        itself, a family (``fal``) each of its providers of that kind; empty when none is. The
        one place a list of families becomes providers."""
        of_kind = [p.info.id for p in self.of_kind(kind)]
        found: list[str] = []
        for name in wanted:
            ids = [i for i in of_kind if i == name] or [i for i in of_kind if family(i) == name]
            found += [i for i in ids if i not in found]
        return found

    def families(self) -> dict[str, tuple[str, ...]]:
        """Each configured family and its provider ids."""
        grouped: dict[str, list[str]] = {}
        for pid in self.ids():
            grouped.setdefault(family(pid), []).append(pid)
        return {name: tuple(ids) for name, ids in grouped.items()}

    def all(self) -> list[Provider]:
        return list(self._providers.values())

    def ids(self) -> list[str]:
        return sorted(self._providers)

    def __contains__(self, provider_id: object) -> bool:
        return provider_id in self._providers

    def __len__(self) -> int:
        return len(self._providers)


def _load(name: str, load: Callable[[], object]) -> list[Provider]:
    try:
        factory = load()
        if not callable(factory):
            raise TypeError(f"{factory!r} is not callable")
        return list(factory())
    except Exception as exc:  # a broken plugin is skipped, loudly
        log.warning("provider plugin %s failed to load and was skipped: %s", name, exc)
        return []


def _import(spec: str) -> Callable[[], object]:
    def load() -> object:
        module, _, attr = spec.partition(":")
        return getattr(importlib.import_module(module), attr or "providers")

    return load


def plugin_providers(extra: str | None = None) -> list[Provider]:
    """Providers from installed entry points and from ``SHOTLINE_PLUGINS``."""
    found: list[Provider] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.extend(_load(f"entry point {ep.name}", ep.load))
    specs = extra if extra is not None else os.environ.get(PLUGINS_ENV, "")
    for spec in filter(None, (s.strip() for s in specs.split(","))):
        found.extend(_load(spec, _import(spec)))
    return found


def build_registry(
    builtin: Iterable[Provider],
    extra: str | None = None,
    passthrough: Mapping[str, Passthrough] | None = None,
) -> ProviderRegistry:
    registry = ProviderRegistry(builtin, passthrough)
    for provider in plugin_providers(extra):
        registry.add(provider)
    return registry
