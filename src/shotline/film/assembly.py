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

Rendering is incremental. Each segment is first rendered alone to an intermediate MP4 of exactly
its slot's output frames (``slot_frames``; frame ``j`` is output frame ``cut + j``, whether or not
the slot starts on the frame grid), every one with the same H.264 settings, no audio, cached under
a hash of its source's content, offset, length, size, rate and encoder. The narration is encoded
once the same way. The film is then a stream copy of those files, so that re-assembling after one
segment changed encodes that segment alone. Should the pieces not tile the film, the cut of
intermediates goes through ``render_timeline`` (whose own fast path they meet). The saved
timeline never names an intermediate: it refers to the real clips at their slots.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from shotline.assets.blobs import sha256_file
from shotline.files import atomic_path, write_atomic
from shotline.film.narration import NarrationTrack
from shotline.film.subtitles import Cue, mux_subtitles, write_subtitles
from shotline.film.timing import SegmentSlot, slot_frame_range
from shotline.media.errors import MediaError
from shotline.media.ffmpeg import run_ffmpeg
from shotline.media.frames import thumbnail
from shotline.media.probe import MediaInfo, probe
from shotline.media.render import render_timeline
from shotline.media.sources import resolve_source
from shotline.savefile import save_timeline
from shotline.timeline.edits import add_clip
from shotline.timeline.model import Clip, ClipKind, ClipStatus, SourceType, Timeline
from shotline.timeline.timecode import (
    Rate,
    exact,
    format_rate,
    frame_at,
    frame_count,
    frame_start,
)

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
    # Segments whose intermediate was encoded by this call (the others came from the cache).
    segments_encoded: tuple[int, ...] = ()
    fast_path: bool = False  # the film's video was stream-copied from the intermediates
    subtitles: tuple[Path, ...] = ()  # the .vtt and .srt beside the film (also muxed into it)


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
    cache_dir: Path | None = None,
    shared_cache: bool = False,
    subtitles: Sequence[Cue] = (),
    subtitle_language: str = "und",
) -> Assembly:
    """Build the film's timeline, save it to ``out_timeline`` and render it to ``out_video``.

    ``segments`` has at most one clip per narration slot; a slot without one becomes a failed
    placeholder (rendered grey, with a warning) rather than stopping the film. ``keyframes`` is
    empty or the N + 1 boundary images. Relative input paths are taken from ``base_dir``; the
    saved timeline refers to media relative to its own folder. The MP4 has exactly
    ``frame_count(narration.duration, fps)`` frames, and its audio is the narration padded to
    that length (under one frame of silence).

    Each slot is first rendered on its own to an intermediate MP4 in ``cache_dir`` (by default a
    hidden folder beside ``out_video``), named by a hash of everything that decides its picture,
    so that assembling again after one segment changed encodes only that segment; the film's
    video is then stream-copied from the intermediates and only the narration is encoded.
    With ``shared_cache`` the folder is shared by many films (the data folder's ``pieces``):
    identical pieces are encoded once for all of them, and none is pruned.

    ``subtitles`` (cues on the narration's clock) are written beside the film as ``.vtt`` and
    ``.srt`` and muxed into it as a ``mov_text`` stream tagged ``subtitle_language``.
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
    cache = Path(cache_dir) if cache_dir is not None else _default_cache(out_video)
    pieces = _Pieces(cache, size, fps, out_timeline.parent, progress)
    render_cut = pieces.build(timeline)
    expected = frame_count(narration.duration, fps)
    copied = pieces.copy_film(render_cut, out_video, expected)
    if copied is not None:
        frames, fast_path, duration = copied, True, frame_start(copied, fps)
    else:
        result = render_timeline(
            render_cut,
            out_video,
            size=size,
            fps=fps,
            base_dir=out_timeline.parent,
            progress=pieces.final_progress(),
            preset=PRESET,
            crf=CRF,
        )
        frames, fast_path, duration = result.frames, result.fast_path, result.duration
        pieces.warnings.extend(m for m in result.warnings if m not in pieces.warnings)
    if not shared_cache:  # a shared folder holds other runs' pieces too: never prune it
        pieces.prune()
    for message in pieces.warnings:
        if message not in warnings:
            warnings.append(message)
    if frames != expected:  # the slots tile the track, so only a bug gets here
        raise RuntimeError(f"rendered {frames} frames, the narration needs {expected}")
    written: tuple[Path, ...] = ()
    if subtitles:
        written = write_subtitles(subtitles, out_video)
        mux_subtitles(out_video, written[1], subtitle_language)
    save_timeline(timeline, out_timeline, preview_png=_preview(out_video))
    return Assembly(
        video=out_video,
        timeline=out_timeline,
        duration=duration,
        frames=frames,
        segments_used_lipsync=tuple(used_lipsync),
        cuts=tuple(slot_frame_range(slot, fps).start for slot in slots),
        warnings=tuple(warnings),
        segments_encoded=tuple(
            slot.index for slot in slots if segment_clip_id(slot.index) in pieces.encoded
        ),
        fast_path=fast_path,
        subtitles=written,
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


# --- per-segment intermediates -------------------------------------------------------------------

# Every intermediate is encoded alike, so that their H.264 extradata match and the film's video
# can be stream-copied from them (``render_timeline``'s fast path).
PRESET = "veryfast"
CRF = 20
AUDIO_BITRATE = "192k"
# Bump when what an intermediate shows for the same inputs changes (its name changes with it).
PIECE_VERSION = 1
_HASH_LENGTH = 20
_PIECE_NAME = re.compile(rf"^[\w.-]+-[0-9a-f]{{{_HASH_LENGTH}}}\.(mp4|json)$")


def _seconds(value: Fraction) -> str:
    """Seconds for an ffconcat line, to the microsecond ffmpeg parses them to."""
    whole, micros = divmod(round(value * 1_000_000), 1_000_000)
    return f"{whole}.{micros:06d}"


def _default_cache(out_video: Path) -> Path:
    return out_video.parent / f".{out_video.stem}.segments"


@dataclass(frozen=True)
class _Piece:
    clip: Clip  # the film's clip
    first: int  # its first output frame
    frames: int
    offset: Fraction  # source seconds under its first output frame
    source: str | None  # resolved media path, None for a placeholder
    path: Path  # the intermediate

    @property
    def sidecar(self) -> Path:
        return self.path.with_suffix(".json")


class _Pieces:
    """Each video clip of the cut rendered alone, exactly its output frames, cached by hash."""

    def __init__(
        self,
        folder: Path,
        size: tuple[int, int],
        fps: Rate,
        base_dir: Path,
        progress: Callable[[float], None] | None,
    ) -> None:
        self.folder = folder
        self.size = size
        self.fps = fps
        self.base_dir = base_dir
        self.progress = progress
        self.warnings: list[str] = []
        self.encoded: list[str] = []  # clip ids, in film order
        self.used: set[str] = set()
        self.pieces: list[_Piece] = []
        self._work = 1.0
        self._done = 0.0

    def build(self, timeline: Timeline) -> Timeline:
        """The render-only cut: each video clip replaced by its intermediate, on the frame grid.

        Output frame ``first + j`` of a clip shows its source at ``(first + j) / fps - start +
        trim``, which is the intermediate's frame ``j`` rendered at ``j / fps + offset``; placed at
        ``first / fps`` with no trim, the intermediate puts that picture back on the same frame.
        """
        pieces: list[_Piece] = []
        for clip in timeline.clips:
            if clip.kind is not ClipKind.VIDEO:
                continue
            first = frame_count(clip.start, self.fps)
            frames = frame_count(clip.end, self.fps) - first
            if frames <= 0:
                continue
            offset = frame_start(first, self.fps) - exact(clip.start) + exact(clip.trim_start)
            source = None
            if clip.source is not None:
                source = resolve_source(clip.source, self.base_dir)
            name = f"{clip.id}-{self._key(clip, frames, offset, source)}.mp4"
            pieces.append(_Piece(clip, first, frames, offset, source, self.folder / name))
        todo = [p for p in pieces if not (p.path.is_file() and p.sidecar.is_file())]
        total = sum(p.frames for p in pieces)
        self._work = sum(p.frames for p in todo) + max(total / 10, 1)
        for missing in todo:
            self._encode(missing)
            self._done += missing.frames
        self.pieces = sorted(pieces, key=lambda p: p.first)
        replaced = {p.clip.id: p for p in pieces}
        clips = []
        for clip in timeline.clips:
            piece = replaced.get(clip.id)
            if piece is None:
                if clip.kind is ClipKind.VIDEO:
                    continue  # covers no output frame
                clips.append(clip)
                continue
            self.used.update((piece.path.name, piece.sidecar.name))
            for message in json.loads(piece.sidecar.read_text(encoding="utf-8"))["warnings"]:
                if message not in self.warnings:
                    self.warnings.append(message)
            clips.append(
                clip.with_(
                    start=float(frame_start(piece.first, self.fps)),
                    duration=float(frame_start(piece.frames, self.fps)),
                    trim_start=0.0,
                    source=str(piece.path.absolute()),
                    source_duration=None,
                    status=ClipStatus.READY,
                    has_audio=False,
                )
            )
        return timeline.with_clips(clips)

    def _key(self, clip: Clip, frames: int, offset: Fraction, source: str | None) -> str:
        data = {
            "version": PIECE_VERSION,
            "clip": [clip.id, clip.name],  # named in the warnings a render gives
            "source": sha256_file(Path(source)) if source is not None else None,
            "offset": str(offset),
            "frames": frames,
            "size": list(self.size),
            "fps": format_rate(self.fps),
            "encoder": ["libx264", PRESET, CRF, "yuv420p"],
        }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:_HASH_LENGTH]

    def _encode(self, piece: _Piece) -> None:
        clip = piece.clip.with_(
            start=0.0,
            duration=float(frame_start(piece.frames, self.fps)),
            trim_start=float(piece.offset),
            source=piece.source,
            source_duration=None,
            has_audio=False,
            linked_clip_ids=(),
            extra={},
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        scratch = self.folder / f".{piece.path.stem}.{uuid.uuid4().hex[:8]}.av.mp4"
        try:
            result = render_timeline(
                Timeline(name=clip.name, clips=(clip,)),
                scratch,
                size=self.size,
                fps=self.fps,
                progress=self._step(piece.frames),
                preset=PRESET,
                crf=CRF,
                allow_fast_path=False,  # a copied source would not share the others' extradata
            )
            if result.frames != piece.frames:
                raise RuntimeError(
                    f"clip {clip.id!r}: rendered {result.frames} frames, expected {piece.frames}"
                )
            # The render always has an audio track; the intermediate is picture only.
            with atomic_path(piece.path) as partial:
                run_ffmpeg(
                    ["-i", str(scratch), "-map", "0:v:0", "-c", "copy", "-f", "mp4", str(partial)]
                )
        finally:
            scratch.unlink(missing_ok=True)
        warnings = {"warnings": list(result.warnings)}
        write_atomic(piece.sidecar, (json.dumps(warnings, indent=1) + "\n").encode("utf-8"))
        self.encoded.append(clip.id)

    def _step(self, frames: int) -> Callable[[float], None] | None:
        if self.progress is None:
            return None
        report, done, work = self.progress, self._done, self._work
        return lambda fraction: report(min((done + fraction * frames) / work, 0.999))

    def final_progress(self) -> Callable[[float], None] | None:
        if self.progress is None:
            return None
        report, done, work = self.progress, self._done, self._work

        def step(fraction: float) -> None:
            report(1.0 if fraction >= 1 else min(done / work + fraction * (1 - done / work), 0.999))

        return step

    def copy_film(self, cut: Timeline, out: Path, frames: int) -> int | None:
        """Stream-copy the intermediates and the cut's encoded sound into ``out``.

        The sound is what ``render_timeline`` makes of the cut's audio clips, encoded once and
        kept beside the intermediates, so that re-assembling after a picture edit encodes nothing
        but the changed segments. Returns the frame count, or None (nothing written) when the
        intermediates do not tile the film exactly and the cut must be rendered instead.
        """
        end = 0
        for piece in self.pieces:
            if piece.first != end:
                return None
            end += piece.frames
        if end != frames or not self.pieces:
            return None
        sound = self._sound(cut, frames)
        if sound is None:
            return None
        listing = ["ffconcat version 1.0"]
        for piece in self.pieces:
            quoted = str(piece.path.absolute()).replace("'", "'\\''")
            # Explicit durations: each file's timestamps continue exactly after the previous.
            listing += [
                f"file '{quoted}'",
                f"duration {_seconds(frame_start(piece.frames, self.fps))}",
            ]
        concat = self.folder / f".film-{uuid.uuid4().hex[:8]}.ffconcat"
        concat.write_text("\n".join(listing) + "\n", encoding="utf-8")
        try:
            with atomic_path(out) as partial:
                args = ["-f", "concat", "-safe", "0", "-i", str(concat), "-i", str(sound)]
                args += ["-map", "0:v:0", "-map", "1:a:0", "-c", "copy"]
                args += ["-movflags", "+faststart", "-f", "mp4", str(partial)]
                run_ffmpeg(args, self.final_progress_seconds(frames))
        finally:
            concat.unlink(missing_ok=True)
        if self.progress is not None:
            self.progress(1.0)
        return frames

    def _sound(self, cut: Timeline, frames: int) -> Path | None:
        """The cut's audio as ``render_timeline`` encodes it (AAC), cached by what it is made of."""
        clips = [c for c in cut.clips if c.kind is ClipKind.AUDIO or c.has_audio]
        parts = []
        for clip in clips:
            if clip.source is None:
                return None
            source = resolve_source(clip.source, self.base_dir)
            parts.append([
                clip.id, clip.kind.value, clip.has_audio, str(exact(clip.start)),
                str(exact(clip.duration)), str(exact(clip.trim_start)),
                sha256_file(Path(source)),
            ])  # fmt: skip
        data = {
            "version": PIECE_VERSION,
            "clips": parts,
            "frames": frames,
            "fps": format_rate(self.fps),
            "encoder": ["aac", AUDIO_BITRATE],
        }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        sound = (
            self.folder / f"sound-{hashlib.sha256(text.encode()).hexdigest()[:_HASH_LENGTH]}.mp4"
        )
        if not sound.is_file():
            # A tiny black picture over the sound clips, exactly the film's frames long.
            filler = Clip(
                id="length",
                name="length",
                start=0.0,
                duration=float(frame_start(frames, self.fps)),
                track_index=0,
            )
            result = render_timeline(
                cut.with_clips([*clips, filler]),
                sound,
                size=(16, 16),
                fps=self.fps,
                base_dir=self.base_dir,
                audio_bitrate=AUDIO_BITRATE,
            )
            if result.frames != frames:
                sound.unlink(missing_ok=True)
                return None
        self.used.add(sound.name)
        return sound

    def final_progress_seconds(self, frames: int) -> Callable[[float], None] | None:
        step = self.final_progress()
        if step is None:
            return None
        total = float(frame_start(frames, self.fps))
        return lambda seconds: step(min(seconds / total, 0.999) if total > 0 else 0.0)

    def prune(self) -> None:
        """Drop the intermediates this cut no longer uses (edited segments' old versions)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if _PIECE_NAME.match(path.name) and path.name not in self.used:
                path.unlink(missing_ok=True)


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
