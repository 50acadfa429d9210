"""Rendering a timeline to one MP4 (H.264 + AAC) with a single ffmpeg process.

``compose.plan_render`` decides what every output frame shows; this module turns that plan into one
``filter_complex``. Each visible clip segment gets its own input, fast-seeked half a source frame
before its first needed frame, so the first decoded frame is known exactly and the filter graph can
number frames instead of trusting seek timestamps. The frame numbers become output timestamps with
integer arithmetic (``FrameMap``) and the ``fps`` filter repeats or drops frames accordingly, which
makes the picture exactly ``timecode.frame_at`` of the source time, for every pair of rates.

When the plan is nothing but whole-GOP runs of sources already in the output format, the video is
stream-copied through the concat demuxer instead (``fast_path``); audio is always mixed and encoded.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from shotline.files import atomic_path
from shotline.media.compose import (
    AudioUse,
    FrameMap,
    RenderPlan,
    VideoSegment,
    frame_map,
    plan_render,
)
from shotline.media.errors import EmptyTimeline, MediaNotFound, UnreadableMedia, UnsafeMediaURL
from shotline.media.ffmpeg import run_ffmpeg
from shotline.media.probe import MediaInfo, open_container, probe
from shotline.media.sources import resolve_source
from shotline.timeline.model import Clip, ClipKind, SourceType, Timeline
from shotline.timeline.timecode import (
    Rate,
    format_rate,
    frame_count,
    frame_duration,
    frame_start,
    frames_exact,
)

AUDIO_RATE = Fraction(48000)  # output sample rate; samples are "frames" at this rate for timecode
DEFAULT_SOURCE_RATE = Fraction(24)  # for a source whose rate cannot be read
PLACEHOLDER_GREY = "0x505050"
PLACEHOLDER_STRIPE = "0x6e6e6e"
# Inline graphs beyond this go through a script file (one argv string is capped at 128 KiB).
_MAX_INLINE_GRAPH = 60_000


@dataclass(frozen=True)
class RenderResult:
    path: Path
    frames: int
    duration: Fraction  # exactly frames / fps
    size: tuple[int, int]
    fps: Fraction
    fast_path: bool  # video stream-copied through the concat demuxer
    warnings: tuple[str, ...]


class ClipMediaNotFound(MediaNotFound):
    """A clip's media is set but missing; names the clip so the user knows what to relink."""

    def __init__(self, clip_id: str, source: str) -> None:
        super().__init__(source)
        self.clip_id = clip_id
        self.args = (f"clip {clip_id!r}: media not found: {source}",)


@dataclass(frozen=True)
class _Media:
    path: str
    info: MediaInfo
    sar: Fraction  # sample aspect ratio, 1 when square or unknown
    pix_fmt: str | None
    extradata: bytes | None
    video_id: int | None  # container id of the first video stream (the MP4 track id)

    @property
    def rate(self) -> Rate:
        return self.info.fps or DEFAULT_SOURCE_RATE


def _inspect(path: str) -> tuple[Fraction, str | None, bytes | None, int | None]:
    with open_container(path) as container:
        if not container.streams.video:
            return Fraction(1), None, None, None
        stream = container.streams.video[0]
        raw = stream.sample_aspect_ratio
        sar = Fraction(raw) if raw else Fraction(1)
        extradata = stream.codec_context.extradata
        return sar, stream.codec_context.pix_fmt, bytes(extradata or b""), stream.id


class _Sources:
    """Resolves and probes each clip's media once per render, collecting warnings."""

    def __init__(self, base_dir: str | Path | None) -> None:
        self.base_dir = base_dir
        self.warnings: list[str] = []
        self._by_path: dict[str, _Media] = {}
        self._scans: dict[str, _FrameScan | None] = {}

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def media(self, clip: Clip) -> _Media | None:
        """The clip's media, or None where a placeholder stands in (with a warning)."""
        stand_in = "rendered a placeholder" if clip.kind is ClipKind.VIDEO else "left silent"
        if clip.source is None:
            self.warn(f"clip {clip.id!r} ({clip.name}) has no media yet; {stand_in}")
            return None
        try:
            path = resolve_source(clip.source, self.base_dir)
        except UnsafeMediaURL as exc:
            raise UnsafeMediaURL(f"clip {clip.id!r} ({clip.name}): {exc}") from None
        except MediaNotFound as exc:
            if clip.source_type is SourceType.LOCAL:
                # Local media lives on its owner's machine; everyone else renders a stand-in.
                self.warn(
                    f"clip {clip.id!r} ({clip.name}) is local media not on this machine "
                    f"({exc.source}); {stand_in}"
                )
                return None
            raise ClipMediaNotFound(clip.id, exc.source) from exc
        if path not in self._by_path:
            try:
                info = probe(path)
                sar, pix_fmt, extradata, video_id = _inspect(path)
            except UnreadableMedia as exc:
                raise UnreadableMedia(f"clip {clip.id!r}: {exc}") from exc
            if info.damage:
                self.warn(f"clip {clip.id!r} ({clip.name}): {info.damage}")
            self._by_path[path] = _Media(path, info, sar, pix_fmt, extradata, video_id)
        return self._by_path[path]

    def scan(self, media: _Media) -> _FrameScan | None:
        if media.path not in self._scans:
            self._scans[media.path] = _scan(media)
        return self._scans[media.path]


def _q(value: Fraction) -> str:
    """A rational as ffmpeg reads it in options and expressions."""
    return format_rate(value) if value > 0 else f"({value.numerator}/{value.denominator})"


def _seconds(value: Fraction, up: bool = False) -> str:
    """Seconds for a command line, to the microsecond ffmpeg parses them to."""
    micros = math.ceil(value * 1_000_000) if up else round(value * 1_000_000)
    sign = "-" if micros < 0 else ""
    whole, frac = divmod(abs(micros), 1_000_000)
    return f"{sign}{whole}.{frac:06d}"


@dataclass
class _Graph:
    inputs: list[list[str]]
    chains: list[str]

    def add_input(self, args: list[str]) -> int:
        self.inputs.append(args)
        return len(self.inputs) - 1


def _conform(size: tuple[int, int], media: _Media) -> str:
    """Fit inside ``size`` keeping the picture's shape, then letterbox with black."""
    width, height = size
    if media.sar == 1 and media.info.display_size == size:
        return "setsar=1,format=yuv420p"  # already fits: skip a scale and pad copy per frame
    square = "" if media.sar == 1 else "scale=trunc(iw*sar/2)*2:ih,setsar=1,"
    return (
        f"{square}scale={width}:{height}:force_original_aspect_ratio=decrease"
        f":force_divisible_by=2,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,"
        "setsar=1,format=yuv420p"
    )


def _solid(label: str, frames: int, size: tuple[int, int], fps: Rate, *, stripes: bool) -> str:
    width, height = size
    colour = PLACEHOLDER_GREY if stripes else "black"
    source = f"color=c={colour}:s={width}x{height}:r={format_rate(fps)}"
    if stripes:
        # Vertical stripes: grid cells a tenth of the width, horizontal lines pushed off-frame.
        stripe = max(width // 20, 2)
        source += (
            f",drawgrid=x=0:y=-{stripe}:w={2 * stripe}:h=ih+{stripe + 1}:t={stripe}"
            f":c={PLACEHOLDER_STRIPE}"
        )
    return f"{source},format=yuv420p,setsar=1,trim=end_frame={frames}[{label}]"


def _clip_video(
    graph: _Graph,
    label: str,
    segment: VideoSegment,
    media: _Media,
    size: tuple[int, int],
    fps: Rate,
    sources: _Sources,
) -> None:
    rate = media.rate
    fmap = frame_map(segment.source_start, rate, fps, segment.frames)
    known = media.info.frame_count or frame_count(media.info.duration, rate)
    first = max(fmap.first_source_frame, 0)
    last = max(fmap.last_source_frame, first)
    if first >= known:
        # Trimmed wholly past the end: every output frame is the source's last frame.
        first = max(known - 1, 0)
        fmap = FrameMap(Fraction(first), Fraction(1), segment.frames)
    if last >= known:
        clip = segment.clip
        name = clip.id if clip is not None else "?"
        sources.warn(
            f"clip {name!r} runs past the end of its source (needs frame {last}, "
            f"source has {known}); holding its last frame"
        )
    args: list[str] = []
    if first > 0:
        # Half a frame early: ffmpeg drops decoded frames before the seek point, so the first
        # frame through the graph is exactly ``first`` whatever the container's timestamp rounding.
        args += ["-ss", _seconds(frame_start(first, rate) - frame_duration(rate) / 2)]
    # Stop reading one frame past the last needed (ffmpeg would otherwise decode the whole rest).
    args += ["-t", _seconds(frame_start(last + 2 - first, rate), up=True), "-an", "-sn", "-dn"]
    index = graph.add_input([*args, "-i", media.path])
    graph.chains.append(f"[{index}:v:0]{_retime(fmap, first, fps, size, media)}[{label}]")


def _retime(fmap: FrameMap, first: int, fps: Rate, size: tuple[int, int], media: _Media) -> str:
    """Frame numbers to output timestamps, then fps, conform, and exactly ``fmap.frames`` frames.

    Source frame ``n`` (``first + N`` in the graph) first appears at output frame
    ``ceil((n - position) / step)``; setpts writes that into a 1/fps time base, and ``fps``
    (starting at 0) shows at each output frame the latest source frame stamped at or before it.
    ``tpad`` clones the last decoded frame forever, so frames past the end of the source count on
    as copies of it (the last frame holds) and ``fps`` never waits on an end of stream.
    """
    step = fmap.step
    offset = first * step.denominator - fmap.position * step.denominator  # an integer
    timing = (
        "tpad=stop=-1:stop_mode=clone,"
        f"settb=expr={_q(1 / fps)},"
        f"setpts=ceil((N*{step.denominator}+({offset}))/{step.numerator}),"
        f"fps=fps={format_rate(fps)}:start_time=0"
    )
    conform = _conform(size, media)
    # Scale the fewer frames: before fps when it repeats frames, after it when it drops them.
    chain = f"{conform},{timing}" if step < 1 else f"{timing},{conform}"
    return f"{chain},trim=end_frame={fmap.frames}"


def _audio(graph: _Graph, label: str, use: AudioUse, media: _Media) -> None:
    args: list[str] = []
    if use.trim_start > 0:
        args += ["-ss", _seconds(use.trim_start)]
    args += ["-t", _seconds(use.duration, up=True), "-vn", "-sn", "-dn"]
    index = graph.add_input([*args, "-i", media.path])
    samples = frame_count(use.duration, AUDIO_RATE)
    delay = frame_count(use.start, AUDIO_RATE)
    graph.chains.append(
        f"[{index}:a:0]asetpts=PTS-STARTPTS,aresample={AUDIO_RATE},"
        f"aformat=sample_fmts=fltp:channel_layouts=stereo,atrim=end_sample={samples},"
        f"adelay=delays={delay}S:all=1[{label}]"
    )


def _audio_graph(graph: _Graph, plan: RenderPlan, sources: _Sources) -> str:
    """Mix every audible clip at its place; pad or cut to the video's exact duration."""
    total = frame_count(plan.duration, AUDIO_RATE)
    labels: list[str] = []
    for use in plan.audio:
        media = sources.media(use.clip)
        if media is None:
            continue
        if not media.info.has_audio:
            if use.clip.kind is ClipKind.AUDIO or use.clip.has_audio:
                sources.warn(f"clip {use.clip.id!r} has no audio stream; it plays silent")
            continue
        label = f"a{len(labels)}"
        _audio(graph, label, use, media)
        labels.append(label)
    end = f"apad=whole_len={total},atrim=end_sample={total}[aout]"
    if not labels:
        graph.chains.append(f"anullsrc=r={AUDIO_RATE}:cl=stereo,atrim=end_sample={total}[aout]")
    elif len(labels) == 1:
        graph.chains.append(f"[{labels[0]}]{end}")
    else:
        # normalize=0: each clip keeps its level instead of being divided by the input count.
        inputs = "".join(f"[{label}]" for label in labels)
        graph.chains.append(
            f"{inputs}amix=inputs={len(labels)}:normalize=0:duration=longest"
            f":dropout_transition=0,{end}"
        )
    return "[aout]"


def _video_graph(graph: _Graph, plan: RenderPlan, sources: _Sources, size: tuple[int, int]) -> str:
    labels: list[str] = []
    for segment in plan.segments:
        label = f"v{len(labels)}"
        labels.append(label)
        clip = segment.clip
        media = sources.media(clip) if clip is not None else None
        if clip is None:
            graph.chains.append(_solid(label, segment.frames, size, plan.fps, stripes=False))
        elif media is None:
            graph.chains.append(_solid(label, segment.frames, size, plan.fps, stripes=True))
        elif not media.info.has_video:
            sources.warn(f"clip {clip.id!r} has no video stream; rendered black")
            graph.chains.append(_solid(label, segment.frames, size, plan.fps, stripes=False))
        else:
            _clip_video(graph, label, segment, media, size, plan.fps, sources)
    inputs = "".join(f"[{label}]" for label in labels)
    graph.chains.append(f"{inputs}concat=n={len(labels)}:v=1:a=0[vout]")
    return "[vout]"


# --- stream-copy fast path ---------------------------------------------------------------------


@dataclass(frozen=True)
class _FrameScan:
    frames: int
    keyframes: frozenset[int]
    reordered: bool  # some packet's dts differs from its pts (B-frames)
    at_zero: bool  # the first frame's timestamp is 0, as the concat demuxer's in points assume


def _scan(media: _Media) -> _FrameScan | None:
    """Frame numbers of the video packets, or None unless they are exactly 0, 1, 2... (CFR)."""
    rate = media.rate
    with open_container(media.path) as container:
        stream = container.streams.video[0]
        time_base = stream.time_base
        if time_base is None:
            return None
        packets = [
            (p.pts, p.dts, p.is_keyframe) for p in container.demux(stream) if p.pts is not None
        ]
    if not packets:
        return None
    origin = min(pts for pts, _, _ in packets)
    indices = []
    keyframes = set()
    for pts, _, key in packets:
        position = frames_exact((pts - origin) * Fraction(time_base), rate)
        if position.denominator != 1:
            return None
        indices.append(int(position))
        if key:
            keyframes.add(int(position))
    if sorted(indices) != list(range(len(indices))):
        return None
    reordered = any(dts != pts for pts, dts, _ in packets)
    return _FrameScan(len(indices), frozenset(keyframes), reordered, origin == 0)


@dataclass(frozen=True)
class _CopyRun:
    path: str
    stream_id: int | None
    first: int  # source frame
    frames: int
    rate: Rate
    to_end: bool  # runs to the end of the file


def _copy_runs(plan: RenderPlan, sources: _Sources, size: tuple[int, int]) -> list[_CopyRun] | None:
    """The concat list for the fast path, or None when any condition fails.

    Every segment must be a clip (no gap, no placeholder) whose media is H.264 yuv420p with
    square pixels, no rotation, exactly ``size`` and the output rate, with the same codec extradata
    and video stream id as the others; its first source frame must be a keyframe and it must end at
    the end of the file or just before a keyframe of a file without B-frames (the concat demuxer
    cuts on dts). Source frames must be a clean CFR sequence. Audio is not a condition: it is
    mixed and encoded the usual way.
    """
    runs: list[_CopyRun] = []
    extradata: bytes | None = None
    video_id: int | None = None
    for segment in plan.segments:
        clip = segment.clip
        if clip is None:
            return None
        media = sources.media(clip)
        if media is None or "://" in media.path:  # a URL: scanning would download it all
            return None
        info = media.info
        if (
            info.video_codec != "h264"
            or media.pix_fmt != "yuv420p"
            or media.sar != 1
            or info.rotation != 0
            or (info.width, info.height) != size
            or info.fps != plan.fps
        ):
            return None
        if runs and (media.extradata, media.video_id) != (extradata, video_id):
            return None
        extradata, video_id = media.extradata, media.video_id
        fmap = frame_map(segment.source_start, media.rate, plan.fps, segment.frames)
        first = fmap.first_source_frame
        scan = sources.scan(media)
        if scan is None or first < 0 or first not in scan.keyframes:
            return None
        if first > 0 and not scan.at_zero:
            return None
        end = first + segment.frames
        if end > scan.frames:
            return None
        to_end = end == scan.frames
        if not to_end and (end not in scan.keyframes or scan.reordered):
            return None
        runs.append(_CopyRun(media.path, media.video_id, first, segment.frames, media.rate, to_end))
    return runs


def _concat_list(runs: list[_CopyRun], folder: Path) -> Path:
    lines = ["ffconcat version 1.0"]
    if runs and runs[0].stream_id is not None:
        # Only the video stream: an audio packet that starts before an in point would otherwise
        # pull the input's start time negative and ffmpeg would delay the whole picture by it.
        lines += ["stream", f"exact_stream_id {runs[0].stream_id}"]
    for run in runs:
        quoted = run.path.replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
        if run.first > 0:
            # At or just after the keyframe: the demuxer seeks to the keyframe at or before it.
            lines.append(f"inpoint {_seconds(frame_start(run.first, run.rate), up=True)}")
        if not run.to_end:
            # Just before the next keyframe (floor to the microsecond keeps that frame out).
            end = frame_start(run.first + run.frames, run.rate)
            lines.append(f"outpoint {_seconds(end - Fraction(1, 2_000_000))}")
        # Explicit, so that the next file's timestamps continue exactly after this run.
        lines.append(f"duration {_seconds(frame_start(run.frames, run.rate))}")
    path = folder / "concat.ffconcat"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- running -----------------------------------------------------------------------------------


def _progress_adapter(
    progress: Callable[[float], None] | None, duration: Fraction
) -> Callable[[float], None] | None:
    """Seconds written -> a fraction that only ever rises and stays below 1 until the end."""
    if progress is None:
        return None
    seen = [0.0]
    total = float(duration)

    def report(seconds: float) -> None:
        fraction = min(max(seconds / total, 0.0), 0.999) if total > 0 else 0.0
        if fraction > seen[0]:
            seen[0] = fraction
            progress(fraction)

    return report


def render_timeline(
    timeline: Timeline,
    out: str | Path,
    *,
    size: tuple[int, int] = (1280, 720),
    fps: Fraction = Fraction(24),
    base_dir: str | Path | None = None,
    progress: Callable[[float], None] | None = None,
    preset: str = "veryfast",
    crf: int = 20,
    audio_bitrate: str = "192k",
    allow_fast_path: bool = True,
) -> RenderResult:
    """Render every track of ``timeline`` into one MP4 at ``out`` (H.264 yuv420p + AAC 48 kHz).

    The output has exactly ``frame_count(timeline.duration, fps)`` frames; frame ``k`` shows, from
    the topmost clip covering ``k / fps``, the source frame ``frame_at(k / fps - start + trim)``
    (held at the source's last frame if the clip outruns it), letterboxed into ``size``. Audio
    clips and the audio of video clips with ``has_audio`` all play, hidden or not, mixed at their
    own levels; the audio track is cut or padded to the video's duration.

    Raises ``ClipMediaNotFound`` (a ``MediaNotFound``) for a clip whose media is set but missing,
    unless it is local media, which renders as a placeholder with a warning like clips with no
    media. ``progress`` gets fractions rising to exactly 1.0. ``out`` is replaced only when the
    render succeeds.
    """
    width, height = size
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise ValueError(f"size must be positive and even for yuv420p, got {size}")
    plan = plan_render(timeline, fps)
    if plan.frames == 0:
        raise EmptyTimeline("the timeline is empty: add a clip before rendering")
    out = Path(out)
    sources = _Sources(base_dir)
    runs = _copy_runs(plan, sources, size) if allow_fast_path else None
    graph = _Graph([], [])
    with tempfile.TemporaryDirectory(prefix="shotline-render-") as scratch:
        if runs is not None:
            listing = _concat_list(runs, Path(scratch))
            graph.add_input(["-f", "concat", "-safe", "0", "-i", str(listing)])
            video_map, video_codec = "0:v:0", ["-c:v", "copy"]
        else:
            video_map = _video_graph(graph, plan, sources, size)
            # passthrough: the graph already stamps every frame; ffmpeg must not dup or drop.
            video_codec = ["-c:v", "libx264", "-preset", preset, "-crf", str(crf)]
            video_codec += ["-pix_fmt", "yuv420p", "-fps_mode", "passthrough"]
        audio_map = _audio_graph(graph, plan, sources)
        filters = ";".join(graph.chains)
        args = [arg for spec in graph.inputs for arg in spec]
        if len(filters) > _MAX_INLINE_GRAPH:
            script = Path(scratch) / "graph.txt"
            script.write_text(filters, encoding="utf-8")
            args += ["-/filter_complex", str(script)]
        else:
            args += ["-filter_complex", filters]
        args += ["-map", video_map, "-map", audio_map, *video_codec]
        args += ["-c:a", "aac", "-b:a", audio_bitrate, "-ar", str(AUDIO_RATE), "-ac", "2"]
        args += ["-movflags", "+faststart", "-f", "mp4"]
        with atomic_path(out) as temp:  # a failed render never leaves a broken ``out``
            run_ffmpeg([*args, str(temp)], _progress_adapter(progress, plan.duration))
    if progress is not None:
        progress(1.0)
    return RenderResult(
        path=out,
        frames=plan.frames,
        duration=plan.duration,
        size=size,
        fps=fps,
        fast_path=runs is not None,
        warnings=tuple(sources.warnings),
    )
