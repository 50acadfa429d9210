"""Frame access, two ways of measuring it.

``reader``: random access with one open ``FrameReader`` against one ffmpeg process per frame
(targets: median <= 30 ms per frame, at least 5x faster than the ffmpeg route).

``process``: one-shot commands as a user runs them, each a whole process from start to exit:
``shotline frame FILE --at T -o F.png`` against ``ffmpeg -ss T -i FILE -frames:v 1 F.png``, and
the floor under ours (a Python that only imports the frame path). Target: ``shotline frame``
well under a second (median < 1 s); the ratio to ffmpeg is printed.

Run with ``.venv/bin/python bench/frame_access.py [reader|process|all]`` (default all). The 1080p
clip is generated once into ``bench/.cache/`` (not timed). Prints PASS/FAIL; timings are never
asserted in tests.
"""

from __future__ import annotations

import io
import math
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from shotline.media.ffmpeg import ffmpeg_exe
from shotline.media.frames import FrameReader
from shotline.media.testcard import TestCard, read_frame_index, write_testcard
from shotline.timeline.timecode import frame_start

CACHE = Path(__file__).resolve().parent / ".cache"
CARD = TestCard(fps=Fraction(24), duration=30.0, size=(1920, 1080), gop=48, crf=23)
SAMPLES = 50
SEED = 20240607
TARGET_MEDIAN_MS = 30.0
TARGET_SPEEDUP = 5.0
PROCESS_SAMPLES = 10
TARGET_PROCESS_S = 1.0


def clip() -> Path:
    path = CACHE / f"testcard-1080p-{CARD.fps}fps-{CARD.duration:g}s-gop{CARD.gop}.mp4"
    if not path.exists():
        print(f"generating {path.name} ({CARD.frames} frames, not timed)...", flush=True)
        partial = path.with_suffix(".partial.mp4")
        write_testcard(CARD, partial)
        partial.replace(path)
    return path


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ffmpeg_frame(path: Path, index: int) -> NDArray[np.uint8]:
    """One frame through ``ffmpeg -ss T -i FILE -frames:v 1`` to a PNG pipe."""
    # ffmpeg keeps the first frame starting at or after T: give it the frame's start, rounded down
    # to the microsecond so that the decimal is not just after the true start.
    micros = math.floor(frame_start(index, CARD.fps) * 1_000_000)
    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-ss", f"{micros}us"]
    command += ["-i", str(path), "-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"]
    png = subprocess.run(command, check=True, capture_output=True).stdout
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def timed(get: Callable[[int], NDArray[np.uint8]], index: int) -> tuple[float, bool]:
    """Milliseconds to get frame ``index``, and whether the right frame came back."""
    began = time.perf_counter()
    pixels = get(index)
    elapsed = (time.perf_counter() - began) * 1000
    return elapsed, read_frame_index(pixels) == index


def reader_bench() -> list[tuple[str, bool]]:
    path = clip()
    indices = random.Random(SEED).sample(range(CARD.frames), SAMPLES)
    reader_ms: list[float] = []
    ffmpeg_ms: list[float] = []
    reader_wrong = ffmpeg_wrong = 0
    with FrameReader(path) as reader:
        for index in indices[:3]:  # warm the page cache and lazy imports for both routes
            reader.frame(index)
            ffmpeg_frame(path, index)
        # One reader kept open across all requests; the routes alternate frame by frame so that
        # load from other processes on the machine falls on both alike.
        for index in indices:
            elapsed, ok = timed(reader.frame, index)
            reader_ms.append(elapsed)
            reader_wrong += not ok
            elapsed, ok = timed(lambda n: ffmpeg_frame(path, n), index)
            ffmpeg_ms.append(elapsed)
            ffmpeg_wrong += not ok

    reader_median, ffmpeg_median = statistics.median(reader_ms), statistics.median(ffmpeg_ms)
    speedup = ffmpeg_median / reader_median
    print(
        f"clip: {path.name} ({CARD.size[0]}x{CARD.size[1]}, {CARD.frames} frames, {SAMPLES} random)"
    )
    for name, values, wrong in (
        ("FrameReader", reader_ms, reader_wrong),
        ("ffmpeg -ss", ffmpeg_ms, ffmpeg_wrong),
    ):
        print(f"{name:12} median {statistics.median(values):7.1f} ms   p95 "
              f"{percentile(values, 0.95):7.1f} ms   wrong frames {wrong}/{SAMPLES}")  # fmt: skip
    print(f"speedup (median): {speedup:.1f}x")

    return [
        (f"median <= {TARGET_MEDIAN_MS:g} ms", reader_median <= TARGET_MEDIAN_MS),
        (f">= {TARGET_SPEEDUP:g}x faster than ffmpeg", speedup >= TARGET_SPEEDUP),
        ("every FrameReader frame exact", reader_wrong == 0),
    ]


def process_bench() -> list[tuple[str, bool]]:
    """Whole processes, start to exit, alternating so machine load falls on each alike."""
    path = clip()
    out = CACHE / "process-frame.png"
    indices = random.Random(SEED + 1).sample(range(CARD.frames), PROCESS_SAMPLES)

    def inside(index: int) -> str:
        # Ours shows the frame whose interval contains the time: ask for the frame's middle.
        return f"{float(frame_start(index, CARD.fps) + 1 / (2 * CARD.fps)):.6f}"

    def start(index: int) -> str:
        # ffmpeg keeps the first frame starting at or after -ss: the start, rounded down.
        return f"{math.floor(frame_start(index, CARD.fps) * 1_000_000)}us"

    routes: dict[str, Callable[[int], list[str]]] = {
        "shotline frame": lambda i: [sys.executable, "-m", "shotline", "frame", str(path),
                                     "--at", inside(i), "-o", str(out)],
        "ffmpeg -ss": lambda i: [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
                                 "-ss", start(i), "-i", str(path), "-frames:v", "1", str(out)],
        "import floor": lambda i: [sys.executable, "-c", "import shotline.media.frames"],
    }  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in routes}
    wrong: dict[str, int] = {name: 0 for name in routes}
    for index in indices:
        for name, command in routes.items():
            out.unlink(missing_ok=True)
            began = time.perf_counter()
            subprocess.run(command(index), check=True, capture_output=True)
            times[name].append(time.perf_counter() - began)
            if name != "import floor":
                wrong[name] += read_frame_index(np.asarray(Image.open(out).convert("RGB"))) != index
    print(f"whole processes, {PROCESS_SAMPLES} random frames of {path.name}:")
    for name, values in times.items():
        extra = f"   wrong frames {wrong[name]}/{PROCESS_SAMPLES}" if name != "import floor" else ""
        print(f"{name:15} median {statistics.median(values) * 1000:7.0f} ms   "
              f"min {min(values) * 1000:7.0f} ms{extra}")  # fmt: skip
    ours, theirs = (
        statistics.median(times["shotline frame"]),
        statistics.median(times["ffmpeg -ss"]),
    )
    print(f"shotline frame / ffmpeg -ss (median): {ours / theirs:.1f}x")
    return [
        (f"shotline frame median < {TARGET_PROCESS_S:g} s", ours < TARGET_PROCESS_S),
        ("every shotline frame exact", wrong["shotline frame"] == 0),
    ]


def main() -> int:
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    if part not in ("reader", "process", "all"):
        print("usage: frame_access.py [reader|process|all]")
        return 2
    checks = []
    if part in ("reader", "all"):
        checks += reader_bench()
    if part in ("process", "all"):
        checks += process_bench()
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
