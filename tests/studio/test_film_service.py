"""Film runs driven by the server's service: the CLI's runs, picks, resume, cancel, outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from shotline.film.runs import Phase, Run, RunOptions
from shotline.media.probe import probe
from shotline.studio.derivatives import asset_of_url
from shotline.studio.films import FilmError, FilmNotFound, FilmNotice, FilmRuns
from tests.film.pipeline_support import SCRIPT, Calls, offline_counting, studio_with


def _options(**extra: object) -> RunOptions:
    return RunOptions(variants=2, width=256, height=144, segments=3, **extra)  # type: ignore[arg-type]


def test_a_run_waits_at_checkpoints_takes_picks_and_finishes(tmp_path: Path) -> None:
    notices: list[FilmNotice] = []
    with studio_with(tmp_path / "data", offline_counting(Calls())) as studio:
        films = FilmRuns(studio, studio.settings.data_dir, notices.append)
        try:
            state = films.create("p1", "ana", _options(), script=SCRIPT)
            state = films.wait("p1", state.id)
            assert state.phase is Phase.AWAITING_PICK_REFS
            status = films.status("p1", state.id)
            assert not status.running and status.log[0]["text"] == "run created by ana"
            assert any("references" in line["text"] for line in status.log)
            assert "waiting for picks" in status.state.message

            with pytest.raises(FilmError, match="variant"):
                films.pick("p1", state.id, "refs", ["mara=7"])
            picks = films.pick("p1", state.id, "refs", ["mara=1"])
            assert picks.refs["character:mara"] == 1
            films.resume("p1", state.id, yolo=True)
            state = films.wait("p1", state.id)
            assert state.phase is Phase.DONE, state.message
            assert films.status("p1", state.id).picks.refs["character:mara"] == 1
            with pytest.raises(FilmError, match="variant number"):
                films.pick("p1", state.id, "refs", ["mara=/etc/passwd"])

            film = films.output("p1", state.id)
            assert probe(film).duration > 1
            timeline = films.timeline("p1", state.id, "ana")
            videos = [c for c in timeline.clips if c.kind.value == "video"]
            assert videos and all(asset_of_url(c.source or "") for c in timeline.clips)
            # Each asset has its file's own type: the narration is a WAV, not an "audio/mp4".
            catalog = studio.engine.catalog
            for clip in timeline.clips:
                mime = catalog.get(asset_of_url(clip.source or "") or "").mime
                assert mime == ("video/mp4" if clip.kind.value == "video" else "audio/x-wav")
            assert {n.status for n in notices} >= {"awaiting_pick_refs", "done"}
            assert {n.project for n in notices} == {"p1"}
            # The run is the CLI's run: `shotline film status RUN` reads the same folder.
            assert Run.find(studio.settings.data_dir, state.id).load().phase is Phase.DONE
            with pytest.raises(FilmNotFound):
                films.status("p2", state.id)  # another project's run is not found
        finally:
            films.close()


def test_cancel_stops_a_run_at_its_next_step(tmp_path: Path) -> None:
    with studio_with(tmp_path / "data", offline_counting(Calls())) as studio:
        films = FilmRuns(studio, studio.settings.data_dir, lambda _: None)
        try:
            state = films.create("p1", "ana", _options(yolo=True), script=SCRIPT)
            films.cancel("p1", state.id)
            state = films.wait("p1", state.id)
            assert state.phase is Phase.FAILED and state.message == "canceled"
            with pytest.raises(FilmError, match="not running"):
                films.cancel("p1", state.id)
            with pytest.raises(FilmNotFound, match="no finished film"):
                films.output("p1", state.id)
            with pytest.raises(FilmError, match="not YAML or JSON"):
                films.create("p1", "ana", _options(), script="title: [")
            with pytest.raises(FilmError, match="not valid"):
                films.create("p1", "ana", _options(), script="title: no segments\n")
            with pytest.raises(FilmError, match="one of them"):
                films.create("p1", "ana", _options(idea="x"), script=SCRIPT)
        finally:
            films.close()
