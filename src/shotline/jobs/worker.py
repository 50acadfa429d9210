"""A worker process: DBOS launched here, working every queue until SIGTERM or SIGINT.

Embedded (the default): the CLI process builds the engine with ``build_engine`` and calls
``start()`` itself, so SQLite in the data folder and no separate process is a complete setup.
Scale-out: several ``python -m shotline.jobs.worker`` processes on one PostgreSQL database (any
number of hosts; each gets its own executor id and takes what dead peers left pending).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable, Mapping

from shotline.assets.blobs import BlobStore, LocalBlobStore
from shotline.assets.catalog import AssetCatalog
from shotline.config import Settings
from shotline.costs.credits import DAILY_FRAMES, CreditLedger
from shotline.db import create_tables, make_engine, printable_url
from shotline.jobs.config import JobsConfig
from shotline.jobs.engine import GenerationEngine
from shotline.jobs.queues import QueueSpec
from shotline.jobs.records import JobStore
from shotline.providers.contracts import Provider
from shotline.providers.registry import Passthrough, ProviderRegistry, build_registry

log = logging.getLogger(__name__)


def build_engine(
    config: JobsConfig,
    registry: ProviderRegistry,
    *,
    daily_frames: int = DAILY_FRAMES,
    extra_queues: tuple[QueueSpec, ...] = (),
    blobs: BlobStore | None = None,
) -> GenerationEngine:
    """The engine and its services over ``config.database`` (tables created if missing); assets
    in ``blobs`` (an object store shared by several machines), else the local data folder."""
    engine = make_engine(config.database)
    create_tables(engine)
    catalog = AssetCatalog(engine, blobs or LocalBlobStore(config.data_dir / "blobs"))
    ledger = CreditLedger(engine, daily_frames=daily_frames)
    return GenerationEngine(
        config, registry, catalog, ledger, JobStore(engine), extra_queues=extra_queues
    )


def run_worker(
    settings: Settings,
    providers: Iterable[Provider] = (),
    *,
    stop: threading.Event | None = None,
    blobs: BlobStore | None = None,
    passthrough: Mapping[str, Passthrough] | None = None,
) -> None:
    """Work the queues until SIGTERM/SIGINT (or ``stop`` is set). ``providers`` are the built-in
    ones from the composition root; plugins come from entry points and ``SHOTLINE_PLUGINS``."""
    config = JobsConfig.from_settings(settings)
    engine = build_engine(
        config,
        build_registry(providers, passthrough=passthrough),
        daily_frames=settings.daily_frames,
        blobs=blobs,
    )
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    engine.start()
    log.info("worker %s started on %s", engine.executor_id, printable_url(config.database))
    try:
        stop.wait()
    finally:
        engine.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    run_worker(Settings.model_validate({}))
