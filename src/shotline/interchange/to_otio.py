"""A shotline timeline as an OTIO timeline.

Video tracks come first (V1 at the bottom, as OTIO stacks them), then audio tracks. Each clip's
source range is in its own rate; gaps are in the timeline rate. Our own fields ride along in
``metadata["shotline"]`` so that an ``.otio`` round trip gives back the very same timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from shotline.interchange.timing import (
    frames,
    frames_between,
    seconds,
    span,
    timeline_rate,
)
from shotline.timeline.model import Clip, ClipKind, Timeline, Track
from shotline.timeline.snapshot import clip_to_dict, to_dict
from shotline.timeline.timecode import (
    exact,
    format_rate,
    frame_at,
    frame_count,
    frame_start,
    nearest_frame,
)

NAMESPACE = "shotline"

_KINDS = {ClipKind.VIDEO: otio.schema.TrackKind.Video, ClipKind.AUDIO: otio.schema.TrackKind.Audio}


def to_otio(
    timeline: Timeline,
    rate: Fraction | None = None,
    *,
    one_rate: bool = False,
    clip_sound: bool = False,
) -> Any:
    """Build an ``otio.schema.Timeline``; ``rate`` defaults to the most common clip rate, or 24.

    With ``one_rate`` every clip is cut at ``rate`` too (for formats that hold one rate): each
    time is rounded once, straight to that rate, rather than to the clip's rate and again later.
    With ``clip_sound`` the sound of video clips that have it (``has_audio``) is laid on audio
    tracks after ours, as NLEs lay linked audio, so formats without our metadata keep it;
    ``from_otio`` folds it back into the clips.
    """
    rate = rate or timeline_rate(timeline)
    header = to_dict(timeline)
    del header["clips"]  # each clip carries its own fields
    result = otio.schema.Timeline(name=timeline.name)
    result.metadata[NAMESPACE] = {"timeline": header, "rate": format_rate(rate)}
    for kind in ClipKind:
        for index, track in enumerate(timeline.tracks_of(kind)):
            clips = timeline.on_track(kind, index)
            result.tracks.append(_track(clips, kind, track, rate, one_rate))
    if clip_sound:
        for index, track in enumerate(timeline.tracks):
            sounding = [c for c in timeline.on_track(ClipKind.VIDEO, index) if c.has_audio]
            if sounding:
                sound = Track(f"{track.id}-sound", f"{track.name} sound")
                built = _track(sounding, ClipKind.AUDIO, sound, rate, one_rate)
                built.metadata[NAMESPACE]["clipSound"] = True
                result.tracks.append(built)
    return result


def _track(clips: list[Clip], kind: ClipKind, track: Track, rate: Fraction, one_rate: bool) -> Any:
    result = otio.schema.Track(name=track.name, kind=_KINDS[kind])
    result.metadata[NAMESPACE] = {"id": track.id, "name": track.name}
    cursor = Fraction(0)  # where the track ends so far, exact seconds
    # One-rate formats put each edit point on the nearest frame (a 4 s clip at 29.97 is 120
    # frames, not 119); otherwise a clip keeps the frames that contain its times.
    to_frame = nearest_frame if one_rate else frame_at
    for clip in clips:
        # Clips start on the timeline rate's frame grid; gaps fill up to them.
        slot = frame_start(to_frame(clip.start, rate), rate)
        if slot > cursor:
            gap = frames(frames_between(cursor, slot, rate), rate)
            result.append(otio.schema.Gap(source_range=span(frames(0, rate), gap)))
            cursor = slot
        item = _clip(clip, cursor, rate if one_rate else clip.source_fps or rate, to_frame)
        result.append(item)
        cursor += seconds(item.source_range.duration)
    # What the structure said at export: on import, a clip that still sits there gets its exact
    # saved times back; one moved or trimmed in another editor takes the editor's times.
    for i, child in enumerate(result):
        if isinstance(child, otio.schema.Clip):
            child.metadata[NAMESPACE]["placed"] = _placement(result, i)
    return result


def _clip(clip: Clip, position: Fraction, rate: Fraction, to_frame: Callable[..., int]) -> Any:
    # The whole frames at the clip's rate between where it lands and where it ends, so the track
    # never drifts from the clip's true end by a frame or more, whatever the rates.
    count = max(1, to_frame(exact(clip.start) + exact(clip.duration) - position, rate))
    trim = to_frame(clip.trim_start, rate)
    if clip.source_duration is not None:
        # Rounding up must not run past the media: its last whole frame is where a clip stops
        # (on import, a clip ending within a frame of its media's end reaches that end again).
        count = max(1, min(count, frame_at(clip.source_duration, rate) - trim))
    source_range = span(frames(trim, rate), frames(count, rate))
    if clip.source is None:
        # Missing media must be explicit: a local placeholder whose file only its owner has.
        reference: Any = otio.schema.MissingReference()
    else:
        reference = otio.schema.ExternalReference(target_url=clip.source)
    if clip.source_duration is not None:
        length = frames(frame_count(clip.source_duration, rate), rate)
        reference.available_range = span(frames(0, rate), length)
    result = otio.schema.Clip(name=clip.name, media_reference=reference, source_range=source_range)
    result.metadata[NAMESPACE] = {"clip": clip_to_dict(clip)}
    return result


def _placement(track: Any, index: int) -> list[float]:
    """Start in the track, duration and source start of one clip, in seconds."""
    clip = track[index]
    trimmed = clip.trimmed_range()
    start = track.range_of_child_at_index(index).start_time
    return [float(seconds(t)) for t in (start, trimmed.duration, trimmed.start_time)]
