"""``offline.interpolate``: a video between keyframes, on the CPU, with no model.

- First and last frame: optical-flow in-betweens (see ``flow``): frame 0 is the first image and
  the final frame the last image; in between, both are warped toward time ``t`` and blended.
- One frame: a slow push-in with a slight drift over it (eased), ending on the image when only the
  last frame is given, starting on it when only the first is.
- No frame: a title card of the prompt (wrapped text on a dark gradient) with the same gentle push.

Input images are fitted by **crop-to-fill**: scaled to cover the output size, centre kept, edges
cut (no letterbox bars). Output is H.264 yuv420p MP4 via PyAV, ``request.frames`` frames at
``request.fps``; no audio.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from shotline import fonts
from shotline.providers.contracts import (
    Capabilities,
    Free,
    Kind,
    Output,
    ProviderInfo,
    Request,
    RunContext,
    VideoRequest,
    input_files,
    request_params,
)
from shotline.providers.errors import Canceled, CapabilityError
from shotline.providers.offline._imaging import (
    RGB,
    H264Writer,
    crop_to_fill,
    load_rgb,
    output_name,
    stable_int,
)
from shotline.providers.offline.flow import Inbetweener, pair_flow
from shotline.timeline.timecode import to_seconds

PUSH_ZOOM = 1.12  # how far the single-image and title moves push in
PUSH_DRIFT = 0.03  # sideways drift, as a fraction of the width


def ease(u: float) -> float:
    """Cosine ease-in-out on [0, 1]."""
    return 0.5 - 0.5 * math.cos(math.pi * min(1.0, max(0.0, u)))


def _position(index: int, frames: int) -> float:
    """Where frame ``index`` sits between the first (0) and the last frame (1)."""
    return index / (frames - 1) if frames > 1 else 0.0


class PushIn:
    """A crop that moves from the whole picture toward a zoomed, slightly shifted one.

    The source is kept at ``PUSH_ZOOM`` times the output size so the zoomed end stays sharp.
    """

    def __init__(self, source: Image.Image, width: int, height: int, direction: int) -> None:
        self.width, self.height = width, height
        big_w, big_h = round(width * PUSH_ZOOM), round(height * PUSH_ZOOM)
        self.source = np.asarray(crop_to_fill(source, big_w, big_h), dtype=np.uint8)
        self.exact = np.asarray(crop_to_fill(source, width, height), dtype=np.uint8)
        self.direction = direction  # -1 drifts left, +1 right

    def frame(self, u: float) -> RGB:
        """``u`` = 0: the whole picture (exactly the fitted image); ``u`` = 1: pushed in."""
        if u <= 0:
            return self.exact
        big_h, big_w = self.source.shape[:2]
        zoom = 1 + (PUSH_ZOOM - 1) * u  # visible part = big / zoom / PUSH_ZOOM * ...
        view_w, view_h = big_w / zoom, big_h / zoom
        room = (big_w - view_w) / 2
        cx = big_w / 2 + self.direction * min(room, PUSH_DRIFT * big_w * u)
        cy = big_h / 2
        scale = self.width / view_w
        left, top = cx - view_w / 2, cy - view_h / 2
        matrix = np.array([[scale, 0, -left * scale], [0, scale, -top * scale]], dtype=np.float32)
        out = cv2.warpAffine(
            self.source,
            matrix,
            (self.width, self.height),
            flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        return np.asarray(out, dtype=np.uint8)


def title_card(prompt: str, width: int, height: int, seed: int) -> Image.Image:
    """Wrapped prompt text on a dark vertical gradient whose hue follows the seed."""
    hue = stable_int("title", seed) % 360
    top = _hsv(hue, 0.45, 0.22)
    bottom = _hsv((hue + 40) % 360, 0.55, 0.06)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    pixels = np.array(top, np.float32) * (1 - ramp) + np.array(bottom, np.float32) * ramp
    pixels = np.broadcast_to(pixels, (height, width, 3))
    image = Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    size = max(10, height // 12)
    text = " ".join(prompt.split()) or "untitled"
    fits = max(1, int(height * 0.6 // (size * 1.3)))
    lines = fonts.wrap(text, size, width * 0.78, max_lines=fits)
    step = size * 1.3
    y = (height - step * len(lines)) / 2
    for line in lines:
        fonts.draw_text(draw, (width / 2, y), line, size, (235, 232, 225), anchor="ma")
        y += step
    fonts.draw_text(
        draw, (width / 2, height * 0.9), "offline preview", max(8, height // 28), (150, 150, 150),
        anchor="ma",
    )  # fmt: skip
    return image


def _hsv(hue: int, saturation: float, value: float) -> tuple[int, int, int]:
    cell = np.array([[[hue // 2, round(saturation * 255), round(value * 255)]]], dtype=np.uint8)
    r, g, b = cv2.cvtColor(cell, cv2.COLOR_HSV2RGB)[0, 0]
    return int(r), int(g), int(b)


class OfflineInterpolate:
    """``offline.interpolate``: keyframe in-betweens, push-ins and title cards."""

    def __init__(self) -> None:
        self.info = ProviderInfo(
            id="offline.interpolate",
            kind=Kind.VIDEO,
            model="dis-flow-interpolate",
            version="3",  # 2: dissolves where the flow cannot explain the change; 3: any script
            label="Optical-flow in-betweens (offline, CPU)",
            capabilities=Capabilities(
                first_frame=True,
                last_frame=True,
                max_frames=1441,
                size_multiple=2,
                max_size=(3840, 2160),
                audio=False,
            ),
            pricing=Free(),
            queue="cpu",
            offline=True,
        )

    def generate(self, request: Request, ctx: RunContext) -> Output:
        who = self.info.id
        if not isinstance(request, VideoRequest):
            raise CapabilityError(f"expects a video request, got {request.kind}", provider=who)
        if request.audio:
            raise CapabilityError("cannot generate audio", provider=who)
        width, height, frames = request.width, request.height, request.frames
        if width < 2 or height < 2 or width % 2 or height % 2:
            raise CapabilityError(f"size must be even, got {width}x{height}", provider=who)
        if frames < 1 or frames > (self.info.capabilities.max_frames or frames):
            raise CapabilityError(f"cannot make {frames} frames", provider=who)
        seed = request.seed or 0
        first = request.first_frame
        last = request.last_frame
        name = output_name("interpolate", ".mp4", request_params(request), input_files(request))
        path = Path(ctx.workdir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        ctx.progress(0.0, "preparing")
        render: Callable[[float], RGB]
        if first is not None and last is not None:
            mode = "interpolate"
            a = np.asarray(crop_to_fill(load_rgb(first, who), width, height), dtype=np.uint8)
            b = np.asarray(crop_to_fill(load_rgb(last, who), width, height), dtype=np.uint8)
            self._check(ctx)
            forward, backward = pair_flow(a, b)
            ctx.progress(0.1, "optical flow done")
            inbetweener = Inbetweener(a, b, forward, backward)
            if inbetweener.explains_motion:
                render = inbetweener.frame
            else:
                mode, render = "dissolve", inbetweener.dissolve
        else:
            direction = 1 if stable_int("drift", seed) % 2 else -1
            if first is not None or last is not None:
                mode = "push-in"
                image = load_rgb(first if first is not None else last, who)  # type: ignore[arg-type]
            else:
                mode = "title"
                big_w, big_h = round(width * PUSH_ZOOM), round(height * PUSH_ZOOM)
                image = title_card(request.prompt, big_w, big_h, seed)
            push = PushIn(image, width, height, direction)
            ctx.progress(0.1, f"{mode} ready")
            ending = first is None and last is not None  # the move must land on the last frame

            def moving(u: float) -> RGB:
                return push.frame(ease(1 - u) if ending else ease(u))

            render = moving

        self._encode(path, request, render, ctx)
        return Output(
            path=path,
            mime="video/mp4",
            duration=to_seconds(request.duration),
            width=width,
            height=height,
            fps=request.fps,
            metadata={"mode": mode, "fit": "crop-to-fill", "frames": frames},
        )

    def _encode(
        self, path: Path, request: VideoRequest, render: Callable[[float], RGB], ctx: RunContext
    ) -> None:
        """Render frame ``i + 1`` on a helper thread while frame ``i`` encodes (both release the
        GIL: OpenCV and x264), checking for cancel between frames."""
        frames = request.frames
        writer = H264Writer(path, request.width, request.height, request.fps)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="offline-render") as pool:
            pending: Future[RGB] = pool.submit(render, _position(0, frames))
            try:
                for index in range(frames):
                    pixels = pending.result()
                    self._check(ctx)
                    if index + 1 < frames:
                        pending = pool.submit(render, _position(index + 1, frames))
                    writer.write(pixels)
                    ctx.progress(0.1 + 0.9 * (index + 1) / frames, f"frame {index + 1}/{frames}")
                writer.close()
            except BaseException:
                pending.cancel()
                writer.abort()
                raise

    def _check(self, ctx: RunContext) -> None:
        if ctx.cancelled():
            raise Canceled("canceled", provider=self.info.id)
