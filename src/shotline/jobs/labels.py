"""What a job was made for, in its requester's words ("film run moon-20261201-ab12cd",
"keyframe K3 v1"), so ``jobs show`` can say which film run a job belongs to.

A table of its own rather than columns on ``jobs``: the job row is the engine's (its fields
drive the state machine and the cache); a label is a note the film pipeline adds after
submitting, and older databases gain the table without a migration.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shotline.db import insert_ignoring_duplicates, metadata

labels_table = sa.Table(
    "job_labels",
    metadata,
    sa.Column("job_id", sa.String(36), primary_key=True),
    sa.Column("origin", sa.String(255), nullable=False),  # "film run <id>"
    sa.Column("name", sa.String(255), nullable=False),  # "keyframe K3 v1"
)


@dataclass(frozen=True)
class JobLabel:
    origin: str
    name: str


class JobLabels:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def set(self, job_id: str, origin: str, name: str) -> None:
        """Label a job once (an adopted job keeps the label of the run that submitted it)."""
        insert = insert_ignoring_duplicates(self.engine.dialect, labels_table)
        with self.engine.begin() as conn:
            conn.execute(insert.values(job_id=job_id, origin=origin[:255], name=name[:255]))

    def get(self, job_id: str) -> JobLabel | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(labels_table.c.origin, labels_table.c.name).where(
                    labels_table.c.job_id == job_id
                )
            ).first()
        return None if row is None else JobLabel(row.origin, row.name)
