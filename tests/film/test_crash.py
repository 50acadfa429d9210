"""kill -9 in Phase 3, then ``film resume``: finished segment videos are never generated again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from shotline.film.runs import Phase, Run
from tests.film.pipeline_plugins import CALLS_ENV, DELAY_ENV
from tests.film.pipeline_support import write_script_file

ROOT = Path(__file__).resolve().parents[2]


def environment(data: Path, calls: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOTLINE_")}
    env.update(
        SHOTLINE_DATA=str(data), SHOTLINE_PLUGINS="tests.film.pipeline_plugins:providers",
        SHOTLINE_QUEUE_POLL="0.02", SHOTLINE_CPU_CONCURRENCY="1", PYTHONPATH=str(ROOT),
        COLUMNS="200", **{CALLS_ENV: str(calls), DELAY_ENV: "1.5"},
    )  # fmt: skip
    return env


def finished_videos(database: Path) -> list[str]:
    if not database.is_file():
        return []
    with sqlite3.connect(database, timeout=30) as conn:
        try:
            rows = conn.execute(
                "SELECT prompt FROM jobs WHERE provider = 'counting.video' "
                "AND status = 'succeeded' AND cache_hit = 0"
            ).fetchall()
        except sqlite3.OperationalError:  # the tables are not made yet
            return []
    return [str(r[0]) for r in rows]


def test_kill_9_in_phase_3_then_resume_repeats_no_finished_video(tmp_path: Path) -> None:
    data, calls = tmp_path / "data", tmp_path / "calls.tsv"
    data.mkdir()
    script = write_script_file(tmp_path / "s.yaml")
    env = environment(data, calls)
    args = [sys.executable, "-m", "shotline", "film", "--script", str(script), "--yolo",
            "--size", "256x144", "--variants", "1", "--providers", "counting,offline"]  # fmt: skip
    log = (tmp_path / "first.log").open("w")
    first = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (done := finished_videos(data / "shotline.db")):
            assert first.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no segment video finished in time"
            time.sleep(0.05)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    (run,) = Run.all(data)
    assert run.load().phase is Phase.RENDERING  # killed mid-phase, not stopped
    before = Counter(line.split("\t", 1)[1] for line in calls.read_text().splitlines())
    assert len(before) < 3, "the kill came too late: every segment was already made"

    resumed = subprocess.run(
        [sys.executable, "-m", "shotline", "film", "resume", run.id],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    state = run.load()
    assert state.phase is Phase.DONE and Path(state.outputs["film"]).is_file()

    total = Counter(line.split("\t", 1)[1] for line in calls.read_text().splitlines())
    assert len(total) == 3  # every segment made
    for prompt in done:
        key = prompt.replace("\n", " ")
        assert total[key] == 1, f"a finished segment was generated again: {key!r}"
    assert all(n <= 2 for n in total.values())  # the one in flight at the kill may run again
    assert state.report["kinds"]["video"]["reused"] >= len(done)
