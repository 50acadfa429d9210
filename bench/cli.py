"""Start-up time of the ``shotline`` command: ``shotline --help`` as a whole process.

Every command pays its imports before doing anything, so the CLI imports heavy modules (DBOS,
SQLAlchemy, pydantic, PyAV, OpenTimelineIO) where they are used. Printed beside two peers
measured in the same run: a bare ``python -c pass`` and ``import typer`` (the floor any typer
CLI pays). Best of N runs (the least disturbed by other programs) and the median. Target:
``shotline --help`` under 0.5 s.

    .venv/bin/python bench/cli.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get("BENCH_CLI_RUNS", 15))
TARGET_S = 0.5


def timed(command: list[str]) -> tuple[float, float, float]:
    """(best wall, median wall, best CPU) seconds of ``RUNS`` runs of ``command``. CPU time
    (user + system, from ``wait4``) is what the command costs whatever else the machine runs;
    wall time is what a person waits, and grows with the machine's load."""
    walls, cpus = [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(command)} failed")
        cpus.append(usage.ru_utime + usage.ru_stime)
    return min(walls), statistics.median(walls), min(cpus)


def main() -> int:
    python = sys.executable
    rows = {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import typer'": [python, "-c", "import typer"],
        "shotline --help": [python, "-m", "shotline", "--help"],
        "shotline jobs --help": [python, "-m", "shotline", "jobs", "--help"],
    }
    results = {name: timed(command) for name, command in rows.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{'command':<28} {'best wall':>10} {'median wall':>12} {'best CPU':>9}   "
          f"({RUNS} runs, {os.cpu_count()} CPUs, load {load:.1f})")  # fmt: skip
    for name, (best, median, cpu) in results.items():
        print(f"{name:<28} {best:>9.3f}s {median:>11.3f}s {cpu:>8.3f}s")
    best, _, cpu = results["shotline --help"]
    floor = results["python -c 'import typer'"][0]
    print(f"shotline --help = {best / floor:.2f}x the typer floor (wall)")
    ok = best < TARGET_S
    print(f"{'PASS' if ok else 'FAIL'}: shotline --help {best:.3f} s wall, {cpu:.3f} s CPU "
          f"(target < {TARGET_S} s)")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
