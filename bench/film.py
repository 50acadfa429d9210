"""Idea-to-film speed: a ``make demo``-sized offline film, then a re-render after one edit.

Run with ``.venv/bin/python bench/film.py``. Each step is a real ``shotline film`` process on a
fresh data folder in ``bench/.cache/film/`` (10 segments, 1280x720, 24 fps, 3 variants, YOLO,
offline providers), timed by wall clock; peak memory is the child's own ``ru_maxrss`` (from
``wait4``, so the two steps are measured apart). The edit changes one segment's action text in
the run's script.yaml, then ``film resume`` re-renders. Between the two, the same idea is run
again as a new run (every generation a cache hit, every encoded piece shared through the data
folder's ``pieces``). Targets: the full film under 3 minutes, the identical second run and the
re-render each under 15% of the full run's time. ``BENCH_FILM_SEGMENTS`` and ``BENCH_FILM_SIZE``
make a smaller film for a quick look.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from shotline.film.runs import Run
from shotline.story.script import load_script, save_script

CACHE = Path(__file__).resolve().parent / ".cache" / "film"
IDEA = "a stranded astronaut on the moon walks around and discovers nature"
FULL_TARGET_S = 180.0
RERENDER_SHARE = 0.15
SEGMENTS = int(os.environ.get("BENCH_FILM_SEGMENTS", 10))
SIZE = os.environ.get("BENCH_FILM_SIZE", "1280x720")


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mib: float


def shotline(data: Path, *args: str) -> Measure:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOTLINE_")}
    env.update(SHOTLINE_DATA=str(data), COLUMNS="120")
    command = [sys.executable, "-m", "shotline", *args]
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        stderr = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"shotline {' '.join(args)} failed:\n{stderr[-2000:]}")
    if child.stderr:
        child.stderr.close()
    return Measure(seconds, usage.ru_maxrss / 1024)  # Linux reports KiB


def edit_one_segment(run: Run, index: int) -> None:
    script = load_script(run.script_path)
    target = script.segments[index]
    scenes = []
    for scene in script.scenes:
        segments = tuple(
            s.model_copy(update={"action": f"{s.action} The camera slowly pushes in."})
            if s is target else s
            for s in scene.segments
        )  # fmt: skip
        scenes.append(scene.model_copy(update={"segments": segments}))
    save_script(script.model_copy(update={"scenes": tuple(scenes)}), run.script_path)


def main() -> int:
    shutil.rmtree(CACHE, ignore_errors=True)
    data = CACHE / "data"
    data.mkdir(parents=True)
    cpus = os.cpu_count()
    print(f"film: {SEGMENTS} segments, {SIZE} @ 24 fps, 3 variants, YOLO, offline ({cpus} CPUs)")
    args = ["film", IDEA, "--yolo", "--segments", str(SEGMENTS), "--size", SIZE, "--fps", "24"]
    full = shotline(data, *args, "-o", str(CACHE / "film.mp4"))
    (run,) = Run.all(data)
    # The same idea again, in a new run of the same data folder: every generation is a cache
    # hit and every encoded piece (segment intermediates, narration master) is shared.
    same = shotline(data, *args, "-o", str(CACHE / "film-again.mp4"))
    same_share = same.seconds / full.seconds
    edit_one_segment(run, min(4, SEGMENTS - 1))
    again = shotline(data, "film", "resume", run.id)
    report = run.load().report["kinds"]
    share = again.seconds / full.seconds
    print(f"full film     {full.seconds:7.1f} s   peak {full.peak_mib:7.0f} MiB")
    print(f"same again    {same.seconds:7.1f} s   peak {same.peak_mib:7.0f} MiB   "
          f"({same_share:.0%} of the full run, a new run of the same idea)")  # fmt: skip
    print(f"re-render     {again.seconds:7.1f} s   peak {again.peak_mib:7.0f} MiB   "
          f"({share:.0%} of the full run)")  # fmt: skip
    print("re-render regenerated: " + ", ".join(
        f"{kind} {row['regenerated']}" for kind, row in report.items()))  # fmt: skip
    ok_full = full.seconds < FULL_TARGET_S
    ok_share = share < RERENDER_SHARE
    ok_same = same_share < RERENDER_SHARE
    print(f"{'PASS' if ok_full else 'FAIL'}: full film under {FULL_TARGET_S:.0f} s")
    print(f"{'PASS' if ok_same else 'FAIL'}: the same film again under {RERENDER_SHARE:.0%} of "
          "the full run")  # fmt: skip
    print(f"{'PASS' if ok_share else 'FAIL'}: re-render under {RERENDER_SHARE:.0%} of the full run")
    return 0 if ok_full and ok_share and ok_same else 1


if __name__ == "__main__":
    sys.exit(main())
