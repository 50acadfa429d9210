"""Fit a request to a provider's capabilities where that loses nothing; refuse it otherwise.

Lossless: rounding a length up to the model's steps (``Capabilities.length``, the one rule: LTX's
8n+1 frames, LTX-2 Pro's 6/8/10 s), a size up to its multiple (32) or to the next fixed output
size of the same shape, dropping reference images beyond the model's cap (the output says which).
Everything else that does not fit raises ``CapabilityError`` with what was asked and what the
model can do.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from shotline.providers.contracts import (
    Capabilities,
    ImageRequest,
    ProviderInfo,
    Request,
    SpeechRequest,
    VideoRequest,
)
from shotline.providers.errors import CapabilityError


@dataclass(frozen=True)
class Conformed:
    request: Request
    dropped_references: tuple[Path, ...] = ()
    changes: tuple[str, ...] = ()  # human-readable notes of what was adjusted


def _size(width: int, height: int, caps: Capabilities, who: str) -> tuple[int, int]:
    if caps.sizes:
        # Fixed output sizes: the smallest one of the same shape that is at least as large (a
        # larger frame scales down without losing any of the picture); another shape would crop.
        shape = Fraction(width, height)
        fits = sorted(
            (w, h) for w, h in caps.sizes if Fraction(w, h) == shape and w >= width and h >= height
        )
        if not fits:
            sizes = ", ".join(f"{w}x{h}" for w, h in caps.sizes)
            raise CapabilityError(
                f"{width}x{height} has no output size of the same shape at least as large "
                f"(sizes: {sizes})",
                provider=who,
            )
        return fits[0]
    # Round up: a slightly larger frame can be cropped back without losing any of the picture.
    step = caps.size_multiple
    w, h = math.ceil(width / step) * step, math.ceil(height / step) * step
    if caps.max_size is not None and (w > caps.max_size[0] or h > caps.max_size[1]):
        raise CapabilityError(
            f"{width}x{height} is larger than {caps.max_size[0]}x{caps.max_size[1]}", provider=who
        )
    return w, h


def _video(request: VideoRequest, caps: Capabilities, who: str) -> Conformed:
    changes: list[str] = []
    if request.first_frame is not None and not caps.first_frame:
        raise CapabilityError("cannot start from a given first frame", provider=who)
    if request.last_frame is not None and not caps.last_frame:
        raise CapabilityError("cannot end on a given last frame", provider=who)
    if request.audio and not caps.audio:
        raise CapabilityError("cannot generate audio", provider=who)
    if caps.fps and request.fps not in caps.fps:
        rates = ", ".join(f"{float(r):g}" for r in caps.fps)
        raise CapabilityError(f"{float(request.fps):g} fps is not one of {rates}", provider=who)
    frames = caps.length(request.frames, request.fps, who).frames
    if frames != request.frames:
        changes.append(f"frames {request.frames} -> {frames}")
    width, height = _size(request.width, request.height, caps, who)
    if (width, height) != (request.width, request.height):
        changes.append(f"size {request.width}x{request.height} -> {width}x{height}")
    conformed = dataclasses.replace(request, frames=frames, width=width, height=height)
    return Conformed(conformed, changes=tuple(changes))


def _image(request: ImageRequest, caps: Capabilities, who: str) -> Conformed:
    shape = Fraction(request.width, request.height)
    if caps.aspect_ratios and all(Fraction(w, h) != shape for w, h in caps.aspect_ratios):
        ratios = ", ".join(f"{w}:{h}" for w, h in caps.aspect_ratios)
        raise CapabilityError(
            f"{request.width}x{request.height} is not one of the shapes it makes ({ratios})",
            provider=who,
        )
    cap = caps.max_references
    kept, dropped = request.references[:cap], request.references[cap:]
    width, height = _size(request.width, request.height, caps, who)
    changes = []
    if dropped:
        changes.append(f"{len(dropped)} reference image(s) over the cap of {cap} not sent")
    if (width, height) != (request.width, request.height):
        changes.append(f"size {request.width}x{request.height} -> {width}x{height}")
    conformed = dataclasses.replace(request, references=kept, width=width, height=height)
    return Conformed(conformed, dropped_references=dropped, changes=tuple(changes))


def conform(request: Request, info: ProviderInfo) -> Conformed:
    if request.kind is not info.kind:
        raise CapabilityError(f"is a {info.kind} provider, not {request.kind}", provider=info.id)
    caps = info.capabilities
    if isinstance(request, VideoRequest):
        return _video(request, caps, info.id)
    if isinstance(request, ImageRequest):
        return _image(request, caps, info.id)
    if isinstance(request, SpeechRequest) and caps.voices and request.voice not in caps.voices:
        raise CapabilityError(
            f"has no voice {request.voice!r} (voices: {', '.join(caps.voices)})", provider=info.id
        )
    return Conformed(request)
