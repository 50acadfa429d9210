"""A worker process: DBOS launched here, working the queues its providers serve until SIGTERM
or SIGINT.

Embedded (the default): the CLI process starts the engine itself, so SQLite in the data folder
and no separate process is a complete setup. Scale-out: several ``shotline worker`` processes on
one PostgreSQL database and one object store (any number of hosts, each with its own data
folder; each gets its own executor id, serves the queues its configuration can, and takes what
dead peers left pending). The composition root (``shotline.app``) builds the engine.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from shotline.jobs.engine import GenerationEngine

log = logging.getLogger(__name__)


def run_worker(
    engine: GenerationEngine,
    *,
    stop: threading.Event | None = None,
    started: Callable[[GenerationEngine], None] | None = None,
) -> None:
    """Start ``engine`` as a worker and work until SIGTERM/SIGINT (or ``stop`` is set), then
    close it. ``started`` is called once it works the queues (to announce it)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    engine.start()
    log.info("worker %s serves %s", engine.executor_id, ", ".join(engine.queues) or "nothing")
    try:
        if started is not None:
            started(engine)
        stop.wait()
    finally:
        engine.close()
