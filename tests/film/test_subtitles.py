from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from shotline.film.subtitles import (
    SpokenLine,
    cues,
    mux_subtitles,
    subtitle_language,
    to_srt,
    to_webvtt,
    write_subtitles,
)
from shotline.providers.offline._imaging import H264Writer

F = Fraction


def test_one_cue_per_line_inside_its_span_and_speakers_named() -> None:
    lines = [SpokenLine("It was quiet."), SpokenLine("Look at this.", "Mara")]
    out = cues(lines, [(F(0), F(3, 2)), (F(2), F(7, 2))])
    assert [(c.start, c.end, c.text) for c in out] == [
        (F(0), F(3, 2), "It was quiet."), (F(2), F(7, 2), "Mara: Look at this."),
    ]  # fmt: skip
    assert to_srt(out).splitlines()[:3] == ["1", "00:00:00,000 --> 00:00:01,500", "It was quiet."]
    assert to_webvtt(out).splitlines()[:3] == ["WEBVTT", "", "00:00:00.000 --> 00:00:01.500"]


def test_long_lines_become_several_short_cues_sharing_the_time() -> None:
    text = " ".join(["word"] * 60)  # 299 characters
    out = cues([SpokenLine(text)], [(F(10), F(40))])
    assert len(out) > 1 and out[0].start == 10 and out[-1].end == 40
    assert all(a.end == b.start for a, b in itertools.pairwise(out))
    for cue in out:
        rows = cue.text.split("\n")
        assert len(rows) <= 2 and all(len(r) <= 42 for r in rows)
    assert " ".join(c.text.replace("\n", " ") for c in out) == text


def test_japanese_lines_break_between_characters() -> None:
    text = "月に取り残された宇宙飛行士が歩き回り、自然を見つける。"
    out = cues([SpokenLine(text)], [(F(0), F(4))])
    rows = [r for c in out for r in c.text.split("\n")]
    assert "".join(rows) == text and all(len(r) <= 16 for r in rows)
    assert not any(r.startswith(("、", "。")) for r in rows)
    assert subtitle_language([SpokenLine(text)]) == "jpn"
    assert subtitle_language([SpokenLine("رائد فضاء عالق على القمر")]) == "ara"


def test_muxed_stream_reads_back(tmp_path: Path) -> None:
    video = tmp_path / "film.mp4"
    writer = H264Writer(video, 64, 48, F(24))
    for _ in range(48):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.close()
    items = cues([SpokenLine("宇宙は静かだった。"), SpokenLine("Hello.", "Mara")],
                 [(F(1, 4), F(1)), (F(1), F(7, 4))])  # fmt: skip
    vtt, srt = write_subtitles(items, video)
    assert vtt.name == "film.vtt" and srt.name == "film.srt"
    mux_subtitles(video, srt, "jpn")
    mux_subtitles(video, srt, "jpn")  # again: replaced, not stacked
    with av.open(str(video)) as container:
        assert len(container.streams.subtitles) == 1 and len(container.streams.video) == 1
        stream = container.streams.subtitles[0]
        assert stream.language == "jpn"
        texts = []
        for packet in container.demux(stream):
            if packet.pts is not None and packet.size > 2:
                start = float(packet.pts * packet.time_base)
                texts.append((round(start, 3), bytes(packet)[2:].decode("utf-8")))
    assert texts == [(0.25, "宇宙は静かだった。"), (1.0, "Mara: Hello.")]


def test_cues_keep_sentences_whole_and_lines_even() -> None:
    text = "This is the moon. Ravi, a stranded astronaut, has stopped expecting anything new."
    out = cues([SpokenLine(text)], [(F(0), F(5))])
    # Not "... expecting anything" + a lone "new.": the sentences make the cues.
    assert [c.text for c in out] == [
        "This is the moon.", "Ravi, a stranded astronaut, has\nstopped expecting anything new.",
    ]  # fmt: skip
