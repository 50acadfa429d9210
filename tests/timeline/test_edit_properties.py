"""Property tests: whatever sequence of edits people make, the timeline rules hold."""

import copy
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from shotline.timeline import (
    EditError,
    OverlapError,
    Timeline,
    add_clip,
    check_timeline,
    delete_clip,
    link_clips,
    linked_group,
    move_clip,
    split_clip,
    trim_clip,
)
from tests.timeline.builders import timeline, video

times = st.integers(min_value=0, max_value=400).map(lambda n: n / 8)  # eighth-second grid
lengths = st.integers(min_value=1, max_value=40).map(lambda n: n / 8)


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    tl = timeline(video_tracks=3)
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        clip = video(f"c{n}", draw(times), draw(lengths), draw(st.integers(0, 2)),
                     source_duration=60.0)  # fmt: skip
        try:
            tl = add_clip(tl, clip)
        except EditError:
            continue  # overlaps an earlier clip: the drawn timeline simply has fewer clips
    ids = [c.id for c in tl.clips]
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        a, b = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        if a != b:
            tl = link_clips(tl, a, [b])
    return tl


edit_ops = st.one_of(
    st.tuples(st.just("move"), st.integers(-80, 80).map(lambda n: n / 4), st.integers(-2, 2)),
    st.tuples(st.just("trim_start"), times, st.just(0)),
    st.tuples(st.just("trim_end"), times, st.just(0)),
    st.tuples(st.just("split"), times, st.just(0)),
    st.tuples(st.just("delete"), st.just(0.0), st.just(0)),
)


def _apply(tl: Timeline, clip_id: str, op: tuple[str, float, int]) -> Timeline:
    name, value, tracks = op
    if name == "move":
        return move_clip(tl, clip_id, value, tracks)
    if name == "trim_start":
        return trim_clip(tl, clip_id, "start", value)
    if name == "trim_end":
        return trim_clip(tl, clip_id, "end", value)
    if name == "split":
        return split_clip(tl, clip_id, value)
    return delete_clip(tl, clip_id)


@settings(max_examples=300, deadline=None)
@given(timelines(), st.lists(st.tuples(st.integers(0, 20), edit_ops), max_size=12))
def test_edits_keep_every_rule(tl: Timeline, ops: list[tuple[int, tuple[str, float, int]]]) -> None:
    for pick, op in ops:
        clip_id = tl.clips[pick % len(tl.clips)].id if tl.clips else None
        if clip_id is None:
            break
        before = copy.deepcopy(tl)
        try:
            result = _apply(tl, clip_id, op)
        except EditError:
            assert tl == before  # a rejected edit changed nothing
            continue
        check_timeline(result)  # no overlaps, all clips in range and on real tracks
        assert all(c.start >= 0 for c in result.clips)
        tl = result


@settings(max_examples=300, deadline=None)
@given(timelines(), st.integers(0, 20), st.integers(-80, 80), st.integers(-2, 2))
def test_group_moves_keep_relative_timing(
    tl: Timeline, pick: int, quarter: int, tracks: int
) -> None:
    clip_id = tl.clips[pick % len(tl.clips)].id
    group = linked_group(tl, clip_id)
    try:
        moved = move_clip(tl, clip_id, quarter / 4, tracks)
    except EditError:
        return
    deltas = {round(moved.clip(i).start - tl.clip(i).start, 9) for i in group}
    track_deltas = {moved.clip(i).track_index - tl.clip(i).track_index for i in group}
    assert len(deltas) == 1 and len(track_deltas) == 1  # everyone moved together
    (delta,) = deltas
    assert delta == max(quarter / 4, -min(tl.clip(i).start for i in group))  # clamped at 0
    for clip in tl.clips:
        if clip.id not in group:
            assert moved.clip(clip.id) == clip  # non-members never move


def _all_pairs_overlap(tl: Timeline, changed: set[str] | None) -> tuple[str, str] | None:
    """The check as it was before the track-neighbourhood index: every pair, first pair wins."""
    for a, b in itertools.combinations(tl.clips, 2):
        wanted = changed is None or a.id in changed or b.id in changed
        same_lane = a.kind is b.kind and a.track_index == b.track_index
        if wanted and same_lane and a.start < b.end - 1e-6 and b.start < a.end - 1e-6:
            return (a.id, b.id) if changed is None or a.id in changed else (b.id, a.id)
    return None


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(times, lengths, st.integers(0, 2)), min_size=1, max_size=12),
    st.sets(st.integers(0, 11)),
    st.booleans(),
)
def test_neighbourhood_check_finds_the_same_overlap_as_all_pairs(
    spans: list[tuple[float, float, int]], changed_picks: set[int], check_all: bool
) -> None:
    # Built directly, so untouched clips may already overlap: the result must still match.
    clips = tuple(video(f"c{n}", start, length, track) for n, (start, length, track) in
                  enumerate(spans))  # fmt: skip
    tl = Timeline(tracks=timeline(video_tracks=3).tracks, clips=clips)
    changed = None if check_all else {f"c{n}" for n in changed_picks}
    expected = _all_pairs_overlap(tl, changed)
    try:
        check_timeline(tl, changed)
    except OverlapError as exc:
        assert (exc.clip_id, exc.other_id) == expected
    else:
        assert expected is None
