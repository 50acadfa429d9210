"""What every provider promises: frozen requests and outputs, capabilities, pricing, and the two
ways of running (local: ``generate``; remote: ``submit`` / ``poll`` / ``fetch`` / ``cancel``).

Providers know nothing of jobs, credits or the web. They receive a narrow ``RunContext`` (a work
folder, a progress callback, a cancel flag), never the app's services.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from shotline.providers.errors import CapabilityError
from shotline.timeline.timecode import frame_at, frame_count


class Kind(StrEnum):
    WRITER = "writer"  # LLM: messages + JSON schema -> validated JSON
    IMAGE = "image"
    VIDEO = "video"
    SPEECH = "speech"
    LIPSYNC = "lipsync"
    SPATIAL = "spatial"  # image -> 3D scene (the seed's Sharp / "spark")


# -- requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant
    content: str


@dataclass(frozen=True)
class WriterRequest:
    kind: ClassVar[Kind] = Kind.WRITER
    messages: tuple[Message, ...]
    schema: Mapping[str, Any]  # JSON schema the answer must satisfy
    temperature: float = 0.7
    seed: int | None = None


@dataclass(frozen=True)
class ImageRequest:
    kind: ClassVar[Kind] = Kind.IMAGE
    prompt: str
    width: int = 1280
    height: int = 720
    references: tuple[Path, ...] = ()  # guide/reference images, most important first
    seed: int | None = None


@dataclass(frozen=True)
class VideoRequest:
    kind: ClassVar[Kind] = Kind.VIDEO
    prompt: str
    frames: int = 121
    fps: Fraction = Fraction(24)
    width: int = 1280
    height: int = 720
    first_frame: Path | None = None
    last_frame: Path | None = None
    audio: bool = False
    seed: int | None = None

    @property
    def duration(self) -> Fraction:
        return Fraction(self.frames) / self.fps


@dataclass(frozen=True)
class SpeechRequest:
    kind: ClassVar[Kind] = Kind.SPEECH
    text: str
    voice: str = "narrator"
    rate: int = 165  # words per minute
    pitch: int = 50  # 0..99


@dataclass(frozen=True)
class LipsyncRequest:
    kind: ClassVar[Kind] = Kind.LIPSYNC
    video: Path
    audio: Path
    duration: float  # seconds of video to sync, for pricing


@dataclass(frozen=True)
class SpatialRequest:
    kind: ClassVar[Kind] = Kind.SPATIAL
    image: Path


Request = (
    WriterRequest | ImageRequest | VideoRequest | SpeechRequest | LipsyncRequest | SpatialRequest
)
REQUEST_TYPES: dict[Kind, type[Request]] = {
    Kind.WRITER: WriterRequest,
    Kind.IMAGE: ImageRequest,
    Kind.VIDEO: VideoRequest,
    Kind.SPEECH: SpeechRequest,
    Kind.LIPSYNC: LipsyncRequest,
    Kind.SPATIAL: SpatialRequest,
}


def input_files(request: Request) -> tuple[Path, ...]:
    """Every file a request reads, in a stable order (for cache keys and uploads)."""
    match request:
        case ImageRequest():
            return request.references
        case VideoRequest():
            return tuple(p for p in (request.first_frame, request.last_frame) if p is not None)
        case LipsyncRequest():
            return (request.video, request.audio)
        case SpatialRequest():
            return (request.image,)
        case _:
            return ()


def request_params(request: Request) -> dict[str, Any]:
    """The request as JSON-ready data: stored on the job, hashed into the cache key."""

    def plain(value: Any) -> Any:
        if isinstance(value, Fraction):
            return str(value)
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, Message):
            return {"role": value.role, "content": value.content}
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        return value

    data = {f.name: plain(getattr(request, f.name)) for f in dataclasses.fields(request)}
    return {"kind": request.kind.value, **data}


def request_from_params(params: Mapping[str, Any]) -> Request:
    """Inverse of ``request_params``."""
    kind = Kind(params["kind"])
    cls = REQUEST_TYPES[kind]
    hints = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for name, value in params.items():
        if name not in hints:
            continue
        declared = str(hints[name].type)
        if "Fraction" in declared:
            value = Fraction(value)
        elif "tuple[Path" in declared:
            value = tuple(Path(v) for v in value)
        elif "tuple[Message" in declared:
            value = tuple(Message(**m) for m in value)
        elif "Path" in declared and value is not None:
            value = Path(value)
        values[name] = value
    return cls(**values)


# -- outputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """What a provider produced: a file (video, image, WAV, 3D scene) or JSON (writers)."""

    path: Path | None = None
    mime: str = "application/octet-stream"
    data: Mapping[str, Any] | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    dropped_references: tuple[Path, ...] = ()  # beyond the model's cap: not sent
    actual_cost: Decimal | None = None  # when the provider reports it
    metadata: Mapping[str, Any] = field(default_factory=dict)


# -- capabilities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameRule:
    """Valid frame counts are ``multiple * n + offset`` (LTX: 8n+1)."""

    multiple: int = 1
    offset: int = 0

    def at_least(self, frames: int) -> int:
        """The smallest valid count not below ``frames``: generate a little more, trim later."""
        n = max(0, math.ceil((frames - self.offset) / self.multiple))
        return self.multiple * n + self.offset

    def accepts(self, frames: int) -> bool:
        return frames >= self.offset and (frames - self.offset) % self.multiple == 0


@dataclass(frozen=True)
class Capabilities:
    first_frame: bool = False
    last_frame: bool = False
    max_references: int = 0
    frame_rule: FrameRule = FrameRule()
    min_frames: int = 1
    max_frames: int | None = None
    fps: tuple[Fraction, ...] = ()  # empty: any rate
    size_multiple: int = 1
    max_size: tuple[int, int] | None = None  # (width, height) upper bounds
    audio: bool = False
    # Duration-driven models take seconds, not frames: either a set of lengths (LTX-2 Pro:
    # 6, 8, 10 s) or a step (0.5 s) between ``min_duration`` and ``max_duration``. Lip sync
    # uses the min/max alone for the length of the clip it syncs.
    durations: tuple[Fraction, ...] = ()
    duration_step: Fraction | None = None
    min_duration: Fraction | None = None
    max_duration: Fraction | None = None
    sizes: tuple[tuple[int, int], ...] = ()  # fixed output sizes (empty: any, by size_multiple)
    aspect_ratios: tuple[tuple[int, int], ...] = ()  # shapes a model is asked by (empty: any)
    voices: tuple[str, ...] = ()  # empty: any voice name

    @property
    def duration_driven(self) -> bool:
        return bool(self.durations) or self.duration_step is not None

    def length(self, frames: int, fps: Fraction, who: str | None = None) -> Length:
        """The one rounding rule for lengths: the shortest length this model makes that covers
        ``frames`` at ``fps``. Rounding up loses nothing (the extra frames are trimmed later);
        a request longer than the model's longest is refused with the reason."""
        if frames < 1:
            raise CapabilityError(f"{frames} frames is not a length", provider=who)
        asked = Fraction(frames) / fps
        if self.duration_driven:
            for seconds in self._allowed_seconds():
                # With a frame rule too, it applies to the frames of the stepped duration.
                count = self.frame_rule.at_least(max(frame_count(seconds, fps), self.min_frames))
                if count >= frames:
                    return Length(count, seconds)
            longest = self.longest(fps)
            raise CapabilityError(
                f"{frames} frames ({float(asked):g} s at {float(fps):g} fps) is longer than the "
                f"{float(longest.seconds or 0):g} s this model makes at most",
                provider=who,
            )
        count = self.frame_rule.at_least(max(frames, self.min_frames))
        ceiling = self.longest(fps).frames
        if count > ceiling:
            raise CapabilityError(
                f"{frames} frames ({float(asked):g} s at {float(fps):g} fps) is more than the "
                f"{ceiling} this model makes",
                provider=who,
            )
        return Length(count, None)

    def longest(self, fps: Fraction) -> Length:
        """The longest length this model makes at ``fps`` (for capping a slot)."""
        if self.duration_driven:
            allowed = self._allowed_seconds()
            if not allowed:
                raise CapabilityError("the model's durations admit no length")
            seconds = allowed[-1]
            count = self.frame_rule.at_least(max(frame_count(seconds, fps), self.min_frames))
            return Length(count, seconds)
        limits = [] if self.max_frames is None else [self.max_frames]
        if self.max_duration is not None:
            limits.append(frame_at(self.max_duration, fps))
        if not limits:
            return Length(2**31 - 1, None)
        limit = min(limits)
        best = self.frame_rule.at_least(limit)
        if best > limit:
            best -= self.frame_rule.multiple
        if best < max(1, self.min_frames) or not self.frame_rule.accepts(best):
            raise CapabilityError(f"the model's limits admit no length (at most {limit} frames)")
        return Length(best, None)

    def _allowed_seconds(self) -> list[Fraction]:
        if self.durations:
            return sorted(self.durations)
        step = self.duration_step
        assert step is not None  # only called for duration-driven models
        first = max(1, math.ceil((self.min_duration or step) / step))
        last = math.floor(self.max_duration / step) if self.max_duration is not None else 1200
        return [n * step for n in range(first, last + 1)]


@dataclass(frozen=True)
class Length:
    """A length a model makes: its frame count, and the seconds a duration-driven model is
    asked for (None for frame-driven models, which are asked for frames)."""

    frames: int
    seconds: Fraction | None = None


# -- pricing -----------------------------------------------------------------------------------

CENT = Decimal("0.0001")  # we keep costs to a hundredth of a cent


def usd(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Pricing(Protocol):
    def estimate(self, request: Request) -> Decimal | None:
        """The price of ``request`` in USD, or None when it is not known before it runs."""
        ...

    def describe(self) -> str: ...


def known_cost(pricing: Pricing, request: Request, who: str | None = None) -> Decimal:
    """The estimate where only a known price will do (budgets, film phases)."""
    cost = pricing.estimate(request)
    if cost is None:
        raise CapabilityError(f"its cost is not known before it runs ({pricing.describe()})",
                              provider=who)  # fmt: skip
    return cost


@dataclass(frozen=True)
class Unpriced:
    """An endpoint we have no price table for (passed through as the user named it)."""

    def estimate(self, request: Request) -> Decimal | None:
        return None

    def describe(self) -> str:
        return "unknown (no price table for this endpoint)"


@dataclass(frozen=True)
class Free:
    def estimate(self, request: Request) -> Decimal:
        return usd(0)

    def describe(self) -> str:
        return "free (runs on this machine)"


@dataclass(frozen=True)
class PerMegapixel:
    """fal's pricing by generated pixels, rounded up to whole megapixels: video counts
    width x height x frames with 1 MP = 10^6 pixels (the LTX-2 19B pages' worked example);
    images count width x height, and fal's image pages count 1 MP = 1024 x 1024."""

    usd_per_megapixel: Decimal
    pixels_per_megapixel: int = 1_000_000

    def estimate(self, request: Request) -> Decimal:
        if isinstance(request, VideoRequest):
            pixels = request.width * request.height * request.frames
        elif isinstance(request, ImageRequest):
            pixels = request.width * request.height
        else:
            return usd(0)
        return usd(math.ceil(pixels / self.pixels_per_megapixel) * self.usd_per_megapixel)

    def describe(self) -> str:
        unit = "" if self.pixels_per_megapixel == 1_000_000 else " (1 MP = 1024x1024)"
        return f"${self.usd_per_megapixel} per megapixel, rounded up{unit}"


@dataclass(frozen=True)
class PerSecond:
    """A price per second of output, optionally by output height (1080, 1440, 2160 ...).

    The table maps a height to the price for outputs up to that height; a flat price is ``{0: p}``.
    """

    table: Mapping[int, Decimal]
    # A duration-driven model bills the seconds it is asked for (6 s), not frames / fps.
    capabilities: Capabilities | None = None

    def rate_for(self, height: int) -> Decimal:
        fitting = [h for h in sorted(self.table) if h >= height]
        return self.table[fitting[0] if fitting else max(self.table)]

    def estimate(self, request: Request) -> Decimal:
        if isinstance(request, VideoRequest):
            seconds = request.duration
            caps = self.capabilities
            if caps is not None and caps.duration_driven:
                with contextlib.suppress(CapabilityError):  # conform refuses it: price the ask
                    seconds = caps.length(request.frames, request.fps).seconds or seconds
            return usd(self.rate_for(request.height) * seconds.numerator / seconds.denominator)
        if isinstance(request, LipsyncRequest):
            return usd(self.rate_for(0) * Decimal(request.duration))
        return usd(0)

    def describe(self) -> str:
        return ", ".join(f"${p}/s up to {h}p" if h else f"${p}/s" for h, p in self.table.items())


@dataclass(frozen=True)
class PerCall:
    """A flat price per call (per image: we always ask for one)."""

    usd_per_call: Decimal
    unit: str = "call"

    def estimate(self, request: Request) -> Decimal:
        return usd(self.usd_per_call)

    def describe(self) -> str:
        return f"${self.usd_per_call} per {self.unit}"


# -- providers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderInfo:
    id: str  # unique, e.g. "fal.ltx-2", "offline.interpolate"
    kind: Kind
    model: str
    version: str = "1"
    label: str = ""
    capabilities: Capabilities = Capabilities()
    pricing: Pricing = Free()
    queue: str = "cpu"  # resource class: "cpu", "local-gpu" or "cloud-<service>"
    model_type: str = ""  # what a GPU worker must have loaded (VRAM clearing on change)
    offline: bool = False
    # The provider's own ids for what this serves, as its model pages spell them
    # ("fal-ai/ltx-2-19b/distilled/image-to-video"): ``--model`` accepts these too.
    endpoints: tuple[str, ...] = ()


class RunContext(Protocol):
    """The narrow view of the engine a provider gets."""

    @property
    def workdir(self) -> Path: ...

    def progress(self, fraction: float, message: str = "") -> None: ...

    def cancelled(self) -> bool: ...


@dataclass
class SimpleContext:
    """A ``RunContext`` for direct calls and tests."""

    workdir: Path
    on_progress: Callable[[float, str], None] | None = None
    cancel_flag: bool = False

    def progress(self, fraction: float, message: str = "") -> None:
        if self.on_progress is not None:
            self.on_progress(fraction, message)

    def cancelled(self) -> bool:
        return self.cancel_flag


@runtime_checkable
class LocalProvider(Protocol):
    """Runs in-process (offline providers, CPU or local GPU): no request id to persist."""

    info: ProviderInfo

    def generate(self, request: Request, ctx: RunContext) -> Output: ...


class PollState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(frozen=True)
class Poll:
    state: PollState
    progress: float | None = None
    queue_position: int | None = None
    logs: tuple[str, ...] = ()
    error: str | None = None


@runtime_checkable
class RemoteProvider(Protocol):
    """A long-running external job: submit once, persist the id, poll, fetch, maybe cancel."""

    info: ProviderInfo

    def submit(self, request: Request, ctx: RunContext) -> str: ...

    def poll(self, request_id: str) -> Poll: ...

    def fetch(self, request_id: str, request: Request, ctx: RunContext) -> Output: ...

    def cancel(self, request_id: str) -> None: ...


Provider = LocalProvider | RemoteProvider
