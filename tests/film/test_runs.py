"""Runs as a person looks after them: current status, picks only where the run waits, a re-drawn
keyframe asks again, stale keyframe prompts named and refreshed, runs listed and removed, a run
bound to its data folder, one process per run, and counts that add up."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from shotline.cli import app
from shotline.film.pipeline import FilmPipeline
from shotline.film.runs import Phase, Run
from shotline.story.script import load_script
from tests.film.pipeline_support import (
    Calls,
    edit_script,
    execute,
    new_run,
    offline_counting,
    segment,
    studio_with,
    write_script_file,
)

runner = CliRunner()


def cli(data: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"SHOTLINE_DATA": str(data), "COLUMNS": "80"})
    return result.exit_code, result.output


def shotline(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOTLINE_")}
    env.update(SHOTLINE_DATA=str(data), COLUMNS="80", SHOTLINE_QUEUE_POLL="0.02")
    return subprocess.run([sys.executable, "-m", "shotline", *args], capture_output=True,
                          text=True, env=env, timeout=300, cwd=data.parent)  # fmt: skip


def attended(tmp_path: Path, calls: Calls | None = None) -> tuple[Path, Run]:
    """A run with checkpoints, stopped at its reference picks."""
    data = tmp_path / "data"
    run = new_run(data, write_script_file(tmp_path / "s.yaml"), yolo=False)
    with studio_with(data, offline_counting(calls or Calls())) as studio:
        assert execute(studio, run).phase is Phase.AWAITING_PICK_REFS
    return data, run


def status(data: Path, run: Run) -> dict[str, object]:
    code, out = cli(data, "film", "status", run.id, "--json")
    assert code == 0, out
    data_: dict[str, object] = json.loads(out)
    return data_


REFS = ["mara=1", "theo=0", "crater=0", "base=1", "flower=0"]


def test_status_follows_picks_and_picks_are_only_taken_where_the_run_waits(
    tmp_path: Path,
) -> None:
    data, run = attended(tmp_path)
    assert len(status(data, run)["waiting_for"]) == 5  # type: ignore[arg-type]

    code, out = cli(data, "film", "pick", run.id, "keyframes", "K0=1")
    assert code == 1 and "waits for reference picks" in out and "keyframe picks" in out
    assert run.picks().keyframes == {}

    code, out = cli(data, "film", "pick", run.id, "refs", "mara=1", "theo=0")
    assert code == 0, out
    now = status(data, run)
    assert now["waiting_for"] == ["environment:crater", "environment:base", "prop:flower"]
    assert "character:mara" not in str(now["message"]) and "crater" in str(now["message"])

    code, out = cli(data, "film", "pick", run.id, "refs", *REFS[2:])
    assert code == 0 and "every pick is made" in out
    assert status(data, run)["waiting_for"] == []
    code, out = cli(data, "film", "status", run.id)
    assert f"every pick is made: continue with shotline film resume {run.id}" in out


def test_a_redrawn_keyframe_asks_for_a_new_pick(tmp_path: Path) -> None:
    data, run = attended(tmp_path)
    assert cli(data, "film", "pick", run.id, "refs", *REFS)[0] == 0
    with studio_with(data, offline_counting(Calls())) as studio:
        assert execute(studio, run).phase is Phase.AWAITING_PICK_KEYFRAMES
    code, out = cli(data, "film", "pick", run.id, "keyframes", "K0=1", "K1=1", "K2=0", "K3=1")
    assert code == 0, out

    def reprompt(script):  # type: ignore[no-untyped-def]
        keyframes = tuple(
            k.model_copy(update={"prompt": "Mara alone on the rim at dusk, wide."})
            if k.index == 1 else k for k in script.keyframes
        )  # fmt: skip
        return script.model_copy(update={"keyframes": keyframes})

    edit_script(run, reprompt)
    with studio_with(data, offline_counting(Calls())) as studio:
        state = execute(studio, run)
    # Before: the old index was kept silently for a drawing the user never saw.
    assert state.phase is Phase.AWAITING_PICK_KEYFRAMES
    assert "K1 (re-drawn since it was picked)" in state.message
    assert status(data, run)["waiting_for"] == ["1"]
    assert cli(data, "film", "pick", run.id, "keyframes", "K1=0")[0] == 0
    assert status(data, run)["waiting_for"] == []


def test_stale_keyframe_prompts_are_named_and_refreshed_with_the_cost_first(
    tmp_path: Path,
) -> None:
    data, run = attended(tmp_path)
    assert status(data, run)["stale_keyframes"] == []
    action = "Mara leaps over a boulder, dust flying."
    edit_script(run, lambda s: segment(s, 1, action=action))
    assert status(data, run)["stale_keyframes"] == [1, 2]  # K1 ends s1... K2 closes segment 2
    code, out = cli(data, "film", "status", run.id)
    assert "K1, K2: the prompts still describe" in out and "film refresh" in out

    code, out = cli(data, "film", "refresh", run.id)  # no terminal to ask, no --yes
    assert code == 1 and "refreshing K1, K2 redraws 4 keyframe variant(s)" in out
    assert "and 3 segment video(s)" in out and "nothing changed" in out
    assert status(data, run)["stale_keyframes"] == [1, 2]

    code, out = cli(data, "film", "refresh", run.id, "K1", "--yes")
    assert code == 0 and "refreshed K1" in out, out
    script = load_script(run.script_path)
    assert "leaps over a boulder" in str(script.keyframes[1].prompt)
    assert status(data, run)["stale_keyframes"] == [2]
    code, out = cli(data, "film", "refresh", run.id, "K0", "--yes")
    assert code == 1 and "K0 already match their segments" in out


def test_runs_are_listed_whole_and_removed_without_touching_cached_assets(
    tmp_path: Path,
) -> None:
    data, run = attended(tmp_path)
    blobs = sorted(p.name for p in (data / "blobs").rglob("*") if p.is_file())
    code, out = cli(data, "film", "runs")
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith(run.id))
    assert re.match(rf"{run.id}\s+awaiting_pick_refs\s+\d{{4}}-\d\d-\d\d \d\d:\d\d\s+Moon Garden",
                    line)  # fmt: skip
    listed = json.loads(cli(data, "film", "runs", "--json")[1])
    assert [r["id"] for r in listed] == [run.id]

    with sqlite3.connect(data / "shotline.db") as conn:
        (job_id,) = conn.execute(
            "SELECT id FROM jobs WHERE kind = 'image' AND prompt LIKE '%Mara%' LIMIT 1"
        ).fetchone()
    code, out = cli(data, "jobs", "show", job_id)
    assert code == 0 and f"made for        film run {run.id} (reference character:mara v" in out

    with run.lock("film resume"):  # another command holds it
        code, out = cli(data, "film", "rm", run.id)
    assert code == 1 and f"run {run.id} is in use by pid {os.getpid()} (film resume" in out
    assert run.folder.is_dir()

    code, out = cli(data, "film", "rm", run.id)
    assert code == 0 and f"removed run {run.id}" in out
    assert not run.folder.exists()
    assert sorted(p.name for p in (data / "blobs").rglob("*") if p.is_file()) == blobs
    assert "no film runs" in cli(data, "film", "runs")[1]


def test_a_run_that_cannot_start_is_refused_and_not_stored(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out = cli(data, "film", "")
    assert code == 2 and "the idea is empty" in out
    code, out = cli(data, "film", "a moth at a lamp", "--providers", "fal,replicate")
    assert code == 1
    assert (
        "--providers fal,replicate has no writer, image, speech or video provider (fal is not "
        "configured: set FAL_KEY; replicate is not configured: set REPLICATE_API_TOKEN): add "
        "offline for stand-ins (--providers fal,replicate,offline)" in " ".join(out.split())
    )
    code, out = cli(data, "film", "x", "--segments", "0")
    assert code == 2 and "--segments" in out
    assert not (data / "films").exists()


def test_a_run_resumes_with_its_own_data_folder_or_says_why_not(tmp_path: Path) -> None:
    data, run = attended(tmp_path)
    other = tmp_path / "other"
    copied = other / "films" / run.id
    shutil.copytree(run.folder, copied)

    resumed = shotline(other, "film", "resume", str(copied))
    assert resumed.returncode == 0, resumed.stderr
    assert f"belongs to the data folder {data}: using its jobs and cached assets" in resumed.stdout
    report = Run(copied).load().report["kinds"]["reference"]
    assert report["reused"] == 10 and report["regenerated"] == 0  # nothing paid again

    shutil.move(data, tmp_path / "gone")
    refused = shotline(other, "film", "resume", str(copied))
    assert refused.returncode == 1
    assert f"was made with the data folder {data}, which is gone" in refused.stderr
    assert "--here" in refused.stderr and not (other / "shotline.db").exists()

    here = shotline(other, "film", "resume", str(copied), "--here")
    assert here.returncode == 0, here.stderr
    assert Run(copied).load().data_dir == str(other)


def test_two_commands_on_one_run_do_not_interleave(tmp_path: Path) -> None:
    data, run = attended(tmp_path)
    with run.lock("film resume"):
        busy = shotline(data, "film", "pick", run.id, "refs", "mara=1")
    assert busy.returncode == 1
    assert f"run {run.id} is in use by pid {os.getpid()} (film resume, since" in busy.stderr
    assert run.picks().refs == {}


def test_the_notes_after_each_batch_add_up_to_the_table(tmp_path: Path) -> None:
    class Notes:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def phase(self, title: str) -> None:
            pass

        def step(self, label: str, done: int, total: int) -> None:
            pass

        def note(self, text: str) -> None:
            self.lines.append(text)

    data = tmp_path / "data"
    run = new_run(data, write_script_file(tmp_path / "s.yaml"))
    with studio_with(data, offline_counting(Calls())) as studio:
        execute(studio, run)
        edit_script(run, lambda s: segment(s, 1, action="Mara kneels and laughs."))
        notes = Notes()
        state = FilmPipeline(studio.engine, run, progress=notes).execute()
    assert state.phase is Phase.DONE
    noted: Counter[str] = Counter()
    for line in notes.lines:
        for count, what in re.findall(r"(\d+) (regenerated|reused|failed|skipped)\b", line):
            if " to generate " not in line:  # the plans before a batch are not counts
                noted[what] += int(count)
    table: Counter[str] = Counter()
    for row in state.report["kinds"].values():
        for what in ("regenerated", "reused", "failed", "skipped"):
            table[what] += row[what]
    assert noted == table and table["regenerated"] >= 1 and table["reused"] > 10
