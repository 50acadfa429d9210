"""A film from an idea in Japanese, offline: its words, its language, its voice, its script."""

from __future__ import annotations

import json
from pathlib import Path

import av
from PIL import Image

from shotline import fonts
from shotline.film.runs import Phase, Run, RunOptions
from shotline.language import language_of
from shotline.story.script import load_script
from tests.film.pipeline_support import SIZE, Calls, execute, offline_counting, studio_with

IDEA = "月に取り残された宇宙飛行士が歩き回り、自然を発見する。"


def test_a_japanese_idea_makes_a_japanese_film(tmp_path: Path) -> None:
    data = tmp_path / "data"
    options = RunOptions(idea=IDEA, segments=2, variants=1, width=SIZE[0], height=SIZE[1],
                         yolo=True)  # fmt: skip
    run = Run.create(data, options, "japanese")
    with studio_with(data, offline_counting(Calls())) as studio:
        state = execute(studio, run)
    assert state.phase is Phase.DONE, state.message

    script = load_script(run.script_path)
    assert script.logline == IDEA and script.segments[0].narration == IDEA
    assert all(language_of(s.narration) == "ja" for s in script.segments)
    notes = state.report["notes"]
    assert any("keeps your words" in n and "Japanese" in n for n in notes), notes
    # Every title, caption and name the film draws has its glyphs in the fonts.
    assert fonts.missing_glyphs(script.title + "".join(c.name for c in script.characters)) == ""

    # The subtitles carry the Japanese lines, tagged Japanese, beside and inside the film.
    vtt = run.path("film.vtt").read_text(encoding="utf-8")
    assert "宇宙飛行士" in vtt
    with av.open(str(run.path("film.mp4"))) as container:
        stream = container.streams.subtitles[0]
        assert stream.language == "jpn"
        texts = [bytes(p)[2:].decode("utf-8") for p in container.demux(stream) if p.size > 2]
    assert "".join(texts).replace("\n", "").startswith(IDEA.rstrip("。"))

    # Spoken by a Japanese voice: the 27-character idea takes seconds, not the 19 s an English
    # voice takes spelling it out.
    track = json.loads(run.path("audio", "narration.json").read_text())
    first = track["segments"][0]["lines"][0]
    seconds = (first[1] - first[0]) / track["sampleRate"]
    assert 2.0 < seconds < 8.0
    assert Image.open(run.path("storyboard.png")).size[0] > 0
