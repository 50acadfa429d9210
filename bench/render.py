"""Timeline render speed: shotline against MoviePy 2 and a hand-written ffmpeg command.

Run with ``.venv/bin/python bench/render.py``. A 60 s, 10-clip, two-track timeline of mixed-rate
sources (24, 25, 29.97 and 30 fps; 1080p, 720p and 4:3 480p) with a music clip on the audio track
renders at 1280x720, 24 fps, with the same encoder settings in all three (libx264 veryfast crf 20,
AAC 192k 48 kHz, every core). Sources are generated once into ``bench/.cache/``. Targets:
shotline at least 5x faster than MoviePy, and within 1.3x of the hand-written command.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from shotline.media.ffmpeg import run_ffmpeg
from shotline.media.render import render_timeline
from shotline.timeline.model import Clip, ClipKind, Timeline

CACHE = Path(__file__).resolve().parent / ".cache" / "render"
SIZE = (1280, 720)
FPS = Fraction(24)
PRESET, CRF, AUDIO_BITRATE = "veryfast", 20, "192k"
SECONDS = 60


@dataclass(frozen=True)
class Source:
    name: str
    size: tuple[int, int]
    rate: str
    tone: int | None  # Hz of its audio, None for none

    @property
    def path(self) -> Path:
        return CACHE / f"{self.name}.mp4"


SOURCES = {
    s.name: s
    for s in (
        Source("s24", (1920, 1080), "24", 220),
        Source("s25", (1280, 720), "25", None),
        Source("s2997", (1280, 720), "30000/1001", 330),
        Source("s30", (640, 480), "30", None),
    )
}
MUSIC = CACHE / "music.m4a"


@dataclass(frozen=True)
class Shot:
    source: str
    start: float
    duration: float
    trim: float
    track: int


# Seven back-to-back shots on V1, three on V2 covering parts of them.
SHOTS = (
    Shot("s24", 0, 9, 1.0, 0),
    Shot("s25", 9, 9, 2.0, 0),
    Shot("s2997", 18, 9, 0.5, 0),
    Shot("s30", 27, 9, 3.0, 0),
    Shot("s24", 36, 9, 4.0, 0),
    Shot("s2997", 45, 7, 5.0, 0),
    Shot("s25", 52, 8, 1.5, 0),
    Shot("s30", 5, 3, 0.0, 1),
    Shot("s24", 24, 5, 6.0, 1),
    Shot("s25", 47, 3, 8.0, 1),
)


def make_sources() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    for source in SOURCES.values():
        if source.path.exists():
            continue
        width, height = source.size
        args = ["-f", "lavfi", "-i", f"testsrc2=s={width}x{height}:r={source.rate}:d=14"]
        if source.tone is not None:
            args += ["-f", "lavfi", "-i", f"sine=f={source.tone}:sample_rate=48000:d=14"]
            args += ["-c:a", "aac", "-b:a", "128k"]
        args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
        temp = source.path.with_suffix(".partial.mp4")
        run_ffmpeg([*args, "-shortest", str(temp)])
        temp.replace(source.path)
    if not MUSIC.exists():
        temp = MUSIC.with_suffix(".partial.m4a")
        tone = ["-f", "lavfi", "-i", f"sine=f=440:sample_rate=48000:d={SECONDS}"]
        run_ffmpeg([*tone, "-af", "volume=0.5", "-c:a", "aac", "-b:a", "128k", str(temp)])
        temp.replace(MUSIC)


def timeline() -> Timeline:
    clips = [
        Clip(
            f"shot{i}",
            f"Shot {i}",
            start=s.start,
            duration=s.duration,
            trim_start=s.trim,
            track_index=s.track,
            source=str(SOURCES[s.source].path),
            has_audio=SOURCES[s.source].tone is not None,
        )
        for i, s in enumerate(SHOTS)
    ]
    music = Clip(
        "music", "Music", start=0, duration=SECONDS, kind=ClipKind.AUDIO, source=str(MUSIC)
    )
    return Timeline(name="bench", clips=(*clips, music))


# --- (a) shotline ------------------------------------------------------------------------------


def run_shotline(out: Path) -> None:
    render_timeline(
        timeline(), out, size=SIZE, fps=FPS, preset=PRESET, crf=CRF, audio_bitrate=AUDIO_BITRATE
    )


# --- (b) MoviePy 2 -----------------------------------------------------------------------------


def run_moviepy(out: Path) -> None:
    from moviepy import AudioFileClip, CompositeAudioClip, CompositeVideoClip, VideoFileClip

    width, height = SIZE
    layers, opened = [], []
    for shot in sorted(SHOTS, key=lambda s: s.track):  # later layers draw on top
        source = SOURCES[shot.source]
        clip = VideoFileClip(str(source.path), audio=source.tone is not None)
        opened.append(clip)
        part = clip.subclipped(shot.trim, shot.trim + shot.duration)
        scale = min(width / part.w, height / part.h)
        layers.append(part.resized(scale).with_position("center").with_start(shot.start))
    video = CompositeVideoClip(layers, size=SIZE, bg_color=(0, 0, 0)).with_duration(SECONDS)
    music = AudioFileClip(str(MUSIC))
    opened.append(music)
    audio = CompositeAudioClip([video.audio, music.with_start(0)]).with_duration(SECONDS)
    video.with_audio(audio).write_videofile(
        str(out),
        temp_audiofile_path=str(out.parent),  # not the current folder (the repository)
        fps=FPS,
        codec="libx264",
        preset=PRESET,
        audio_codec="aac",
        audio_fps=48000,
        audio_bitrate=AUDIO_BITRATE,
        threads=os.cpu_count(),
        ffmpeg_params=["-crf", str(CRF)],
        pixel_format="yuv420p",
        logger=None,
    )
    for item in opened:
        item.close()


# --- (c) one hand-written ffmpeg command --------------------------------------------------------

# What is visible, worked out by hand from SHOTS: (source, source in, seconds).
PIECES = (
    ("s24", 1.0, 5),
    ("s30", 0.0, 3),
    ("s24", 9.0, 1),
    ("s25", 2.0, 9),
    ("s2997", 0.5, 6),
    ("s24", 6.0, 5),
    ("s30", 5.0, 7),
    ("s24", 4.0, 9),
    ("s2997", 5.0, 2),
    ("s25", 8.0, 3),
    ("s2997", 10.0, 2),
    ("s25", 1.5, 8),
)
# Audio of the shots that have it, hidden or not: (source, source in, seconds, delay ms).
SOUNDS = (
    ("s24", 1.0, 9, 0),
    ("s2997", 0.5, 9, 18000),
    ("s24", 4.0, 9, 36000),
    ("s2997", 5.0, 7, 45000),
    ("s24", 6.0, 5, 24000),
)


def run_handwritten(out: Path) -> None:
    args: list[str] = []
    graph = []
    fit = (
        "scale=1280:720:force_original_aspect_ratio=decrease,"
        "pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p"
    )
    for i, (name, start, seconds) in enumerate(PIECES):
        args += ["-ss", str(start), "-t", str(seconds), "-i", str(SOURCES[name].path)]
        graph.append(f"[{i}:v]fps=24,{fit},trim=duration={seconds},setpts=PTS-STARTPTS[v{i}]")
    graph.append("".join(f"[v{i}]" for i in range(len(PIECES))) + f"concat=n={len(PIECES)}[v]")
    base = len(PIECES)
    for j, (name, start, seconds, delay) in enumerate(SOUNDS):
        args += ["-ss", str(start), "-t", str(seconds), "-i", str(SOURCES[name].path)]
        graph.append(f"[{base + j}:a]aresample=48000,adelay={delay}:all=1[a{j}]")
    args += ["-i", str(MUSIC)]
    mix = "".join(f"[a{j}]" for j in range(len(SOUNDS))) + f"[{base + len(SOUNDS)}:a]"
    graph.append(f"{mix}amix=inputs={len(SOUNDS) + 1}:normalize=0:duration=longest[a]")
    args += ["-filter_complex", ";".join(graph), "-map", "[v]", "-map", "[a]", "-t", "60"]
    args += ["-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p"]
    args += ["-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ar", "48000", "-movflags", "+faststart"]
    run_ffmpeg([*args, str(out)])


def run_encode_only(out: Path) -> None:
    """The floor for all three: x264 alone on 60 s of generated 720p, no decoding or mixing."""
    args = ["-f", "lavfi", "-i", f"testsrc2=s=1280x720:r={FPS}:d={SECONDS}"]
    args += ["-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p"]
    run_ffmpeg([*args, str(out)])


# --- timing ------------------------------------------------------------------------------------


def timed(run: Callable[[Path], None], out: Path, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        out.unlink(missing_ok=True)
        began = time.perf_counter()
        run(out)
        best = min(best, time.perf_counter() - began)
    return best


def describe(path: Path) -> str:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        seconds = float(container.duration or 0) / av.time_base
        return f"{video.frames} frames, {video.average_rate} fps, {seconds:.2f} s"


def main() -> int:
    make_sources()
    outs = {name: CACHE / f"out-{name}.mp4" for name in ("shotline", "ffmpeg", "moviepy")}
    print(
        f"timeline: {len(SHOTS)} clips on 2 video tracks + music, {SECONDS} s -> "
        f"{SIZE[0]}x{SIZE[1]} @ {FPS} fps, libx264 {PRESET} crf {CRF}, {os.cpu_count()} cores"
    )
    results = {
        "shotline": timed(run_shotline, outs["shotline"], repeats=2),
        "ffmpeg": timed(run_handwritten, outs["ffmpeg"], repeats=2),
        "moviepy": timed(run_moviepy, outs["moviepy"], repeats=1),
    }
    floor = timed(run_encode_only, CACHE / "out-encode-only.mp4", repeats=1)
    for name, seconds in results.items():
        print(f"  {name:9s} {seconds:7.2f} s   ({describe(outs[name])})")
    print(
        f"  (x264 alone, the floor for all three: {floor:.2f} s, so at best moviepy / floor = "
        f"{results['moviepy'] / floor:.1f}x)"
    )
    vs_moviepy = results["moviepy"] / results["shotline"]
    vs_ffmpeg = results["shotline"] / results["ffmpeg"]
    print(
        f"moviepy / shotline = {vs_moviepy:.1f}x (target >= 5x): "
        f"{'PASS' if vs_moviepy >= 5 else 'FAIL'}"
    )
    print(
        f"shotline / hand-written ffmpeg = {vs_ffmpeg:.2f}x (target <= 1.3x): "
        f"{'PASS' if vs_ffmpeg <= 1.3 else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
