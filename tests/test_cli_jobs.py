"""The listing and status commands as scripts and narrow terminals meet them: whole ids that the
other commands accept (a unique start of one too), statuses never cut, ``--json`` everywhere."""

import json
import os
import subprocess
import sys
from pathlib import Path


def shotline(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SHOTLINE_"))}
    environment.update({"SHOTLINE_DATA": str(data), "SHOTLINE_USER": "ana", "COLUMNS": "200"})
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "shotline", *args],
        capture_output=True, text=True, env=environment, timeout=120, cwd=data,
    )  # fmt: skip


def test_jobs_list_in_a_narrow_pipe_prints_ids_and_statuses_whole(tmp_path: Path) -> None:
    for text in ("one", "two"):
        made = shotline(tmp_path, "generate", "speech", "--prompt", text)
        assert made.returncode == 0, made.stderr
    listed = json.loads(shotline(tmp_path, "jobs", "list", "--json").stdout)
    assert [job["prompt"] for job in listed] == ["two", "one"]  # newest first
    assert all(job["status"] == "succeeded" for job in listed)

    table = shotline(tmp_path, "jobs", "list", COLUMNS="80").stdout
    assert max(len(line) for line in table.splitlines()) <= 80, repr(table)
    for job in listed:
        row = next(line for line in table.splitlines() if job["id"] in line)
        assert " succeeded " in f"{row} "

    for ref in (listed[0]["id"], listed[0]["id"][:6]):  # whole, or any unique start
        shown = shotline(tmp_path, "jobs", "show", ref, "--json")
        assert shown.returncode == 0, shown.stderr
        job = json.loads(shown.stdout)
        assert job["id"] == listed[0]["id"] and job["prompt"] == "two"
        statuses = [e["status"] for e in job["events"]]  # progress events repeat "running"
        assert sorted(set(statuses), key=statuses.index) == ["queued", "running", "succeeded"]
    text = shotline(tmp_path, "jobs", "show", listed[1]["id"][:8])
    assert text.returncode == 0 and listed[1]["id"] in text.stdout

    missing = shotline(tmp_path, "jobs", "show", "fffffffff")
    assert missing.returncode == 1 and missing.stderr.strip() == "error: no job 'fffffffff'"


def test_credits_json(tmp_path: Path) -> None:
    run = shotline(tmp_path, "credits", "--json", SHOTLINE_DAILY_FRAMES="40")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["user"] == "ana"
    assert (data["granted"], data["used"], data["reserved"], data["remaining"]) == (40, 0, 0, 40)
    assert data["resets_at"].endswith("+00:00")


def test_probe_json(tmp_path: Path) -> None:
    speech = shotline(tmp_path, "generate", "speech", "--prompt", "hello", "-o", "hello.wav")
    assert speech.returncode == 0, speech.stderr
    run = shotline(tmp_path, "probe", str(tmp_path / "hello.wav"), "--json")
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout)
    assert info["has_audio"] is True and info["has_video"] is False
    assert info["duration"] > 0 and info["sample_rate"] > 0
