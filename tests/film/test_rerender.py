"""Incremental re-render: an edit to script.yaml regenerates exactly what depends on it (exact
provider call counts through counting stand-ins of the offline providers), and the accounting
says what was reused and what it saved."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from shotline.film.budget import BudgetExceeded
from shotline.film.runs import Phase
from shotline.jobs.status import JobStatus
from shotline.story.script import Keyframe, Script
from tests.film.pipeline_support import (
    VARIANTS,
    Calls,
    PricedVideo,
    edit_script,
    execute,
    new_run,
    offline_counting,
    segment,
    studio_with,
    write_script_file,
)

SKETCH, VIDEO, SPEECH, LIPSYNC = (
    "offline.sketch", "offline.interpolate", "offline.espeak", "offline.lipsync",
)  # fmt: skip


def test_edits_regenerate_only_what_depends_on_them(tmp_path: Path) -> None:
    calls = Calls()
    data = tmp_path / "data"
    with studio_with(data, offline_counting(calls)) as studio:
        run = new_run(data, write_script_file(tmp_path / "s.yaml"))
        first = execute(studio, run)
        assert first.phase is Phase.DONE, first.message
        # 5 references and 4 keyframes x 2 variants, 3 videos, 5 lines, 1 (failed) lip sync.
        assert calls.snapshot() == {SKETCH: 18, VIDEO: 3, SPEECH: 5, LIPSYNC: 1}

        # Nothing changed: not one provider call, everything reused.
        before = calls.snapshot()
        same = execute(studio, run)
        assert calls.since(before) == {}
        kinds = same.report["kinds"]
        assert kinds["reference"]["reused"] == 10 and kinds["keyframe"]["reused"] == 8
        assert kinds["video"]["reused"] == 3 and kinds["speech"]["reused"] == 5
        assert kinds["lipsync"]["skipped"] == 1
        assert all(k["regenerated"] == 0 for k in kinds.values())

        # One segment's action: that segment's video, nothing else (keyframe prompts are frozen).
        before = calls.snapshot()
        edit_script(run, lambda s: segment(s, 0, action="Mara runs, leaping over a crater."))
        state = execute(studio, run)
        assert calls.since(before) == {VIDEO: 1}
        assert state.report["kinds"]["video"] == {
            "reused": 2, "regenerated": 1, "failed": 0, "skipped": 0, "saved": "0", "paid": "0"
        }  # fmt: skip
        assert any("Mara runs" in p for _, p in calls.prompts[-1:])

        # One keyframe prompt: its variants and the two segments it joins (segment 3's new clip
        # is a new lip-sync request too).
        before = calls.snapshot()
        edit_script(run, lambda s: keyframe(s, 2, "Mara and Theo stand face to face, close."))
        state = execute(studio, run)
        assert calls.since(before) == {SKETCH: VARIANTS, VIDEO: 2, LIPSYNC: 1}
        assert state.report["kinds"]["keyframe"]["regenerated"] == VARIANTS
        assert state.report["kinds"]["video"]["reused"] == 1

        # Theo's appearance: his references, the keyframes he is in (K2, K3), their segments.
        before = calls.snapshot()
        edit_script(run, lambda s: appearance(s, "theo", clothing="a blue wool coat"))
        state = execute(studio, run)
        assert calls.since(before) == {SKETCH: VARIANTS + 2 * VARIANTS, VIDEO: 2, LIPSYNC: 1}
        kinds = state.report["kinds"]
        assert kinds["reference"] == {
            "reused": 8, "regenerated": 2, "failed": 0, "skipped": 0, "saved": "0", "paid": "0"
        }  # fmt: skip
        assert kinds["keyframe"]["regenerated"] == 4 and kinds["keyframe"]["reused"] == 4
        frozen = run.script_path.read_text()
        assert "a blue wool coat" in frozen and "grey flight jacket" not in frozen

        # And once more with nothing changed: zero calls again.
        before = calls.snapshot()
        assert execute(studio, run).phase is Phase.DONE
        assert calls.since(before) == {}


def keyframe(script: Script, index: int, prompt: str) -> Script:
    frames = [k if k.index != index else Keyframe(index=index, prompt=prompt)
              for k in script.keyframes]  # fmt: skip
    return script.model_copy(update={"keyframes": tuple(frames)})


def appearance(script: Script, character: str, **look: str) -> Script:
    cast = tuple(
        c.model_copy(update={"appearance": c.appearance.model_copy(update=look)})
        if c.id == character else c
        for c in script.characters
    )  # fmt: skip
    return script.model_copy(update={"characters": cast})


def test_budget_refuses_before_paying_and_saved_money_is_reported(tmp_path: Path) -> None:
    calls = Calls()
    data = tmp_path / "data"
    providers = [*offline_counting(calls), PricedVideo(calls, "0.10")]
    with studio_with(data, providers) as studio:
        run = new_run(data, write_script_file(tmp_path / "s.yaml"), budget=Decimal("0.25"),
                      providers=["paid", "offline"])  # fmt: skip
        with pytest.raises(BudgetExceeded, match=r"\$0.3000 .* exceeds the budget of \$0.2500"):
            execute(studio, run)
        assert run.load().phase is Phase.AWAITING_APPROVAL
        assert calls.snapshot()["paid.video"] == 0
        videos = [j for j in studio.engine.list(limit=1000) if j.kind == "video"]
        assert videos == []  # nothing submitted, nothing paid

        state = run.load()
        state.options.budget = Decimal("1")
        run.save(state)
        done = execute(studio, run)
        assert done.phase is Phase.DONE and calls.snapshot()["paid.video"] == 3
        assert done.spent == Decimal("0.30") and done.report["paid"] == "0.3000"

        again = execute(studio, run)
        assert calls.snapshot()["paid.video"] == 3
        assert again.report["kinds"]["video"]["saved"] == "0.3000"
        assert again.spent == Decimal("0.30")
        jobs = studio.engine.list(status=JobStatus.SUCCEEDED, limit=1000)
        assert sum(1 for j in jobs if j.provider == "paid.video" and j.cache_hit) == 3


def test_yolo_without_budget_never_pays(tmp_path: Path) -> None:
    calls = Calls()
    data = tmp_path / "data"
    providers = [*offline_counting(calls), PricedVideo(calls, "0.10")]
    with studio_with(data, providers) as studio:
        run = new_run(data, write_script_file(tmp_path / "s.yaml"), providers=["paid", "offline"])
        with pytest.raises(BudgetExceeded, match="YOLO mode spends money only within a --budget"):
            execute(studio, run)
    assert calls.snapshot()["paid.video"] == 0
