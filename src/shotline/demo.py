"""``make demo``: a small edit built from generated clips, rendered and exported.

Three shots at three frame rates and two aspect ratios on V1, a music bed on A1, and on V2 a
"generated" in-between clip made from the exact frames under an in/out selection (the seed's
workflow), linked to the two shots it came from. Offline and deterministic.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from shotline.interchange import export_timeline
from shotline.media.frames import FrameReader, extract_frame
from shotline.media.probe import probe
from shotline.media.render import render_timeline
from shotline.media.testcard import TestCard, write_testcard, write_tone_file
from shotline.savefile import save_timeline
from shotline.timeline import (
    Clip,
    ClipKind,
    FrameRef,
    SourceType,
    Timeline,
    add_clip,
    selection_frames,
    set_selection,
)

SHOTS = (
    ("street_wide", Fraction(24), (960, 540), (46, 84, 130), 4.0, 220.0),
    ("close_up", Fraction(30000, 1001), (960, 540), (150, 70, 50), 4.0, 330.0),
    ("interior_4x3", Fraction(25), (640, 480), (70, 120, 70), 3.0, None),
)
RENDER_SIZE = (1280, 720)
RENDER_FPS = Fraction(24)


def _shot_clip(name: str, path: Path, start: float, base: Path) -> Clip:
    info = probe(path)
    return Clip(
        id=name,
        name=path.name,
        start=start,
        duration=info.duration,
        source=path.relative_to(base).as_posix(),  # relative: the folder can move
        source_duration=info.duration,
        source_fps=info.fps,
        width=info.width,
        height=info.height,
        has_audio=info.has_audio,
        source_type=SourceType.CLOUD,
        owner="demo",
    )


def _in_between(first: np.ndarray, last: np.ndarray, frames: int, fps: Fraction, out: Path) -> None:
    """A stand-in for a video model: a cross-dissolve from the in frame to the out frame."""
    height, width = first.shape[:2]
    last = np.asarray(Image.fromarray(last).resize((width, height)))
    with av.open(str(out), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(frames):
            weight = index / max(1, frames - 1)
            pixels = (first * (1 - weight) + last * weight).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _pixels(ref: FrameRef, base: Path) -> np.ndarray:
    assert ref.source is not None  # demo clips all have media
    return extract_frame(base / ref.source, frame=ref.frame)


def build_demo_timeline(out: Path) -> Timeline:
    media = out / "media"
    timeline = Timeline(name="shotline demo: street chase")
    start = 0.0
    for name, fps, size, color, seconds, tone in SHOTS:
        card = TestCard(fps=fps, duration=seconds, size=size, gop=int(fps) * 2, color=color,
                        label=name.replace("_", " "), tone=tone)  # fmt: skip
        clip = _shot_clip(name, write_testcard(card, media / f"{name}.mp4"), start, out)
        timeline = add_clip(timeline, clip)
        start = clip.end
    music = write_tone_file(media / "music_bed.m4a", start, 110.0)
    timeline = add_clip(
        timeline,
        Clip(id="music", name=music.name, kind=ClipKind.AUDIO, start=0.0, duration=start,
             source=f"media/{music.name}", source_duration=start, has_audio=True),
    )  # fmt: skip

    # In point on the last frame of the wide, out point on the first frame of the close-up.
    wide, close = timeline.clip("street_wide"), timeline.clip("close_up")
    timeline = set_selection(timeline, in_point=wide.end - 1 / 24, out_point=close.start)
    frames = selection_frames(timeline, track_index=0)
    assert frames.first is not None and frames.last is not None
    gen_path = media / "generated_jeep.mp4"
    _in_between(_pixels(frames.first, out), _pixels(frames.last, out), 48, Fraction(24), gen_path)
    generated = _shot_clip("generated_jeep", gen_path, close.start, out).with_(
        name="AI: jeep drives under camera",
        track_index=1,
        source_type=SourceType.GENERATED,
        prompt="a jeep drives under the camera",
        linked_clip_ids=frames.source_clip_ids,
    )
    timeline = add_clip(timeline, generated)
    return set_selection(timeline, playhead=close.start + 1.0)


def run_demo(out: Path, console: Console) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    console.print("[bold]shotline demo[/]: building clips at 24, 29.97 and 25 fps ...")
    timeline = build_demo_timeline(out)
    with console.status("rendering 1280x720 @ 24 fps ..."):
        result = render_timeline(
            timeline, out / "demo.mp4", size=RENDER_SIZE, fps=RENDER_FPS, base_dir=out
        )
    with FrameReader(result.path) as reader:
        preview = reader.frame_at(timeline.selection.playhead)
    png = io.BytesIO()
    Image.fromarray(preview).save(png, format="PNG")
    outputs = {"timeline": out / "demo.json", "video": result.path}
    save_timeline(
        timeline, outputs["timeline"], saved_by="shotline demo", preview_png=png.getvalue()
    )
    outputs["preview"] = outputs["timeline"].with_suffix(".png")
    for fmt, suffix in (
        ("edl", ".edl"),
        ("fcp7", ".xml"),
        ("otio", ".otio"),
        ("fcpxml", ".fcpxml"),
    ):
        outputs[fmt] = export_timeline(timeline, out / f"demo{suffix}", fmt)

    table = Table(title="shotline demo outputs")
    table.add_column("what")
    table.add_column("where")
    for key, path in outputs.items():
        table.add_row(key, str(path))
    console.print(table)
    console.print(
        f"{len(timeline.clips)} clips, {result.frames} frames, {float(result.duration):.3f} s"
        + (" (stream copy)" if result.fast_path else "")
    )
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    return outputs
