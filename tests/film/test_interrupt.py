"""Ctrl-C and ``jobs cancel`` as a person meets them: real processes, real signals.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group, so each command here runs
in its own session and the signal goes to its group (ffmpeg children included).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from shotline.film.runs import Phase, Run
from tests.film.pipeline_support import write_script_file
from tests.film.test_crash import environment

DEADLINE = 120.0


def jobs(database: Path, where: str = "1=1") -> list[tuple[str, str, str, str | None]]:
    if not database.is_file():
        return []
    with sqlite3.connect(database, timeout=30) as conn:
        try:
            rows = conn.execute(
                f"SELECT id, provider, status, prompt FROM jobs WHERE {where}"
            ).fetchall()
        except sqlite3.OperationalError:  # the tables are not made yet
            return []
    return [(str(a), str(b), str(c), d) for a, b, c, d in rows]


def wait_for(what: str, check: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        assert process.poll() is None, f"the command ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within {DEADLINE} s"
        time.sleep(0.05)


def start(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "shotline", *args], cwd=cwd, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def ctrl_c(process: subprocess.Popen[str]) -> tuple[str, str]:
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return out, err


def test_ctrl_c_during_film_prints_one_line_and_resume_finishes_it(tmp_path: Path) -> None:
    data, calls = tmp_path / "data", tmp_path / "calls.tsv"
    data.mkdir()
    env = environment(data, calls)
    script = write_script_file(tmp_path / "s.yaml")
    film = start(["film", "--script", str(script), "--yolo", "--size", "256x144", "--variants",
                  "1", "--providers", "counting,offline"], tmp_path, env)  # fmt: skip
    running = "provider = 'counting.video' AND status = 'running'"
    wait_for("running segment video", lambda: bool(jobs(data / "shotline.db", running)), film)
    out, err = ctrl_c(film)

    assert film.returncode == 130, out[-2000:] + err[-2000:]
    assert "Traceback" not in out + err and "DBOS" not in out + err
    (run,) = Run.all(data)
    assert err.strip().splitlines() == [
        f"interrupted: run {run.id} stopped; its jobs stay queued: shotline film resume {run.id} "
        "continues it"
    ]
    state = run.load()
    assert state.phase is Phase.INTERRUPTED and "film resume" in state.message
    videos = jobs(data / "shotline.db", "provider = 'counting.video'")
    assert videos and not [j for j in videos if j[2] == "failed"]  # nothing marked failed

    resumed = subprocess.run(
        [sys.executable, "-m", "shotline", "film", "resume", run.id],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert run.load().phase is Phase.DONE
    # The interrupted videos were adopted, not submitted again: one generating job per segment
    # prompt (a video finished before the Ctrl-C comes back as a cache hit, a job of its own).
    generated = "provider = 'counting.video' AND cache_hit = 0"
    prompts = Counter(j[3] for j in jobs(data / "shotline.db", generated))
    assert len(prompts) == 3 and set(prompts.values()) == {1}


def test_ctrl_c_during_generate_leaves_the_job_for_a_worker(tmp_path: Path) -> None:
    env = environment(tmp_path, tmp_path / "calls.tsv")
    generate = start(["generate", "video", "--provider", "counting.video", "--prompt", "dusk",
                      "--frames", "9", "--size", "128x72"], tmp_path, env)  # fmt: skip
    database = tmp_path / "shotline.db"
    wait_for("running job", lambda: bool(jobs(database, "status = 'running'")), generate)
    out, err = ctrl_c(generate)
    assert generate.returncode == 130, out + err
    (job_id, _, status, _), *_ = jobs(database)
    assert "Traceback" not in out + err
    assert err.strip().splitlines() == [
        f"interrupted: job {job_id} is left to finish: the next generate or `shotline worker` "
        f"continues it; `shotline jobs cancel {job_id}` stops it"
    ]
    assert status == "running"  # not failed: its workflow is pending for the next engine

    worker = start(["worker"], tmp_path, env)
    try:
        wait_for("finished job", lambda: jobs(database)[0][2] == "succeeded", worker)
    finally:
        ctrl_c(worker)
    assert worker.returncode == 0


def test_jobs_cancel_from_another_shell_ends_the_generating_process(tmp_path: Path) -> None:
    env = environment(tmp_path, tmp_path / "calls.tsv")
    env["SHOTLINE_TEST_VIDEO_DELAY"] = "30"  # long enough to be canceled while it runs
    generate = start(["generate", "video", "--provider", "counting.video", "--prompt", "dusk",
                      "--frames", "9", "--size", "128x72"], tmp_path, env)  # fmt: skip
    database = tmp_path / "shotline.db"
    wait_for("running job", lambda: bool(jobs(database, "status = 'running'")), generate)
    (job_id, *_), *_ = jobs(database)
    cancel = subprocess.run(
        [sys.executable, "-m", "shotline", "jobs", "cancel", job_id[:8]],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert cancel.returncode == 0 and f"job {job_id}: canceled" in cancel.stdout, cancel.stderr
    out, err = generate.communicate(timeout=60)
    assert generate.returncode == 1
    assert "Traceback" not in out + err
    assert err.strip().splitlines() == [
        f"canceled: job {job_id} was canceled (shotline jobs cancel); its credits were refunded"
    ]

    again = subprocess.run(
        [sys.executable, "-m", "shotline", "jobs", "cancel", job_id],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 1
    assert f"could not cancel job {job_id}: it has already ended (canceled)" in again.stderr
