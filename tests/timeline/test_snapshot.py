import copy
import json
from fractions import Fraction

import pytest

from shotline.timeline import Clip, ClipKind, SnapshotError, SourceType, linked_group, set_selection
from shotline.timeline.snapshot import SCHEMA_VERSION, from_dict, to_dict
from tests.seed import SEED_EXAMPLE
from tests.timeline.builders import audio, timeline, video


def test_loads_the_seed_example() -> None:
    tl = from_dict(SEED_EXAMPLE)
    assert tl.name == "Scene 4 - Street Chase" and tl.saved_by == "JP Castel"
    wide, gen = tl.clips
    assert (wide.start, wide.duration, wide.has_audio, wide.source) == (
        0.0, 8.5, True, "/api/clips/establishing_wide.mp4",
    )  # fmt: skip
    assert gen.source_type is SourceType.GENERATED and gen.track_index == 1
    # the seed links to a clip it did not include: kept, and ignored for group movement
    assert gen.linked_clip_ids == ("clip-1771238166454", "clip-1771238320050")
    assert linked_group(tl, gen.id) == {gen.id, wide.id}
    assert [t.name for t in tl.audio_tracks] == ["A1"]


def test_round_trip_is_exact_and_versioned() -> None:
    tl = set_selection(
        timeline(
            video("a", 0, 2.5, fps=Fraction(24000, 1001), source_duration=9.0, trim=0.25),
            video("g", 1, 2, track=1, links=("a",)),
            audio("music", 0, 4),
        ),
        in_point=1.0, out_point=2.0, playhead=0.5,
    )  # fmt: skip
    tl = tl.with_clips(
        c.with_(prompt="a jeep", cost=0.0888, owner="ana", source_type=SourceType.GENERATED)
        if c.id == "g" else c
        for c in tl.clips
    )  # fmt: skip
    data = to_dict(tl)
    assert data["schemaVersion"] == SCHEMA_VERSION
    assert data["clips"][0]["sourceFps"] == "24000/1001"
    assert from_dict(json.loads(json.dumps(data))) == tl


def test_unknown_fields_are_kept() -> None:
    data = copy.deepcopy(SEED_EXAMPLE)
    data["clips"][0]["waveform"] = [0.1, 0.5, 0.2]
    data["clips"][0]["thumbnails"] = ["t0.jpg"]
    data["projectNotes"] = "keep me"
    out = to_dict(from_dict(data))
    assert out["clips"][0]["waveform"] == [0.1, 0.5, 0.2]
    assert out["clips"][0]["thumbnails"] == ["t0.jpg"]
    assert out["projectNotes"] == "keep me"


def test_local_clips_save_as_placeholders() -> None:
    clip = Clip(
        id="cam", name="A001_C003.mov", start=0, duration=10.0, source="blob:http://x/123",
        source_type=SourceType.LOCAL, owner="ana",
    )  # fmt: skip
    saved = to_dict(timeline(clip))["clips"][0]
    assert saved["cloudUrl"] is None and saved["placeholder"] is True
    assert (saved["owner"], saved["name"], saved["duration"]) == ("ana", "A001_C003.mov", 10.0)
    loaded = from_dict(to_dict(timeline(clip))).clips[0]
    assert loaded.source is None and loaded.kind is ClipKind.VIDEO


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["clips"][1].update(startTime="soon"),
            r"clip 'clip-gen-1771238213411' \(#2\): field 'startTime' is invalid",
        ),
        (
            lambda d: d["clips"][0].pop("duration"),
            r"clip 'clip-1771238166454' \(#1\): field 'duration' is required",
        ),
        (lambda d: d["clips"][0].update(trackIndex=1.5), "field 'trackIndex' is invalid"),
        (lambda d: d["clips"][0].update(sourceType="dropbox"), "field 'sourceType' is invalid"),
        (lambda d: d["clips"][0].update(linkedClipIds="x"), "field 'linkedClipIds' is invalid"),
        (lambda d: d["clips"][1].update(trackIndex=5), "video track 6 does not exist"),
        (lambda d: d["clips"][1].update(trackIndex=0, startTime=8.0), "would overlap"),
        (lambda d: d.update(clips={}), "'clips' must be a list"),
        (lambda d: d.update(schemaVersion=99), "newer than this shotline understands"),
    ],
)
def test_validation_names_clip_and_field(mutate, message) -> None:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(SEED_EXAMPLE)
    mutate(data)
    with pytest.raises(SnapshotError, match=message):
        from_dict(data)


def test_yjs_floats_for_ints_are_accepted() -> None:
    data = copy.deepcopy(SEED_EXAMPLE)
    data["clips"][1]["trackIndex"] = 1.0
    assert from_dict(data).clips[1].track_index == 1
