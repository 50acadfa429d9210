"""A worker process for the crash tests: the engine with the fake remote provider, started, then
idle until killed. Prints "ready <executor id>" once it works the queues.

    python -m tests.jobs.worker_proc DATABASE_URL DATA_DIR FAKE_SERVER_URL
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from shotline.app import build_engine
from shotline.providers.registry import ProviderRegistry
from tests.jobs.conftest import jobs_config
from tests.jobs.fakes import FakeRemote


def main() -> None:
    database, data_dir, server = sys.argv[1:4]
    registry = ProviderRegistry([FakeRemote(server)])
    engine = build_engine(jobs_config(database, Path(data_dir)), registry).start()
    print("ready", engine.executor_id, flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
