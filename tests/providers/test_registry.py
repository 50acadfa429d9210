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
from shotline.providers.registry import (
    DuplicateProvider,
    ProviderRegistry,
    build_registry,
    family,
)


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


def test_families_resolve_in_the_registry() -> None:
    """``--providers`` families and full ids become providers in their order; a family is the
    id before its first dot or colon (``replicate.wan-2.2-i2v``, a ``fal:video:...`` pass-through),
    never a prefix of a model name."""
    registry = ProviderRegistry([
        Dummy(ProviderInfo("fal.ltx-2", Kind.VIDEO, "l")),
        Dummy(ProviderInfo("replicate.wan-2.2-i2v", Kind.VIDEO, "w")),
        Dummy(ProviderInfo("replicate.wan-2", Kind.VIDEO, "w2")),
        Dummy(ProviderInfo("fal.flux", Kind.IMAGE, "f")),
    ])  # fmt: skip
    assert family("fal:video:fal-ai/x/image-to-video") == "fal"
    assert family("replicate.wan-2.2-i2v") == "replicate"
    assert registry.candidates(Kind.VIDEO, ["replicate", "fal"]) == [
        "replicate.wan-2.2-i2v", "replicate.wan-2", "fal.ltx-2",
    ]  # fmt: skip
    assert registry.candidates(Kind.VIDEO, ["replicate.wan-2", "replicate"]) == [
        "replicate.wan-2", "replicate.wan-2.2-i2v",
    ]  # fmt: skip
    assert registry.candidates(Kind.VIDEO, ["offline"]) == []
    assert registry.candidates(Kind.IMAGE, ["fal"]) == ["fal.flux"]
    assert registry.families() == {
        "fal": ("fal.flux", "fal.ltx-2"),
        "replicate": ("replicate.wan-2", "replicate.wan-2.2-i2v"),
    }


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
