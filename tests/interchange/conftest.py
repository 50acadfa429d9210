"""Timelines shared by the interchange tests. No media is decoded: sources need not exist."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from shotline.timeline import snapshot
from shotline.timeline.model import (
    Clip,
    ClipKind,
    ClipStatus,
    Selection,
    SourceType,
    Timeline,
)
from tests.seed import SEED_EXAMPLE

NTSC = Fraction(30000, 1001)

SEED: dict[str, Any] = SEED_EXAMPLE


@pytest.fixture
def seed_timeline() -> Timeline:
    return snapshot.from_dict(SEED)


@pytest.fixture
def mixed_timeline() -> Timeline:
    """Two video tracks and an audio track, 24 and 30000/1001 fps, gaps, links, a placeholder."""
    clips = (
        Clip("wide", "wide.mp4", 0.0, 2.0, source="/media/wide.mp4", source_fps=Fraction(24),
             source_duration=10.0, trim_start=1.0, has_audio=True, width=1920, height=1080),
        Clip("gen", "AI: jeep", 3.0, 1.5, source="/api/clips/gen.mp4", source_fps=Fraction(24),
             source_duration=5.0, source_type=SourceType.GENERATED, prompt="a jeep at dusk",
             cost=0.35, linked_clip_ids=("wide", "gone-clip"), owner="jp"),
        Clip("ntsc", "ntsc.mov", 4.5, 2.0, source="/media/ntsc.mov", source_fps=NTSC,
             source_duration=8.0, trim_start=0.5, status=ClipStatus.PROCESSING,
             extra={"thumbnail": "/thumbs/ntsc.png", "waveform": [0.1, 0.5]}),
        Clip("local", "my_take.mp4", 1.0, 3.0, track_index=1, source_type=SourceType.LOCAL,
             owner="ana", source_fps=Fraction(24), source_duration=12.0),
        Clip("late", "late.mp4", 7.25, 1.0, track_index=1, source="/media/late.mp4",
             source_fps=NTSC, source_duration=4.0),
        Clip("music", "music.wav", 0.5, 6.0, kind=ClipKind.AUDIO, source="/media/music.wav",
             source_duration=60.0),
    )  # fmt: skip
    return Timeline(
        name="Mixed",
        clips=clips,
        selection=Selection(in_point=1.0, out_point=4.0, playhead=2.5),
        saved_at="2026-02-16T08:30:00.000Z",
        saved_by="JP Castel",
        extra={"preview": "mixed.png"},
    )


@pytest.fixture
def cut_timeline() -> Timeline:
    """One rate (24), whole-frame times, two video tracks and an audio track: for EDL and XML."""
    rate = Fraction(24)
    clips = (
        Clip("a", "alpha.mov", 0.0, 2.0, source="/media/alpha.mov", source_fps=rate,
             source_duration=10.0, trim_start=1.5),
        Clip("b", "bravo.mov", 2.0, 1.25, source="/media/bravo.mov", source_fps=rate,
             source_duration=6.0, trim_start=0.0),
        Clip("c", "charlie.mov", 5.0, 3.0 + 5 / 24, source="/media/charlie.mov",
             source_fps=rate, source_duration=20.0, trim_start=7 / 24),
        Clip("d", "delta.mov", 1.0, 2.5, track_index=1, source="/media/delta.mov",
             source_fps=rate, source_duration=9.0, trim_start=2.0),
        Clip("m", "music.wav", 0.0, 8.0, kind=ClipKind.AUDIO, source="/media/music.wav",
             source_fps=rate, source_duration=60.0, trim_start=0.0),
    )  # fmt: skip
    return Timeline(name="Cut", clips=clips)
