"""Media and timeline commands: probe, frame, render, export, import, demo."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from shotline.cli.common import (
    app,
    console,
    errors,
    friendly,
    parse_fps,
    parse_size,
    progress_bar,
)
from shotline.timeline.timecode import format_rate


@app.command()
@friendly
def probe(file: Annotated[Path, typer.Argument(help="A video or audio file.")]) -> None:
    """Show what a media file holds: duration, exact frame rate, size, codecs, audio."""
    from shotline.media.probe import probe as probe_media

    info = probe_media(file)
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


@app.command()
@friendly
def frame(
    file: Annotated[Path, typer.Argument(help="A video file.")],
    at: Annotated[float, typer.Option("--at", help="Time in seconds.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG to write.")],
) -> None:
    """Extract the exact frame shown at a time (the frame whose interval contains it) as PNG."""
    from shotline.media.frames import extract_frame, save_png

    if not math.isfinite(at) or at < 0:
        raise typer.BadParameter(f"--at must be a time in seconds, 0 or more (got {at})")
    save_png(extract_frame(file, time=at), output)
    console.print(f"wrote [bold]{output}[/]")


@app.command()
@friendly
def render(
    timeline_file: Annotated[Path, typer.Argument(metavar="TIMELINE.json")],
    output: Annotated[Path, typer.Option("-o", "--output", help="MP4 to write.")],
    size: Annotated[str, typer.Option(help="Output size, WIDTHxHEIGHT.")] = "1280x720",
    fps: Annotated[str, typer.Option(help="Output rate: 24, 25, 23.976, 30000/1001...")] = "24",
) -> None:
    """Render a saved timeline to MP4 (H.264 + AAC)."""
    from shotline.media.render import render_timeline
    from shotline.savefile import load_timeline

    out_size, out_fps = parse_size(size), parse_fps(fps)  # bad options fail before any work
    timeline = load_timeline(timeline_file)
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


FORMATS = ("otio", "edl", "fcp7", "fcpxml")
SUFFIXES = {"otio": ".otio", "edl": ".edl", "fcp7": ".xml", "fcpxml": ".fcpxml"}


@app.command("export")
@friendly
def export_(
    timeline_file: Annotated[Path, typer.Argument(metavar="TIMELINE.json")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="otio, edl, fcp7 or fcpxml.")],
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    track: Annotated[int, typer.Option(help="Video track for EDL (1 = V1).")] = 1,
    fps: Annotated[str | None, typer.Option(help="Rate to conform to (default: clips').")] = None,
) -> None:
    """Export a saved timeline for another editor (OpenTimelineIO, EDL, FCP 7 XML, FCPXML)."""
    from shotline.interchange import export_timeline
    from shotline.savefile import load_timeline

    if fmt not in FORMATS:
        raise typer.BadParameter(f"format must be one of {', '.join(FORMATS)}")
    timeline = load_timeline(timeline_file)
    target = output or timeline_file.with_suffix(SUFFIXES[fmt])
    written = export_timeline(
        timeline,
        target,
        fmt,
        rate=parse_fps(fps) if fps else None,
        track_index=track - 1,
    )
    console.print(f"wrote [bold]{written}[/]")


@app.command("import")
@friendly
def import_(
    file: Annotated[Path, typer.Argument(help="An .otio, .edl or FCP 7 .xml file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Timeline JSON to write.")],
) -> None:
    """Import an edit from another editor into a shotline timeline."""
    from shotline.interchange import import_timeline
    from shotline.savefile import save_timeline

    timeline = import_timeline(file)
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
