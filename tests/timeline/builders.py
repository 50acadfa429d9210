"""Small timeline builders shared by the timeline tests."""

from fractions import Fraction

from shotline.timeline import Clip, ClipKind, Timeline, Track, add_clip


def video(
    clip_id: str,
    start: float,
    duration: float,
    track: int = 0,
    *,
    trim: float = 0.0,
    source_duration: float | None = None,
    fps: Fraction | None = Fraction(24),
    links: tuple[str, ...] = (),
) -> Clip:
    return Clip(
        id=clip_id,
        name=f"{clip_id}.mp4",
        start=start,
        duration=duration,
        track_index=track,
        trim_start=trim,
        source=f"{clip_id}.mp4",
        source_duration=source_duration,
        source_fps=fps,
        linked_clip_ids=links,
    )


def audio(clip_id: str, start: float, duration: float, track: int = 0) -> Clip:
    return Clip(
        id=clip_id, name=clip_id, start=start, duration=duration, kind=ClipKind.AUDIO,
        track_index=track, has_audio=True,
    )  # fmt: skip


def timeline(*clips: Clip, video_tracks: int = 3, audio_tracks: int = 1) -> Timeline:
    result = Timeline(
        name="test",
        tracks=tuple(Track(f"v{i + 1}", f"V{i + 1}") for i in range(video_tracks)),
        audio_tracks=tuple(Track(f"a{i + 1}", f"A{i + 1}") for i in range(audio_tracks)),
    )
    for clip in clips:
        result = add_clip(result, clip)
    return result
