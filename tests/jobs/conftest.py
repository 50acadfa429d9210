from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shotline.app import build_engine
from shotline.jobs.config import JobsConfig
from shotline.jobs.engine import GenerationEngine
from shotline.providers.contracts import Provider
from shotline.providers.registry import ProviderRegistry
from tests.dbs import database_url  # noqa: F401  (the sqlite + postgresql fixture)

# Fast loops so the whole folder runs in seconds.
FAST: dict[str, Any] = {
    "queue_poll_seconds": 0.02,
    "cloud_queue_poll_seconds": 0.05,
    "poll_seconds": 0.05,
    "poll_max_seconds": 0.2,
    "progress_interval": 0.0,
    "heartbeat_seconds": 0.2,
    "reconcile_grace_seconds": 0.0,
    # Peers are dead after this long without a heartbeat (the stamp alone decides): short, so
    # a kill -9 is noticed quickly, yet a loaded test machine does not miss beats for so long.
    "stale_after_seconds": 3.0,
}


def jobs_config(database: str, data_dir: Path, **overrides: Any) -> JobsConfig:
    return dataclasses.replace(JobsConfig(database=database, data_dir=data_dir), **FAST | overrides)


EngineFactory = Callable[..., GenerationEngine]


@pytest.fixture
def new_engine(database_url: str, tmp_path: Path) -> Iterator[EngineFactory]:  # noqa: F811
    """Build (not start) an engine over this test's fresh database with these providers."""
    built: list[GenerationEngine] = []

    def build(*providers: Provider, daily_frames: int = 250, **overrides: Any) -> GenerationEngine:
        config = jobs_config(database_url, tmp_path / "data", **overrides)
        engine = build_engine(config, ProviderRegistry(providers), daily_frames=daily_frames)
        built.append(engine)
        return engine

    yield build
    for engine in built:
        engine.close()
        engine.engine.dispose()
