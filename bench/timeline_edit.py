"""One edit on a 2,000-clip, 4-track timeline: the edit core against the old all-pairs check.

Run with ``.venv/bin/python bench/timeline_edit.py``. The old ``check_timeline`` compared every
pair of clips after each edit (about 0.5 s here); the core now checks a changed clip against its
own track's neighbourhood. Both are measured in this run on the same timeline; the target from
issue 7 is a median of at most 5 ms per edit. Prints PASS/FAIL; timings are never asserted in tests.
"""

from __future__ import annotations

import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable

from shotline.timeline import (
    Clip,
    EditError,
    Timeline,
    Track,
    check_timeline,
    move_clip,
    split_clip,
    trim_clip,
)
from shotline.timeline.timecode import before

CLIPS = 2_000
TRACKS = 4
SAMPLES = 200
OLD_SAMPLES = 5
SEED = 20261201
TARGET_MS = 5.0


def build() -> Timeline:
    """500 two-second clips a track, one-second gaps; every tenth linked to the track below."""
    clips = []
    per_track = CLIPS // TRACKS
    for n in range(CLIPS):
        track, slot = divmod(n, per_track)
        links = (f"c{n - per_track}",) if track > 0 and slot % 10 == 0 else ()
        clips.append(
            Clip(id=f"c{n}", name=f"c{n}", start=slot * 3.0 + track * 0.5, duration=2.0,
                 track_index=track, linked_clip_ids=links)
        )  # fmt: skip
    tracks = tuple(Track(f"v{i + 1}", f"V{i + 1}") for i in range(TRACKS))
    timeline = Timeline(tracks=tracks, audio_tracks=(), clips=tuple(clips))
    check_timeline(timeline)
    return timeline


def old_check(timeline: Timeline) -> None:
    """The check every edit used to pay: every pair of clips (as it was before issue 7)."""
    for a, b in itertools.combinations(timeline.clips, 2):
        if (
            a.kind is b.kind
            and a.track_index == b.track_index
            and before(a.start, b.end)
            and before(b.start, a.end)
        ):
            raise EditError(f"{a.id} overlaps {b.id}")


def timed(samples: int, action: Callable[[int], object]) -> list[float]:
    out = []
    for n in range(samples):
        begin = time.perf_counter()
        action(n)
        out.append((time.perf_counter() - begin) * 1000)
    return out


def main() -> int:
    timeline = build()
    rng = random.Random(SEED)
    picks = [f"c{rng.randrange(CLIPS)}" for _ in range(SAMPLES)]

    def one_edit(n: int) -> None:
        clip_id = picks[n]
        kind = n % 3
        try:
            if kind == 0:
                move_clip(timeline, clip_id, 0.5)  # fits in the gap: accepted
            elif kind == 1:
                trim_clip(timeline, clip_id, "end", timeline.clip(clip_id).end + 2.0)  # refused
            else:
                split_clip(timeline, clip_id, timeline.clip(clip_id).start + 1.0)
        except EditError:
            pass

    timed(10, one_edit)  # warm up
    edits = timed(SAMPLES, one_edit)
    old = timed(OLD_SAMPLES, lambda _n: old_check(timeline))
    median = statistics.median(edits)
    p95 = sorted(edits)[round(0.95 * (len(edits) - 1))]
    old_median = statistics.median(old)
    print(
        f"timeline: {CLIPS} clips on {TRACKS} tracks; {SAMPLES} edits (move, refused trim, split)"
    )
    print(f"edit core: median {median:.2f} ms, p95 {p95:.2f} ms")
    print(f"old all-pairs check alone: median {old_median:.1f} ms ({OLD_SAMPLES} runs)")
    print(f"ratio old/new: {old_median / median:.0f}x")
    ok = median <= TARGET_MS
    print(f"{'PASS' if ok else 'FAIL'}: median <= {TARGET_MS} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
