"""Lazy package exports: ``from shotline.jobs import GenerationEngine`` keeps working, while
importing one light submodule (``shotline.jobs.status``) no longer loads DBOS with the package.

Start-up time is what the CLI pays on every command (``shotline --help`` included), so package
``__init__`` modules name their exports here instead of importing them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, table: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``name`` from ``table[name]`` on first use."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__
