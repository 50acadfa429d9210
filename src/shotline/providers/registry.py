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
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import entry_points

from shotline.providers.contracts import Kind, Provider
from shotline.providers.errors import NotConfigured

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "shotline.providers"
PLUGINS_ENV = "SHOTLINE_PLUGINS"

Factory = Callable[[], Iterable[Provider]]


def family(provider_id: str) -> str:
    """``fal`` for ``fal.ltx-2``: the part before the first dot."""
    return provider_id.split(".", 1)[0]


class DuplicateProvider(ValueError):
    pass


class ProviderRegistry:
    def __init__(self, providers: Iterable[Provider] = ()) -> None:
        self._providers: dict[str, Provider] = {}
        for provider in providers:
            self.add(provider)

    def add(self, provider: Provider) -> None:
        pid = provider.info.id
        if pid in self._providers:
            raise DuplicateProvider(f"two providers share the id {pid!r}")
        self._providers[pid] = provider

    def get(self, provider_id: str) -> Provider:
        try:
            return self._providers[provider_id]
        except KeyError:
            known = ", ".join(sorted(self._providers)) or "none"
            raise NotConfigured(f"unknown provider {provider_id!r} (known: {known})") from None

    def of_kind(self, kind: Kind) -> list[Provider]:
        return [p for p in self._providers.values() if p.info.kind is kind]

    def candidates(self, kind: Kind, wanted: Sequence[str]) -> list[str]:
        """Provider ids of ``kind`` in ``wanted`` order: a full id is itself, a family
        (``fal``) each of its providers of that kind. The one place a list of families is
        turned into providers (``--providers`` of a film run)."""
        of_kind = [p.info.id for p in self.of_kind(kind)]
        found: list[str] = []
        for name in wanted:
            ids = [i for i in of_kind if i == name] or [i for i in of_kind if family(i) == name]
            found += [i for i in ids if i not in found]
        if not found:
            raise NotConfigured(f"no {kind} provider among --providers {','.join(wanted)}")
        return found

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


def build_registry(builtin: Iterable[Provider], extra: str | None = None) -> ProviderRegistry:
    registry = ProviderRegistry(builtin)
    for provider in plugin_providers(extra):
        registry.add(provider)
    return registry
