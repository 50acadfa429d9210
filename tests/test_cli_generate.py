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
    run = shotline(tmp_path, "generate", "video", "--provider", "fal", "--model", "ltx-2",
                   "--prompt", "a jeep", "--first", str(first), "--frames", "120",
                   **env)  # fmt: skip
    assert run.returncode == 0, run.stderr
    # LTX-2 wants 8n+1 frames and sizes on 32: 120 -> 121, 1280x720 -> 1280x736;
    # 1280x736x121 = 114.0 MP -> 114 MP at $0.0008
    assert "$0.0912" in run.stdout
    assert "adjusted        frames 120 -> 121; size 1280x720 -> 1280x736" in run.stdout
    submits = fal.requests("POST")
    assert len(submits) == 1
    assert submits[0].json["image_url"].startswith("data:image/png;base64,")
    credits = shotline(tmp_path, "credits", **env)
    assert "129 of 250 frames left today (121 used, 0 held by running jobs)" in credits.stdout
    reset = shotline(tmp_path, "credits", "--reset", **env)
    assert "250 of 250 frames left" in reset.stdout


def test_an_endpoint_id_without_a_table_needs_yes_or_a_budget(tmp_path: Path, fal: FalFake) -> None:
    env = {"FAL_KEY": "fal-test-key", "SHOTLINE_FAL_URL": fal.url}
    first = frame_png(tmp_path / "a.png", 20)
    args = ["generate", "video", "--provider", "fal", "--model", "fal-ai/brand-new/image-to-video",
            "--prompt", "a jeep", "--first", str(first)]  # fmt: skip
    refused = shotline(tmp_path, *args, **env)
    assert refused.returncode != 0
    assert "cost of fal:video:fal-ai/brand-new/image-to-video is unknown" in refused.stderr
    assert fal.requests("POST") == []  # nothing was submitted
    run = shotline(tmp_path, *args, "--yes", **env)
    assert run.returncode == 0, run.stderr
    (submit,) = fal.requests("POST")
    assert submit.path == "/fal-ai/brand-new/image-to-video"
    assert set(submit.json) == {"prompt", "image_url"}  # passed through as given
    assert "cost unknown before it runs, accepted" in run.stderr
    # the provider's own id for a model we do have a table for picks the table
    over = shotline(tmp_path, "generate", "video", "--provider", "fal", "--model",
                    "fal-ai/ltx-2-19b/distilled/image-to-video", "--prompt", "x",
                    "--frames", "121", "--budget", "0.01", **env)  # fmt: skip
    assert over.returncode != 0 and "is above --budget $0.0100" in over.stderr
    assert len(fal.requests("POST")) == 1


def test_unconfigured_provider_is_one_clear_line(tmp_path: Path) -> None:
    run = shotline(tmp_path, "generate", "video", "--provider", "fal", "--prompt", "x")
    assert run.returncode == 1
    assert run.stderr.strip() == "error: fal is not configured: set FAL_KEY"


def test_failed_job_refunds_and_can_be_retried(tmp_path: Path, fal: FalFake) -> None:
    env = {"FAL_KEY": "fal-test-key", "SHOTLINE_FAL_URL": fal.url}
    fal.outcomes.append("completed-with-error")
    run = shotline(tmp_path, "generate", "video", "--provider", "fal", "--model", "ltx-2",
                   "--prompt", "a jeep", "--frames", "41", **env)  # fmt: skip
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


def _first_and_last(path: Path) -> tuple[int, int]:
    import av

    from shotline.media.testcard import read_frame_index

    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return read_frame_index(frames[0]), read_frame_index(frames[-1])


def test_generate_between_in_and_out_of_a_timeline(tmp_path: Path) -> None:
    from fractions import Fraction

    from shotline.media.testcard import TestCard, write_testcard
    from shotline.savefile import load_timeline, save_timeline
    from shotline.timeline import Clip, Timeline

    rate = Fraction(24)
    for name in ("a", "b"):
        write_testcard(TestCard(rate, 1.0, gop=6), tmp_path / "media" / f"{name}.mp4")
    edit = Timeline(name="cut", clips=(
        Clip("a", "a.mp4", 0.0, 1.0, source="media/a.mp4", source_fps=rate, source_duration=1.0),
        Clip("b", "b.mp4", 1.0, 0.5, source="media/b.mp4", source_fps=rate, source_duration=1.0,
             trim_start=0.5),
    ))  # fmt: skip
    path = tmp_path / "cut.json"
    save_timeline(edit, path)
    # In on the last frame of a (23), out on the first frame shown of b (its frame 12).
    run = shotline(tmp_path, "generate", "video", "--timeline", "cut.json", "--in", "0.96",
                   "--out", "1.0", "--prompt", "a jeep", "--size", "320x180")  # fmt: skip
    assert run.returncode == 0, run.stderr
    after = load_timeline(path)
    (made,) = [c for c in after.clips if c.id not in ("a", "b")]
    assert (made.track_index, made.start, made.linked_clip_ids) == (1, 0.96, ("a", "b"))
    assert made.duration == pytest.approx(0.04) and made.prompt == "a jeep"
    media = tmp_path / str(made.source)
    assert _first_and_last(media) == (23, 12)  # the exact frames under in and out, in and out
    # The same span again: V2 is taken there now, so it goes on a new V3 above.
    run = shotline(tmp_path, "generate", "video", "--timeline", "cut.json", "--in", "0.96",
                   "--out", "1.0", "--prompt", "again", "--size", "320x180")  # fmt: skip
    assert run.returncode == 0, run.stderr
    again = load_timeline(path)
    assert [t.name for t in again.tracks] == ["V1", "V2", "V3"]
    assert {c.track_index for c in again.clips if c.prompt == "again"} == {2}
    # A span in a gap sends no frames and links to nothing.
    run = shotline(tmp_path, "generate", "video", "--timeline", "cut.json", "--in", "3",
                   "--out", "4", "--size", "320x180")  # fmt: skip
    assert run.returncode == 0, run.stderr
    gap = [c for c in load_timeline(path).clips if c.start == 3.0]
    assert [(c.track_index, c.linked_clip_ids) for c in gap] == [(0, ())]
    bad = shotline(tmp_path, "generate", "video", "--timeline", "cut.json", "--in", "2",
                   "--out", "1")  # fmt: skip
    assert bad.returncode != 0 and "must come after the in point" in " ".join(bad.stderr.split())
