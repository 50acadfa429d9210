"""Schema creation from several processes at once (a worker and the CLI starting together)."""

import multiprocessing

import sqlalchemy as sa

from shotline.db import create_tables, make_engine
from tests.dbs import fresh_postgres_url


def _create(url: str) -> None:
    import shotline.assets.catalog
    import shotline.costs.credits
    import shotline.jobs.records  # noqa: F401  (declare their tables)

    create_tables(make_engine(url))


def test_concurrent_create_tables_on_postgresql() -> None:
    with fresh_postgres_url() as url:
        context = multiprocessing.get_context("spawn")
        processes = [context.Process(target=_create, args=(url,)) for _ in range(4)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
        assert [p.exitcode for p in processes] == [0, 0, 0, 0]
        tables = sa.inspect(make_engine(url)).get_table_names()
        assert {"jobs", "assets", "credit_days"} <= set(tables)
