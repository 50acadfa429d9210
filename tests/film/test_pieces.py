"""Encoded pieces are keyed by content and shared by every run of a data folder: the same film
made again in a new run encodes no segment and mixes no narration again."""

from __future__ import annotations

from pathlib import Path

from shotline.film.runs import Phase
from tests.film.pipeline_support import (
    Calls,
    new_run,
    offline_counting,
    studio_with,
    write_script_file,
)


def stamps(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}  # fmt: skip


def test_an_identical_second_run_reuses_every_encoded_piece(tmp_path: Path) -> None:
    data = tmp_path / "data"
    script = write_script_file(tmp_path / "script.yaml")
    with studio_with(data, offline_counting(Calls())) as studio:
        first = new_run(data, script)
        assert studio.film_pipeline(first).execute().phase is Phase.DONE
        pieces = data / "pieces"
        made = stamps(pieces)
        assert any(name.startswith("segments/") and name.endswith(".mp4") for name in made)
        assert any(name.startswith("narration/") and name.endswith(".wav") for name in made)

        second = new_run(data, script)
        state = studio.film_pipeline(second).execute()

    assert state.phase is Phase.DONE, state.message
    assert stamps(pieces) == made  # nothing encoded, mixed or rewritten: all shared
    assert second.path("film.mp4").read_bytes() == first.path("film.mp4").read_bytes()
    narration = second.path("audio", "narration.wav")
    assert narration.read_bytes() == first.path("audio", "narration.wav").read_bytes()
    assert not second.path("assembly").exists()  # no per-run copies of the pieces
