"""The generation commands as a user runs them: a real process, a real database, the real engine,
and (for fal) the real HTTP client against a local fake of fal's queue API."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.providers.http.fakes import FalFake, FileHost


def shotline(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SHOTLINE_"))}
    environment.update(SHOTLINE_DATA=str(data), SHOTLINE_USER="ana", COLUMNS="200", **env)
    return subprocess.run(
        [sys.executable, "-m", "shotline", *args],
        capture_output=True, text=True, env=environment, timeout=120, cwd=data,
    )  # fmt: skip


@pytest.fixture
def fal() -> Iterator[FalFake]:
    with FileHost() as files, FalFake(files) as fake:
        yield fake


def frame_png(path: Path, value: int) -> Path:
    Image.fromarray(np.full((72, 128, 3), value, np.uint8)).save(path)
    return path


def test_offline_generation_then_cache_hit(tmp_path: Path) -> None:
    first = frame_png(tmp_path / "a.png", 20)
    last = frame_png(tmp_path / "b.png", 220)
    args = ["generate", "video", "--prompt", "dawn", "--first", str(first), "--last", str(last),
            "--frames", "9", "--size", "128x72", "-o", str(tmp_path / "out.mp4")]  # fmt: skip
    run = shotline(tmp_path, *args)
    assert run.returncode == 0, run.stderr
    assert "offline.interpolate" in run.stdout and "miss" in run.stdout
    assert (tmp_path / "out.mp4").stat().st_size > 0
    again = shotline(tmp_path, *args)
    assert again.returncode == 0, again.stderr
    assert "hit: reused an earlier result, nothing paid" in again.stdout
    listing = shotline(tmp_path, "jobs", "list")
    assert listing.stdout.count("succeeded") == 2 and listing.stdout.count("cached") == 1


def test_fal_generation_costs_and_credits(tmp_path: Path, fal: FalFake) -> None:
    env = {"FAL_KEY": "fal-test-key", "SHOTLINE_FAL_URL": fal.url}
    first = frame_png(tmp_path / "a.png", 20)
    run = shotline(tmp_path, "generate", "video", "--provider", "fal", "--prompt", "a jeep",
                   "--first", str(first), "--frames", "120", **env)  # fmt: skip
    assert run.returncode == 0, run.stderr
    # LTX-2 wants 8n+1 frames: 120 -> 121; 1280x720x121 = 111.5 MP -> 112 MP at $0.0008
    assert "$0.0896" in run.stdout and "adjusted        frames 120 -> 121" in run.stdout
    submits = fal.requests("POST")
    assert len(submits) == 1
    assert submits[0].json["image_url"].startswith("data:image/png;base64,")
    credits = shotline(tmp_path, "credits", **env)
    assert "129 of 250 frames left today (121 used, 0 held by running jobs)" in credits.stdout
    reset = shotline(tmp_path, "credits", "--reset", **env)
    assert "250 of 250 frames left" in reset.stdout


def test_unconfigured_provider_is_one_clear_line(tmp_path: Path) -> None:
    run = shotline(tmp_path, "generate", "video", "--provider", "fal", "--prompt", "x")
    assert run.returncode == 1
    assert run.stderr.strip() == "error: fal is not configured: set FAL_KEY"


def test_failed_job_refunds_and_can_be_retried(tmp_path: Path, fal: FalFake) -> None:
    env = {"FAL_KEY": "fal-test-key", "SHOTLINE_FAL_URL": fal.url}
    fal.outcomes.append("completed-with-error")
    run = shotline(tmp_path, "generate", "video", "--provider", "fal", "--prompt", "a jeep",
                   "--frames", "41", **env)  # fmt: skip
    assert run.returncode == 1
    assert "failed" in run.stdout and "Internal error during inference" in run.stdout
    assert "250 of 250" in shotline(tmp_path, "credits", **env).stdout  # refunded
    job_id = run.stdout.split("job", 1)[1].split()[0]
    retry = shotline(tmp_path, "jobs", "retry", job_id[:8], **env)
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert len(fal.requests("POST")) == 2


def test_scale_out_worker_does_the_work(tmp_path: Path) -> None:
    # On PostgreSQL the CLI only submits and follows; a `shotline worker` process generates.
    from tests.dbs import fresh_postgres_url

    with fresh_postgres_url() as url:
        env = {"SHOTLINE_DATABASE_URL": url}
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SHOTLINE_")}
        environment.update(SHOTLINE_DATA=str(tmp_path), **env)
        worker = subprocess.Popen(
            [sys.executable, "-m", "shotline", "worker"],
            env=environment, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            run = shotline(tmp_path, "generate", "speech", "--prompt", "Hello.", **env)
            assert run.returncode == 0, run.stdout + run.stderr
            assert "succeeded" in run.stdout and "offline.espeak" in run.stdout
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        assert worker.returncode == 0  # SIGTERM is a clean shutdown
