import logging
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from shotline.providers.contracts import (
    Kind,
    Output,
    ProviderInfo,
    Request,
    RunContext,
)
from shotline.providers.errors import NotConfigured
from shotline.providers.registry import DuplicateProvider, ProviderRegistry, build_registry


@dataclass
class Dummy:
    info: ProviderInfo = field(default_factory=lambda: ProviderInfo("dummy.one", Kind.IMAGE, "m"))

    def generate(self, request: Request, ctx: RunContext) -> Output:
        return Output(path=Path("x"))


def two() -> list[Dummy]:
    return [
        Dummy(ProviderInfo("plug.a", Kind.VIDEO, "a")),
        Dummy(ProviderInfo("plug.b", Kind.IMAGE, "b")),
    ]


def broken() -> list[Dummy]:
    raise RuntimeError("missing optional dependency")


def test_lookup_and_kinds() -> None:
    registry = ProviderRegistry([Dummy()])
    assert registry.get("dummy.one").info.model == "m"
    assert [p.info.id for p in registry.of_kind(Kind.IMAGE)] == ["dummy.one"]
    with pytest.raises(NotConfigured, match="unknown provider 'nope' \\(known: dummy.one\\)"):
        registry.get("nope")


def test_duplicate_id_is_an_error() -> None:
    with pytest.raises(DuplicateProvider, match="dummy.one"):
        ProviderRegistry([Dummy(), Dummy()])


def test_plugins_load_and_broken_ones_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    spec = f"{__name__}:two,{__name__}:broken,no.such.module:x"
    with caplog.at_level(logging.WARNING):
        registry = build_registry([Dummy()], extra=spec)
    assert registry.ids() == ["dummy.one", "plug.a", "plug.b"]
    assert "broken failed to load and was skipped: missing optional dependency" in caplog.text
    assert "no.such.module:x failed to load" in caplog.text


def test_plugin_clashing_with_builtin_is_rejected() -> None:
    with pytest.raises(DuplicateProvider):
        build_registry(
            [Dummy(ProviderInfo("plug.a", Kind.VIDEO, "builtin"))], extra=f"{__name__}:two"
        )
