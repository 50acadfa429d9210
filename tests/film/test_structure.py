"""film/ depends on generations through ``film.services.Generations`` only: it never imports the
composition root, the studio server, or the engine's store, catalog, ledger or registry, and never
reaches for them through an attribute (``engine.store``), so the CLI and the server can both hand
it an engine (``Studio.film_pipeline``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import shotline.film
from shotline.film.services import Generations
from shotline.jobs.engine import GenerationEngine

FILM = Path(shotline.film.__file__).parent

# Whole modules film/ must not import (at the top or inside a function).
FORBIDDEN_MODULES = (
    "shotline.app",
    "shotline.studio",
    "shotline.cli",
    "shotline.jobs.workflow",
    "shotline.jobs.runtime",
    "shotline.assets.catalog",
    "shotline.costs.credits",
    "shotline.providers.registry",
    "shotline.db",
)
# Services film/ must not name, from wherever they are imported.
FORBIDDEN_NAMES = {
    "Studio", "GenerationEngine", "JobStore", "AssetCatalog", "CreditLedger", "ProviderRegistry",
    "JobLabels",
}  # fmt: skip
# The engine's parts: ``x.store`` in film/ would be reaching around the interface.
FORBIDDEN_ATTRIBUTES = {"registry", "store", "catalog", "ledger", "labels", "studio"}


def imports(tree: ast.Module, package: str) -> Iterator[tuple[str, str | None, int]]:
    """(module, imported name or None, line) for every import in ``tree``, relative ones
    resolved against ``package`` (the one the module is in)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                yield base, alias.name, node.lineno


def film_modules() -> Iterator[tuple[str, Path, ast.Module]]:
    """(package, file, syntax tree) of every module under film/."""
    for path in sorted(FILM.rglob("*.py")):
        parts = path.relative_to(FILM).with_suffix("").parts
        package = ".".join(("shotline", "film", *parts[:-1]))
        yield package, path, ast.parse(path.read_text(), str(path))


def forbidden(name: str) -> bool:
    return any(name == m or name.startswith(f"{m}.") for m in FORBIDDEN_MODULES)


def test_the_walk_sees_every_film_module() -> None:
    names = {path.name for _, path, _ in film_modules()}
    assert {"generation.py", "pipeline.py", "render.py", "services.py"} <= names


def test_film_imports_neither_the_composition_root_nor_the_engine_internals() -> None:
    found = []
    for package, path, tree in film_modules():
        for name, imported, line in imports(tree, package):
            full = f"{name}.{imported}" if imported else name
            if forbidden(name) or forbidden(full) or imported in FORBIDDEN_NAMES:
                found.append(f"{path.name}:{line} imports {full}")
    assert found == []


def test_film_does_not_reach_into_the_engine() -> None:
    found = []
    for _, path, tree in film_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert found == []


def test_the_checks_catch_what_they_forbid() -> None:
    """The walk itself works: a module that does what film/ must not is caught."""
    bad = ast.parse(
        "from shotline.app import Studio\n"
        "import shotline.studio.films\n"
        "from ..jobs.records import JobStore\n"
        "def f(engine):\n    return engine.store\n"
    )
    seen = list(imports(bad, "shotline.film"))
    assert [(n, i) for n, i, _ in seen] == [
        ("shotline.app", "Studio"), ("shotline.studio.films", None),
        ("shotline.jobs.records", "JobStore"),
    ]  # fmt: skip
    assert all(forbidden(n) or i in FORBIDDEN_NAMES for n, i, _ in seen)
    attrs = [n.attr for n in ast.walk(bad) if isinstance(n, ast.Attribute)]
    assert set(attrs) & FORBIDDEN_ATTRIBUTES == {"store"}


def test_the_engine_offers_everything_film_asks_of_generations() -> None:
    """mypy checks the signatures where the composition root hands the engine in; this says the
    same at run time, for a method added to the interface but not to the engine."""
    wanted = {n for n in dir(Generations) if not n.startswith("_")}
    assert wanted <= {n for n in dir(GenerationEngine) if callable(getattr(GenerationEngine, n))}
