import pytest

from shotline.timeline import (
    ClipKind,
    ClipNotFound,
    EditError,
    OverlapError,
    add_track,
    clear_selection,
    delete_clip,
    link_clips,
    linked_group,
    move_clip,
    move_clip_to,
    remove_track,
    set_selection,
    split_clip,
    trim_clip,
    unlink_clip,
)
from tests.timeline.builders import audio, timeline, video


def starts(tl, *ids):  # type: ignore[no-untyped-def]
    return [tl.clip(i).start for i in ids]


def test_add_rejects_overlap_and_names_both_clips() -> None:
    tl = timeline(video("a", 0, 5))
    with pytest.raises(OverlapError, match="'b' would overlap clip 'a' on track V1"):
        timeline(video("a", 0, 5), video("b", 4, 2))
    # touching edges is fine; another track is fine
    timeline(video("a", 0, 5), video("b", 5, 2), video("c", 1, 2, track=1))
    assert len(tl.clips) == 1


@pytest.mark.parametrize(
    ("clip", "message"),
    [
        (video("x", -1, 2), "start must be at or after 0"),
        (video("x", 0, 0), "duration must be positive"),
        (video("x", 0, 2, track=7), "video track 8 does not exist"),
        (video("x", 0, 5, trim=8, source_duration=10), "of a 10.000s source"),
    ],
)
def test_add_rejects_bad_clips(clip, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EditError, match=message):
        timeline(clip)


def test_duplicate_id_rejected() -> None:
    with pytest.raises(EditError, match="already exists"):
        timeline(video("a", 0, 1), video("a", 3, 1))


def test_move_single_clip_and_reject_overlap() -> None:
    tl = timeline(video("a", 0, 2), video("b", 5, 2))
    moved = move_clip(tl, "a", 1.0)
    assert starts(moved, "a", "b") == [1.0, 5.0]
    with pytest.raises(OverlapError):
        move_clip(tl, "a", 4.0)
    assert starts(tl, "a", "b") == [0.0, 5.0]  # the original is untouched


def test_linked_group_moves_together_with_clamped_delta() -> None:
    # the seed's case: a generated clip on V2 linked to the two shots it was made between
    tl = timeline(
        video("wide", 2, 8.5),
        video("close", 10.5, 4),
        video("gen", 8.5, 4.8, track=1, links=("wide", "close")),
        video("other", 30, 2),
    )
    assert linked_group(tl, "close") == {"wide", "close", "gen"}
    moved = move_clip(tl, "close", 3.0)
    assert starts(moved, "wide", "close", "gen", "other") == [5.0, 13.5, 11.5, 30.0]
    # dragging left further than the earliest member allows is clamped at 0
    clamped = move_clip(tl, "gen", -100)
    assert starts(clamped, "wide", "close", "gen") == [0.0, 8.5, 6.5]


def test_vertical_group_move_shifts_tracks_or_rejects_whole() -> None:
    tl = timeline(
        video("src", 0, 4),
        video("gen", 2, 3, track=1, links=("src",)),
        video("blocker", 0, 1, track=2),
        video_tracks=4,
    )
    up = move_clip(tl, "src", 0.0, track_delta=1)
    assert [up.clip(i).track_index for i in ("src", "gen")] == [1, 2]
    # two tracks up, src lands on blocker's V3: the whole group stays where it was
    with pytest.raises(OverlapError, match="'src' would overlap clip 'blocker' on track V3"):
        move_clip(tl, "gen", 0.0, track_delta=2)
    with pytest.raises(EditError, match="does not exist"):
        move_clip(tl, "gen", 0.0, track_delta=3)
    with pytest.raises(EditError, match="does not exist"):
        move_clip(tl, "gen", 0.0, track_delta=-1)


def test_move_to_absolute_position() -> None:
    tl = timeline(video("a", 1, 2), video("b", 3, 2, track=1, links=("a",)))
    moved = move_clip_to(tl, "b", 10.0, track_index=2)
    assert (moved.clip("b").start, moved.clip("b").track_index) == (10.0, 2)
    assert (moved.clip("a").start, moved.clip("a").track_index) == (8.0, 1)


def test_trim_start_slides_source_offset() -> None:
    tl = timeline(video("a", 2, 4, trim=1.0, source_duration=10))
    trimmed = trim_clip(tl, "a", "start", 3.0)
    clip = trimmed.clip("a")
    assert (clip.start, clip.duration, clip.trim_start) == (3.0, 3.0, 2.0)
    extended = trim_clip(tl, "a", "start", 1.0)
    assert (extended.clip("a").start, extended.clip("a").trim_start) == (1.0, 0.0)
    with pytest.raises(EditError, match="only 1.000s of source precede it"):
        trim_clip(tl, "a", "start", 0.5)


def test_trim_end_bounded_by_source() -> None:
    tl = timeline(video("a", 0, 4, trim=1.0, source_duration=6))
    assert trim_clip(tl, "a", "end", 5.0).clip("a").duration == 5.0
    with pytest.raises(EditError, match="of a 6.000s source"):
        trim_clip(tl, "a", "end", 5.5)
    with pytest.raises(EditError, match="would leave nothing"):
        trim_clip(tl, "a", "end", 0.0)
    with pytest.raises(EditError, match="edge must be"):
        trim_clip(tl, "a", "middle", 1.0)


def test_trim_cannot_overlap_neighbour() -> None:
    tl = timeline(video("a", 0, 2), video("b", 3, 2))
    with pytest.raises(OverlapError):
        trim_clip(tl, "a", "end", 3.5)


def test_split_keeps_frames_and_links() -> None:
    tl = timeline(video("src", 0, 2), video("a", 2, 6, track=1, trim=1.0, links=("src",)))
    split = split_clip(tl, "a", 5.0)
    left, right = split.clip("a"), split.clip("a-split")
    assert (left.start, left.duration, left.trim_start) == (2.0, 3.0, 1.0)
    assert (right.start, right.duration, right.trim_start) == (5.0, 3.0, 4.0)
    assert linked_group(split, "a-split") == {"a", "a-split", "src"}
    with pytest.raises(EditError, match="not inside it"):
        split_clip(tl, "a", 8.0)


def test_delete_unlinks_from_the_rest() -> None:
    tl = timeline(
        video("s1", 0, 2), video("s2", 4, 2), video("gen", 2, 2, track=1, links=("s1", "s2"))
    )
    without_gen = delete_clip(tl, "gen")
    assert linked_group(without_gen, "s1") == {"s1"}
    without_s1 = delete_clip(tl, "s1")
    assert without_s1.clip("gen").linked_clip_ids == ("s2",)
    with pytest.raises(ClipNotFound):
        delete_clip(tl, "nope")


def test_link_and_unlink() -> None:
    tl = timeline(video("a", 0, 2), video("b", 2, 2), video("g", 0, 4, track=1))
    linked = link_clips(tl, "g", ["a", "b"])
    assert linked_group(linked, "a") == {"a", "b", "g"}
    alone = unlink_clip(linked, "g")
    assert linked_group(alone, "g") == {"g"}
    assert linked_group(alone, "a") == {"a"}
    with pytest.raises(EditError, match="itself"):
        link_clips(tl, "g", ["g"])
    with pytest.raises(ClipNotFound):
        link_clips(tl, "g", ["zzz"])


def test_audio_clips_in_a_group_move_on_audio_tracks() -> None:
    tl = timeline(video("v", 0, 2, links=("music",)), audio("music", 0, 2), audio_tracks=1)
    moved = move_clip(tl, "v", 1.5)
    assert starts(moved, "v", "music") == [1.5, 1.5]
    with pytest.raises(EditError, match="on audio track 2, which does not exist"):
        move_clip(tl, "v", 0, track_delta=1)


def test_selection() -> None:
    tl = set_selection(timeline(), in_point=8.45, out_point=8.55, playhead=3.0)
    assert (tl.selection.in_point, tl.selection.out_point, tl.selection.playhead) == (
        8.45,
        8.55,
        3.0,
    )
    with pytest.raises(EditError, match="before in point"):
        set_selection(tl, out_point=1.0)
    assert clear_selection(tl).selection.in_point is None
    assert clear_selection(tl).selection.playhead == 3.0


def test_add_track_inserts_and_shifts_clips_above() -> None:
    tl = timeline(video("a", 0, 2), video("b", 0, 2, track=1), audio("m", 0, 2), video_tracks=2)
    top = add_track(tl, ClipKind.VIDEO)
    assert [t.id for t in top.tracks] == ["v1", "v2", "v3"] and top.clips == tl.clips
    middle = add_track(tl, ClipKind.VIDEO, "Inserts", index=1)
    assert [t.name for t in middle.tracks] == ["V1", "Inserts", "V2"]
    assert [middle.clip(i).track_index for i in ("a", "b", "m")] == [0, 2, 0]
    with pytest.raises(EditError, match="cannot insert"):
        add_track(tl, ClipKind.AUDIO, index=5)


def test_remove_track_refuses_a_track_with_clips_and_the_last_video_track() -> None:
    tl = timeline(video("a", 0, 2), video("b", 0, 2, track=2), video_tracks=3)
    with pytest.raises(EditError, match="track V1 holds 1 clip: move or delete"):
        remove_track(tl, ClipKind.VIDEO, 0)
    removed = remove_track(tl, ClipKind.VIDEO, 1)
    assert [t.id for t in removed.tracks] == ["v1", "v3"] and removed.clip("b").track_index == 1
    with pytest.raises(EditError, match="does not exist"):
        remove_track(tl, ClipKind.AUDIO, 3)
    single = timeline(video_tracks=1)
    with pytest.raises(EditError, match="at least one video track"):
        remove_track(single, ClipKind.VIDEO, 0)
