"""Messages a person reads, from a real process in a pipe at 80 columns: expected errors say what
is allowed (never "unexpected"), paths and ids are printed whole, inputs are checked before a job
exists, and a generated file is printed as a path a person can open."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from PIL import Image


def shotline(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOTLINE_")}
    env.update(SHOTLINE_DATA=str(data), COLUMNS="80")  # what a pipe gets
    return subprocess.run([sys.executable, "-m", "shotline", *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=data)  # fmt: skip


def job_count(data: Path) -> int:
    if not (data / "shotline.db").is_file():
        return 0
    with sqlite3.connect(data / "shotline.db") as conn:
        return int(conn.execute("SELECT count(*) FROM jobs").fetchone()[0])


def test_expected_errors_read_as_expected_with_the_allowed_values(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"")
    nan = shotline(tmp_path, "frame", str(clip), "--at", "nan", "-o", "x.png")
    assert nan.returncode == 2
    assert "Error: Invalid value: --at must be a time in seconds, 0 or more (got nan)" in nan.stderr

    (tmp_path / "empty.json").write_text(json.dumps({"version": 1, "name": "e", "clips": []}))
    empty = shotline(tmp_path, "render", "empty.json", "-o", "e.mp4")
    assert empty.returncode == 1, empty.stderr
    assert "error: the timeline is empty: add a clip before rendering" in empty.stderr

    bogus = shotline(tmp_path, "jobs", "list", "--status", "bogus")
    assert bogus.returncode == 2
    assert "--status must be one of queued, running, succeeded, failed, canceled" in bogus.stderr
    for run in (nan, empty, bogus):
        assert "unexpected" not in run.stderr and "Traceback" not in run.stderr


def test_inputs_are_checked_before_a_job_exists(tmp_path: Path) -> None:
    text = tmp_path / "notes-about-the-first-frame-of-a-rather-long-shot-name.png"
    text.write_text("not a picture")
    bad = shotline(tmp_path, "generate", "video", "--prompt", "dusk", "--first", str(text))
    assert bad.returncode == 2
    # The whole path on one line (a pipe is 80 columns; it used to break mid-word).
    assert f"--first {text} is not an image (PNG, JPEG or WebP expected)" in bad.stderr
    zero = shotline(tmp_path, "generate", "video", "--prompt", "dusk", "--frames", "0")
    assert zero.returncode == 2 and "--frames" in zero.stderr
    assert job_count(tmp_path) == 0


def test_generate_prints_a_file_to_open_and_jobs_show_tells_everything(tmp_path: Path) -> None:
    made = shotline(tmp_path, "generate", "image", "--prompt", "a lamp in the fog",
                    "--size", "128x72")  # fmt: skip
    assert made.returncode == 0, made.stderr
    line = next(line for line in made.stdout.splitlines() if line.startswith("asset"))
    path = Path(line.split(None, 1)[1])
    assert path.suffix == ".png" and path.parent == tmp_path / "results"
    with Image.open(path) as image:
        assert image.size == (128, 72)
    job_id = path.stem
    assert f"job             {job_id}" in made.stdout  # whole, not cut with "…"

    shown = shotline(tmp_path, "jobs", "show", job_id[:8])
    assert shown.returncode == 0, shown.stderr
    assert "prompt          a lamp in the fog" in shown.stdout
    params = next(line for line in shown.stdout.splitlines() if line.startswith("parameters"))
    assert json.loads(params.split(None, 1)[1])["width"] == 128


def test_long_paths_in_errors_stay_whole(tmp_path: Path) -> None:
    deep = tmp_path / "a-folder-with-a-long-name" / "another-long-folder-name" / "references"
    missing = deep / "the-reference-image-someone-was-looking-for.mp4"
    run = shotline(tmp_path, "probe", str(missing))
    assert run.returncode == 1
    assert str(missing) in run.stderr and len(run.stderr.strip().splitlines()) == 1
