"""Media and timeline commands: probe, frame, render, export, import, demo."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from shotline.cli.common import (
    app,
    console,
    errors,
    friendly,
    open_timeline,
    parse_fps,
    parse_size,
    progress_bar,
)
from shotline.timeline.timecode import format_rate

if TYPE_CHECKING:
    from shotline.timeline.model import Timeline


@app.command()
@friendly
def probe(
    file: Annotated[Path, typer.Argument(help="A video or audio file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """Show what a media file holds: duration, exact frame rate, size, codecs, audio."""
    import dataclasses
    import json
    from fractions import Fraction

    from shotline.media.probe import probe as probe_media

    info = probe_media(file)
    if as_json:
        data = {
            k: str(v) if isinstance(v, Fraction) else v for k, v in dataclasses.asdict(info).items()
        }  # exact rates as text ("24000/1001"), like the saved timelines
        print(json.dumps(data, indent=2))
        return
    table = Table(show_header=False, box=None)
    rows = {
        "file": info.path,
        "duration": f"{info.duration:.3f} s",
        "container": info.format,
        "video": f"{info.video_codec} {info.width}x{info.height}" if info.has_video else "none",
        "frame rate": f"{format_rate(info.fps)} ({float(info.fps):.3f} fps)" if info.fps else "-",
        "frames": str(info.frame_count or "-"),
        "rotation": f"{info.rotation}°",
        "audio": (
            f"{info.audio_codec} {info.sample_rate} Hz, {info.channels} ch"
            if info.has_audio
            else "none"
        ),
    }
    for key, value in rows.items():
        table.add_row(f"[bold]{key}[/]", value)
    console.print(table)
    if info.damage:
        errors.print(f"[yellow]warning:[/] {info.damage}", highlight=False)


@app.command()
@friendly
def frame(
    file: Annotated[Path, typer.Argument(help="A video file, or a saved timeline (.json).")],
    at: Annotated[float, typer.Option("--at", help="Time in seconds.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Image to write: .png, .jpg, .webp...")
    ],
) -> None:
    """Write the exact frame shown at a time (the frame whose interval contains it).

    On a timeline: the frame of the topmost video clip at that time, with the in/out tolerance.
    """
    from shotline.files import refuse_overwriting
    from shotline.media.frames import extract_frame, image_format, save_image

    if not math.isfinite(at) or at < 0:
        raise typer.BadParameter(f"--at must be a time in seconds, 0 or more (got {at})")
    refuse_overwriting(output, [file])
    image_format(output)  # an unknown suffix fails before any work
    if file.suffix.lower() == ".json":
        source, index, label = _timeline_frame(file, at)
        refuse_overwriting(output, [source])
        pixels = extract_frame(source, frame=index, clamp=False)
    else:
        pixels, label = extract_frame(file, time=at, clamp=False), ""
    save_image(pixels, output)
    console.print(f"wrote [bold]{output}[/]{label}", highlight=False)


def _timeline_frame(file: Path, at: float) -> tuple[str, int, str]:
    """The media file and frame index under ``at`` on a saved timeline, and a note for the user."""
    from shotline.media.errors import FrameOutOfRange
    from shotline.media.sources import resolve_source
    from shotline.timeline import resolve_frame
    from shotline.timeline.timecode import TIME_EPSILON

    timeline = open_timeline(file)
    if at > timeline.duration + TIME_EPSILON:
        raise FrameOutOfRange(f"{file}: {at:.3f} s is past the end ({timeline.duration:.3f} s)")
    ref = resolve_frame(timeline, at)
    if ref is None:
        raise FrameOutOfRange(f"{file}: no video clip at {at:.3f} s (a gap)")
    clip = timeline.clip(ref.clip_id)
    if ref.source is None:
        raise FrameOutOfRange(f"{file}: clip {clip.id!r} ({clip.name}) has no media yet")
    source = resolve_source(ref.source, file.parent)
    note = f": clip {clip.id!r} frame {ref.frame} on V{ref.track_index + 1}"
    return source, ref.frame, note + (" (snapped to its edge)" if ref.snapped else "")


@app.command()
@friendly
def render(
    timeline_file: Annotated[Path, typer.Argument(metavar="TIMELINE.json")],
    output: Annotated[Path, typer.Option("-o", "--output", help="MP4 to write.")],
    size: Annotated[str, typer.Option(help="Output size, WIDTHxHEIGHT.")] = "1280x720",
    fps: Annotated[str, typer.Option(help="Output rate: 24, 25, 23.976, 30000/1001...")] = "24",
) -> None:
    """Render a saved timeline to MP4 (H.264 + AAC)."""
    from shotline.files import refuse_overwriting
    from shotline.media.render import render_timeline

    out_size, out_fps = parse_size(size), parse_fps(fps)  # bad options fail before any work
    refuse_overwriting(output, [timeline_file])
    timeline = open_timeline(timeline_file)
    refuse_overwriting(output, _local_sources(timeline, timeline_file.parent))
    with progress_bar(f"rendering {timeline.name}") as report:
        result = render_timeline(
            timeline,
            output,
            size=out_size,
            fps=out_fps,
            base_dir=timeline_file.parent,
            progress=report,
        )
    for warning in result.warnings:
        errors.print(f"[yellow]warning:[/] {warning}", highlight=False)
    mode = "stream copy" if result.fast_path else "encoded"
    console.print(
        f"wrote [bold]{result.path}[/]: {result.frames} frames, "
        f"{float(result.duration):.3f} s, {mode}"
    )


def _local_sources(timeline: Timeline, base: Path) -> list[str]:
    """The media files a timeline reads that exist here (an output must not replace one)."""
    from shotline.media.errors import MediaNotFound
    from shotline.media.sources import resolve_source

    found = []
    for clip in timeline.clips:
        if clip.source is not None:
            with contextlib.suppress(MediaNotFound):
                found.append(resolve_source(clip.source, base))
    return found


FORMATS = ("otio", "edl", "fcp7", "fcpxml")
SUFFIXES = {"otio": ".otio", "edl": ".edl", "fcp7": ".xml", "fcpxml": ".fcpxml"}
FORMAT_HELP = "otio, edl, fcp7 (FCP 7 XML) or fcpxml"


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise typer.BadParameter(f"format must be one of {', '.join(FORMATS)}")
    return fmt


@app.command("export")
@friendly
def export_(
    timeline_file: Annotated[Path, typer.Argument(metavar="TIMELINE.json")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP + ".")],
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    track: Annotated[int, typer.Option(help="Video track for EDL (1 = V1).")] = 1,
    fps: Annotated[str | None, typer.Option(help="Rate to conform to (default: clips').")] = None,
    timecode: Annotated[
        str | None,
        typer.Option(help="EDL timecode at 29.97/59.94: df (drop-frame, the default) or ndf."),
    ] = None,
) -> None:
    """Export a saved timeline for another editor (OpenTimelineIO, EDL, FCP 7 XML, FCPXML)."""
    from shotline.files import refuse_overwriting
    from shotline.interchange import export_timeline

    chosen = _format(fmt)
    if timecode not in (None, "df", "ndf"):
        raise typer.BadParameter("--timecode must be df or ndf")
    rate = parse_fps(fps) if fps else None
    target = output or timeline_file.with_suffix(SUFFIXES[chosen])
    refuse_overwriting(target, [timeline_file])
    timeline = open_timeline(timeline_file)
    written = export_timeline(
        timeline,
        target,
        chosen,
        rate=rate,
        track_index=track - 1,
        drop_frame=None if timecode is None else timecode == "df",
        base_dir=timeline_file.parent,
    )
    console.print(f"wrote [bold]{written}[/]")


@app.command("import")
@friendly
def import_(
    file: Annotated[Path, typer.Argument(help="An .otio, .edl, FCP 7 .xml/.fcp7 or .fcpxml file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Timeline JSON to write.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help=FORMAT_HELP + " (default: from the suffix)."),
    ] = None,
    fps: Annotated[
        str | None,
        typer.Option(help="The EDL's frame rate (EDLs do not record it; ours say it)."),
    ] = None,
) -> None:
    """Import an edit from another editor into a shotline timeline."""
    from shotline.files import refuse_overwriting
    from shotline.interchange import import_timeline
    from shotline.savefile import save_timeline

    chosen = _format(fmt) if fmt is not None else None
    rate = parse_fps(fps) if fps else None
    refuse_overwriting(output, [file])
    timeline = import_timeline(file, chosen, rate=rate)
    save_timeline(timeline, output)
    console.print(
        f"wrote [bold]{output}[/]: {len(timeline.clips)} clips on "
        f"{len(timeline.tracks)} video and {len(timeline.audio_tracks)} audio tracks"
    )


@app.command()
@friendly
def demo(
    out: Annotated[Path, typer.Option(help="Folder for everything the demo writes.")] = Path(
        "out/demo"
    ),
) -> None:
    """Build a demo timeline from generated clips, render it and export it."""
    from shotline.demo import run_demo

    run_demo(out, console)
