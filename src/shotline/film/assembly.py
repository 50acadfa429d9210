"""The final cut: segment clips on the narration's clock, as an editable timeline and an MP4.

Seed 001's export rules, on shotline's timeline: each shot fills exactly its slot (a longer clip is
trimmed, a shorter one holds its last frame), a lip-synced clip is preferred to the plain one
(``COALESCE(lipsync, video)``) and a missing or broken lip sync never blocks the export, and the
film is as long as its narration. The timeline is saved before rendering, so that when a render
fails the user can still open the cut in the studio and fix the clip it names.

Choices a user opening the timeline will see:

- V1 holds one clip per segment, starting at its slot; A1 holds the narration. The segment clips
  play no audio of their own (``has_audio=False``): the narration is the film's only sound. A
  lip-synced clip carries the same speech it was synced to, and mixing it in would double every
  line (and the plain clips carry whatever the video model invented).
- Each segment clip is linked to the narration clip. Its timing was derived from the narration,
  so the whole film moves as one group, as picture moves with its sound in an NLE, and a drag can
  never slide a shot off its line; ``unlink_clip`` frees one segment. Segments are not chained to
  each other through their shared keyframes: through the narration they are one group already,
  and a chain would make unlinking one segment split the film in two.
- Keyframes are recorded, not placed: each segment clip's ``extra`` names its two boundary
  keyframes (``firstKeyframe``, ``lastKeyframe``, the keyframes a regeneration between its in and
  out points starts from), and the timeline's ``extra["film"]`` lists all of them in order.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from shotline.film.narration import NarrationTrack
from shotline.film.timing import SegmentSlot, slot_frame_range
from shotline.media.errors import MediaError
from shotline.media.frames import thumbnail
from shotline.media.probe import MediaInfo, probe
from shotline.media.render import render_timeline
from shotline.savefile import save_timeline
from shotline.timeline.edits import add_clip
from shotline.timeline.model import Clip, ClipKind, ClipStatus, SourceType, Timeline
from shotline.timeline.timecode import Rate, format_rate, frame_at, frame_count, frame_start

NARRATION_CLIP_ID = "narration"


@dataclass(frozen=True)
class SegmentClip:
    """One generated segment: its clip, and its lip-synced version when there is one."""

    index: int  # 0-based, as ``SegmentSlot.index``
    video: Path
    lipsync: Path | None = None
    prompt: str | None = None
    cost: float | None = None  # USD for the segment (video + lip sync)
    video_job_id: str | None = None
    lipsync_job_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # kept on the timeline clip


@dataclass(frozen=True)
class Assembly:
    video: Path
    timeline: Path
    duration: Fraction  # of the MP4, exactly frames / fps
    frames: int
    segments_used_lipsync: tuple[int, ...]
    cuts: tuple[int, ...]  # first output frame of each segment
    warnings: tuple[str, ...] = ()


def segment_clip_id(index: int) -> str:
    return f"segment-{index + 1}"


def assemble(
    segments: Sequence[SegmentClip],
    narration: NarrationTrack,
    out_video: Path,
    out_timeline: Path,
    *,
    size: tuple[int, int] = (1280, 720),
    fps: Rate = Fraction(24),
    title: str = "Untitled film",
    keyframes: Sequence[Path] = (),
    base_dir: Path | None = None,
    progress: Callable[[float], None] | None = None,
) -> Assembly:
    """Build the film's timeline, save it to ``out_timeline`` and render it to ``out_video``.

    ``segments`` has at most one clip per narration slot; a slot without one becomes a failed
    placeholder (rendered grey, with a warning) rather than stopping the film. ``keyframes`` is
    empty or the N + 1 boundary images. Relative input paths are taken from ``base_dir``; the
    saved timeline refers to media relative to its own folder. The MP4 has exactly
    ``frame_count(narration.duration, fps)`` frames, and its audio is the narration padded to
    that length (under one frame of silence).
    """
    slots = narration.segments
    if not slots:
        raise ValueError("the narration has no segments")
    if keyframes and len(keyframes) != len(slots) + 1:
        raise ValueError(
            f"{len(keyframes)} keyframes for {len(slots)} segments; expected {len(slots) + 1}"
        )
    by_index: dict[int, SegmentClip] = {}
    for segment in segments:
        if not 0 <= segment.index < len(slots):
            raise ValueError(f"segment index {segment.index} has no slot in the narration")
        if segment.index in by_index:
            raise ValueError(f"two clips for segment {segment.index + 1}")
        by_index[segment.index] = segment

    out_video, out_timeline = Path(out_video), Path(out_timeline)
    paths = _Paths(base_dir, out_timeline.parent)
    warnings: list[str] = []
    timeline = Timeline(
        name=title,
        extra={
            "film": {
                "narration": paths.stored(narration.path),
                "keyframes": [paths.stored(k) for k in keyframes],
                "fps": format_rate(fps),
                "size": list(size),
            }
        },
    )
    timeline = add_clip(timeline, _narration_clip(narration, paths))
    used_lipsync: list[int] = []
    for slot in slots:
        clip, lipsynced = _segment_clip(
            by_index.get(slot.index), slot, fps, keyframes, paths, warnings
        )
        if lipsynced:
            used_lipsync.append(slot.index)
        timeline = add_clip(timeline, clip)

    # Saved first: a failed render still leaves a cut the user can open and mend.
    save_timeline(timeline, out_timeline)
    result = render_timeline(
        timeline, out_video, size=size, fps=fps, base_dir=out_timeline.parent, progress=progress
    )
    expected = frame_count(narration.duration, fps)
    if result.frames != expected:  # the slots tile the track, so only a bug gets here
        raise RuntimeError(f"rendered {result.frames} frames, the narration needs {expected}")
    save_timeline(timeline, out_timeline, preview_png=_preview(out_video))
    for message in result.warnings:
        if message not in warnings:
            warnings.append(message)
    return Assembly(
        video=out_video,
        timeline=out_timeline,
        duration=result.duration,
        frames=result.frames,
        segments_used_lipsync=tuple(used_lipsync),
        cuts=tuple(slot_frame_range(slot, fps).start for slot in slots),
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class _Paths:
    base_dir: Path | None
    folder: Path  # the timeline's

    def real(self, path: Path) -> Path:
        path = Path(path)
        if not path.is_absolute() and self.base_dir is not None:
            path = self.base_dir / path
        return path

    def stored(self, path: Path) -> str:
        """As the saved timeline refers to it: relative to the timeline's folder."""
        return Path(os.path.relpath(self.real(path).absolute(), self.folder.absolute())).as_posix()


def _narration_clip(narration: NarrationTrack, paths: _Paths) -> Clip:
    duration = float(narration.duration)
    return Clip(
        id=NARRATION_CLIP_ID,
        name="Narration",
        start=0.0,
        duration=duration,
        kind=ClipKind.AUDIO,
        source=paths.stored(narration.path),
        source_duration=duration,
        has_audio=True,
        source_type=SourceType.GENERATED,
    )


def _probe(path: Path, what: str, warnings: list[str]) -> MediaInfo | None:
    """The file's info, or None (with a warning) when it is missing, unreadable or not video."""
    if not path.is_file():
        warnings.append(f"{what} {path} is missing")
        return None
    try:
        info = probe(path)
    except MediaError as exc:
        warnings.append(f"{what} {path} cannot be read ({exc})")
        return None
    if not info.has_video:
        warnings.append(f"{what} {path} has no video stream")
        return None
    return info


def _video_length(info: MediaInfo) -> Fraction:
    """Seconds of picture: counted frames when the container knows them, else its duration."""
    if info.fps is not None and info.frame_count:
        return frame_start(info.frame_count, info.fps)
    return Fraction(info.duration)


def _segment_clip(
    segment: SegmentClip | None,
    slot: SegmentSlot,
    fps: Rate,
    keyframes: Sequence[Path],
    paths: _Paths,
    warnings: list[str],
) -> tuple[Clip, bool]:
    """The V1 clip of one slot, and whether it is the lip-synced version."""
    number = slot.index + 1
    extra: dict[str, Any] = {
        "segment": number,
        "audioStart": float(slot.audio_start),
        "audioEnd": float(slot.audio_end),
    }
    if keyframes:
        extra["firstKeyframe"] = paths.stored(keyframes[slot.index])
        extra["lastKeyframe"] = paths.stored(keyframes[slot.index + 1])
    base = Clip(
        id=segment_clip_id(slot.index),
        name=f"Segment {number}",
        start=float(slot.slot_start),
        duration=float(slot.duration),
        source_type=SourceType.GENERATED,
        linked_clip_ids=(NARRATION_CLIP_ID,),
    )
    if segment is None:
        warnings.append(f"segment {number} has no clip; rendered as a placeholder")
        return base.with_(status=ClipStatus.FAILED, extra=extra), False

    extra.update(segment.extra)
    extra["videoSource"] = paths.stored(segment.video)
    if segment.video_job_id is not None:
        extra["videoJobId"] = segment.video_job_id
    chosen, info, lipsynced = paths.real(segment.video), None, False
    if segment.lipsync is not None:
        # COALESCE(lipsync, video): a failed lip sync costs the segment its sync, not the film.
        info = _probe(paths.real(segment.lipsync), f"segment {number}: lip-synced clip", warnings)
        if info is not None:
            chosen, lipsynced = paths.real(segment.lipsync), True
            extra["lipsyncSource"] = paths.stored(segment.lipsync)
            if segment.lipsync_job_id is not None:
                extra["lipsyncJobId"] = segment.lipsync_job_id
        else:
            warnings.append(f"segment {number}: using the clip without lip sync")
    if info is None:
        info = _probe(chosen, f"segment {number}: clip", warnings)
    extra["lipsynced"] = lipsynced
    clip = base.with_(prompt=segment.prompt, cost=segment.cost, extra=extra)
    if info is None:
        warnings.append(f"segment {number} rendered as a placeholder")
        return clip.with_(status=ClipStatus.FAILED), False

    length = _video_length(info)
    clip = clip.with_(
        source=paths.stored(chosen),
        source_duration=float(length),
        source_fps=info.fps,
        width=info.width,
        height=info.height,
    )
    if length < slot.duration:
        # The timeline model only lets a clip show media that exists; an unknown source length
        # lets it run on, and the render holds the last frame for the rest of the slot.
        clip = clip.with_(source_duration=None)
        rate = info.fps or fps
        frames = slot_frame_range(slot, fps)
        last_shown = frame_at(frame_start(frames[-1], fps) - slot.slot_start, rate) if frames else 0
        if last_shown >= frame_count(length, rate):  # an output frame really repeats the last one
            held = slot.duration - length
            warnings.append(
                f"segment {number}: the clip is {float(length):.3f}s, its slot "
                f"{float(slot.duration):.3f}s; holding its last frame for {float(held):.3f}s"
            )
            extra["holdsLastFrameFor"] = float(held)
            clip = clip.with_(extra=extra)
    return clip, lipsynced


def _preview(video: Path) -> bytes | None:
    """A PNG of the film's first frame, saved beside the timeline (seed 000's preview)."""
    try:
        image = thumbnail(video, 0)
    except MediaError:
        return None
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


__all__ = ["NARRATION_CLIP_ID", "Assembly", "SegmentClip", "assemble", "segment_clip_id"]
