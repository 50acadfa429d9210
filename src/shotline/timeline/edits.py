"""Edits: pure functions from a timeline to a new timeline.

Each edit either returns a timeline that satisfies every rule or raises an ``EditError`` and leaves
nothing half-applied (the input is immutable, so a raised edit changed nothing by construction).

Rules: clips on one track never overlap; clips start at or after 0; a clip shows only the part of
its source that exists; linked clips move as one group (seed 000, "Group Movement").
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Iterable, Sequence

from shotline.timeline.errors import ClipNotFound, EditError, OverlapError
from shotline.timeline.model import Clip, ClipKind, Selection, Timeline, Track
from shotline.timeline.timecode import TIME_EPSILON, before


def check_clip(timeline: Timeline, clip: Clip) -> None:
    """Rules that concern one clip alone."""
    tracks = timeline.tracks_of(clip.kind)
    if not 0 <= clip.track_index < len(tracks):
        raise EditError(
            f"clip {clip.id!r}: {clip.kind} track {clip.track_index + 1} does not exist "
            f"(the timeline has {len(tracks)})"
        )
    if clip.duration <= TIME_EPSILON:
        raise EditError(f"clip {clip.id!r}: duration must be positive, got {clip.duration}")
    if before(clip.start, 0.0):
        raise EditError(f"clip {clip.id!r}: start must be at or after 0, got {clip.start}")
    if before(clip.trim_start, 0.0):
        raise EditError(
            f"clip {clip.id!r}: trim start must be at or after 0, got {clip.trim_start}"
        )
    available = clip.source_duration
    if available is not None and before(available, clip.trim_start + clip.duration):
        raise EditError(
            f"clip {clip.id!r}: shows {clip.trim_start:.3f}s to "
            f"{clip.trim_start + clip.duration:.3f}s of a {available:.3f}s source"
        )


def _overlaps(a: Clip, b: Clip) -> bool:
    return (
        a.kind is b.kind
        and a.track_index == b.track_index
        and before(a.start, b.end)
        and before(b.start, a.end)
    )


def _duplicate_id(clips: Sequence[Clip]) -> str | None:
    seen: set[str] = set()
    duplicates: set[str] = set()
    for clip in clips:
        if clip.id in seen:
            duplicates.add(clip.id)
        seen.add(clip.id)
    return min(duplicates) if duplicates else None


def _first_overlap(clips: Sequence[Clip], positions: Iterable[int]) -> tuple[int, int] | None:
    """The first overlapping pair (in clip order) that involves a clip at ``positions``.

    A changed clip is checked against its own track only: the track's clips sorted by start, a
    bisect to the last one that starts before the changed clip ends, and a walk back that stops as
    soon as no earlier clip reaches it (a running maximum of ends keeps that exact even when the
    untouched clips already overlap each other). The cost is the track's sort plus the
    neighbourhood, not every pair of clips.
    """
    asked: dict[tuple[ClipKind, int], list[int]] = {}
    for position in positions:
        clip = clips[position]
        asked.setdefault((clip.kind, clip.track_index), []).append(position)
    lanes: dict[tuple[ClipKind, int], list[int]] = {key: [] for key in asked}
    for index, clip in enumerate(clips):
        lane = lanes.get((clip.kind, clip.track_index))
        if lane is not None:
            lane.append(index)
    found: list[tuple[int, int]] = []
    for key, lane in lanes.items():
        lane.sort(key=lambda i: clips[i].start)
        starts = [clips[i].start for i in lane]
        reach = list(itertools.accumulate((clips[i].end for i in lane), max))
        for position in asked[key]:
            clip = clips[position]
            k = bisect_left(starts, clip.end - TIME_EPSILON) - 1
            while k >= 0 and before(clip.start, reach[k]):
                other = lane[k]
                if other != position and _overlaps(clip, clips[other]):
                    found.append((min(position, other), max(position, other)))
                k -= 1
    return min(found) if found else None


def check_timeline(timeline: Timeline, changed: Iterable[str] | None = None) -> None:
    """Every rule, for the clips in ``changed`` (all clips when None)."""
    clips = timeline.clips
    duplicate = _duplicate_id(clips)
    if duplicate is not None:
        raise EditError(f"duplicate clip id {duplicate!r}")
    wanted = None if changed is None else set(changed)
    positions = [i for i, c in enumerate(clips) if wanted is None or c.id in wanted]
    for position in positions:
        clip = clips[position]
        check_clip(timeline, clip)
        # A link to a clip that is not (or no longer) here is kept but ignored: saved files
        # may hold such links (the seed's own example does) and dropping them loses data.
        if clip.id in clip.linked_clip_ids:
            raise EditError(f"clip {clip.id!r} is linked to itself")
    pair = _first_overlap(clips, positions)
    if pair is not None:
        a, b = clips[pair[0]], clips[pair[1]]
        moved, other = (a, b) if wanted is None or a.id in wanted else (b, a)
        track = timeline.tracks_of(moved.kind)[moved.track_index].name
        raise OverlapError(moved.id, other.id, track)


def dangling_links(timeline: Timeline) -> list[str]:
    """One sentence per link to a clip that is not in the timeline (kept, but worth saying)."""
    ids = {c.id for c in timeline.clips}
    return [
        f"clip {clip.id!r} links to clip {other!r}, which is not in the timeline"
        for clip in timeline.clips
        for other in clip.linked_clip_ids
        if other not in ids
    ]


def _replace(timeline: Timeline, updated: Iterable[Clip]) -> Timeline:
    """New timeline with the given clips swapped in by id, checked."""
    by_id = {c.id: c for c in updated}
    result = timeline.with_clips(by_id.get(c.id, c) for c in timeline.clips)
    check_timeline(result, by_id)
    return result


def add_clip(timeline: Timeline, clip: Clip) -> Timeline:
    if timeline.has_clip(clip.id):
        raise EditError(f"a clip with id {clip.id!r} already exists")
    result = timeline.with_clips((*timeline.clips, clip))
    check_timeline(result, [clip.id])
    return result


def linked_group(timeline: Timeline, clip_id: str) -> frozenset[str]:
    """The clip and every clip reachable through links, in either direction."""
    timeline.clip(clip_id)
    neighbours: dict[str, set[str]] = {}
    for clip in timeline.clips:
        for other in clip.linked_clip_ids:
            if timeline.has_clip(other):
                neighbours.setdefault(clip.id, set()).add(other)
                neighbours.setdefault(other, set()).add(clip.id)
    group = {clip_id}
    frontier = [clip_id]
    while frontier:
        for other in neighbours.get(frontier.pop(), ()):
            if other not in group:
                group.add(other)
                frontier.append(other)
    return frozenset(group)


def move_clip(
    timeline: Timeline, clip_id: str, delta: float = 0.0, track_delta: int = 0
) -> Timeline:
    """Move a clip and its whole linked group by ``delta`` seconds and ``track_delta`` tracks.

    The time delta is clamped so no member starts before 0. A move that would put any member
    outside the tracks or onto a non-member is rejected whole.
    """
    members = [timeline.clip(i) for i in sorted(linked_group(timeline, clip_id))]
    earliest = min(c.start for c in members)
    delta = max(delta, -earliest)
    moved = []
    for clip in members:
        track = clip.track_index + track_delta
        count = len(timeline.tracks_of(clip.kind))
        if not 0 <= track < count:
            raise EditError(
                f"moving {clip_id!r} would put linked clip {clip.id!r} on {clip.kind} track "
                f"{track + 1}, which does not exist"
            )
        moved.append(clip.with_(start=max(0.0, clip.start + delta), track_index=track))
    return _replace(timeline, moved)


def move_clip_to(
    timeline: Timeline, clip_id: str, start: float, track_index: int | None = None
) -> Timeline:
    """Move so that ``clip_id`` lands at ``start`` (and ``track_index``); the group follows."""
    clip = timeline.clip(clip_id)
    track_delta = 0 if track_index is None else track_index - clip.track_index
    return move_clip(timeline, clip_id, start - clip.start, track_delta)


def trim_clip(timeline: Timeline, clip_id: str, edge: str, to: float) -> Timeline:
    """Move one edge (``"start"`` or ``"end"``) of a clip to timeline time ``to``.

    Trimming the start edge also slides the clip's offset into its source, so the frames that stay
    on screen do not change. Bounded by the source's available range.
    """
    clip = timeline.clip(clip_id)
    if edge == "start":
        shift = to - clip.start
        if before(clip.trim_start + shift, 0.0):
            raise EditError(
                f"clip {clip_id!r}: cannot extend the start by {-shift:.3f}s; only "
                f"{clip.trim_start:.3f}s of source precede it"
            )
        updated = clip.with_(
            start=to, duration=clip.duration - shift, trim_start=max(0.0, clip.trim_start + shift)
        )
    elif edge == "end":
        updated = clip.with_(duration=to - clip.start)
    else:
        raise EditError(f"edge must be 'start' or 'end', got {edge!r}")
    if updated.duration <= TIME_EPSILON:
        raise EditError(f"clip {clip_id!r}: trimming to {to:.3f}s would leave nothing of it")
    return _replace(timeline, [updated])


def split_clip(timeline: Timeline, clip_id: str, at: float, new_id: str | None = None) -> Timeline:
    """Cut a clip in two at timeline time ``at``; the right part keeps the clip's links."""
    clip = timeline.clip(clip_id)
    if not (before(clip.start, at) and before(at, clip.end)):
        raise EditError(
            f"clip {clip_id!r}: split point {at:.3f}s is not inside it "
            f"({clip.start:.3f}s to {clip.end:.3f}s)"
        )
    right_id = new_id or _fresh_id(timeline, f"{clip_id}-split")
    if timeline.has_clip(right_id):
        raise EditError(f"a clip with id {right_id!r} already exists")
    left = clip.with_(duration=at - clip.start)
    right = clip.with_(
        id=right_id,
        start=at,
        duration=clip.end - at,
        trim_start=clip.trim_start + (at - clip.start),
    )
    clips: list[Clip] = []
    for c in timeline.clips:
        clips.extend([left, right] if c.id == clip_id else [c])
    result = timeline.with_clips(clips)
    check_timeline(result, [left.id, right.id])
    return result


def _fresh_id(timeline: Timeline, base: str) -> str:
    for n in itertools.count(1):
        candidate = base if n == 1 else f"{base}-{n}"
        if not timeline.has_clip(candidate):
            return candidate
    raise AssertionError("unreachable")


def delete_clip(timeline: Timeline, clip_id: str) -> Timeline:
    """Remove a clip; the rest of its group stays linked to each other, not to it."""
    timeline.clip(clip_id)
    return timeline.with_clips(_without_link(c, clip_id) for c in timeline.clips if c.id != clip_id)


def _without_link(clip: Clip, clip_id: str) -> Clip:
    if clip_id not in clip.linked_clip_ids:
        return clip  # most clips: no copy
    return clip.with_(linked_clip_ids=tuple(i for i in clip.linked_clip_ids if i != clip_id))


def link_clips(timeline: Timeline, clip_id: str, source_ids: Iterable[str]) -> Timeline:
    """Link ``clip_id`` to the clips it was made from; they move as one group from then on."""
    clip = timeline.clip(clip_id)
    links = list(clip.linked_clip_ids)
    for source in source_ids:
        if source == clip_id:
            raise EditError(f"clip {clip_id!r} cannot be linked to itself")
        if not timeline.has_clip(source):
            raise ClipNotFound(source)
        if source not in links:
            links.append(source)
    return _replace(timeline, [clip.with_(linked_clip_ids=tuple(links))])


def unlink_clip(timeline: Timeline, clip_id: str) -> Timeline:
    """Break every link to and from ``clip_id``; it moves on its own from then on."""
    timeline.clip(clip_id)
    return timeline.with_clips(
        c.with_(linked_clip_ids=()) if c.id == clip_id else _without_link(c, clip_id)
        for c in timeline.clips
    )


def set_selection(
    timeline: Timeline,
    in_point: float | None = None,
    out_point: float | None = None,
    playhead: float | None = None,
) -> Timeline:
    """Set the shared in/out points and playhead (None keeps the current value)."""
    current = timeline.selection
    selection = Selection(
        in_point=current.in_point if in_point is None else in_point,
        out_point=current.out_point if out_point is None else out_point,
        playhead=current.playhead if playhead is None else playhead,
    )
    for label, value in (("in", selection.in_point), ("out", selection.out_point)):
        if value is not None and before(value, 0.0):
            raise EditError(f"{label} point must be at or after 0, got {value}")
    if (
        selection.in_point is not None
        and selection.out_point is not None
        and before(selection.out_point, selection.in_point)
    ):
        raise EditError(
            f"out point {selection.out_point:.3f}s is before in point {selection.in_point:.3f}s"
        )
    if before(selection.playhead, 0.0):
        raise EditError(f"playhead must be at or after 0, got {selection.playhead}")
    return timeline.with_(selection=selection)


def clear_selection(timeline: Timeline) -> Timeline:
    return timeline.with_(selection=Selection(playhead=timeline.selection.playhead))


def _fresh_track_id(tracks: Iterable[Track], prefix: str) -> str:
    taken = {t.id for t in tracks}
    return next(f"{prefix}{n}" for n in itertools.count(1) if f"{prefix}{n}" not in taken)


def add_track(
    timeline: Timeline, kind: ClipKind, name: str | None = None, index: int | None = None
) -> Timeline:
    """Insert a track at ``index`` (on top when None); clips on it and above move up one."""
    tracks = timeline.tracks_of(kind)
    at = len(tracks) if index is None else index
    if not 0 <= at <= len(tracks):
        raise EditError(f"cannot insert a {kind} track at {at + 1}: there are {len(tracks)}")
    prefix = "v" if kind is ClipKind.VIDEO else "a"
    track = Track(_fresh_track_id(tracks, prefix), name or f"{prefix.upper()}{len(tracks) + 1}")
    grown = (*tracks[:at], track, *tracks[at:])
    clips = (
        c.with_(track_index=c.track_index + 1) if c.kind is kind and c.track_index >= at else c
        for c in timeline.clips
    )
    changes = {"tracks": grown} if kind is ClipKind.VIDEO else {"audio_tracks": grown}
    return timeline.with_(clips=tuple(clips), **changes)


def remove_track(timeline: Timeline, kind: ClipKind, index: int) -> Timeline:
    """Remove an empty track; clips above it move down one. A timeline keeps one video track."""
    tracks = timeline.tracks_of(kind)
    if not 0 <= index < len(tracks):
        raise EditError(f"{kind} track {index + 1} does not exist (the timeline has {len(tracks)})")
    if kind is ClipKind.VIDEO and len(tracks) == 1:
        raise EditError("a timeline keeps at least one video track")
    held = sum(1 for c in timeline.clips if c.kind is kind and c.track_index == index)
    if held:
        raise EditError(
            f"track {tracks[index].name} holds {held} clip{'s' if held > 1 else ''}: "
            "move or delete them first"
        )
    shrunk = (*tracks[:index], *tracks[index + 1 :])
    clips = (
        c.with_(track_index=c.track_index - 1) if c.kind is kind and c.track_index > index else c
        for c in timeline.clips
    )
    changes = {"tracks": shrunk} if kind is ClipKind.VIDEO else {"audio_tracks": shrunk}
    return timeline.with_(clips=tuple(clips), **changes)
