"""What every provider promises: frozen requests and outputs, capabilities, pricing, and the two
ways of running (local: ``generate``; remote: ``submit`` / ``poll`` / ``fetch`` / ``cancel``).

Providers know nothing of jobs, credits or the web. They receive a narrow ``RunContext`` (a work
folder, a progress callback, a cancel flag), never the app's services.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable


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
    duration_step: Fraction | None = None  # seconds granularity (WAN on Replicate: 0.5)
    min_duration: Fraction | None = None
    max_duration: Fraction | None = None
    voices: tuple[str, ...] = ()  # empty: any voice name


# -- pricing -----------------------------------------------------------------------------------

CENT = Decimal("0.0001")  # we keep costs to a hundredth of a cent


def usd(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Pricing(Protocol):
    def estimate(self, request: Request) -> Decimal: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Free:
    def estimate(self, request: Request) -> Decimal:
        return usd(0)

    def describe(self) -> str:
        return "free (runs on this machine)"


@dataclass(frozen=True)
class PerMegapixel:
    """fal's video pricing: megapixels = width x height x frames / 1e6, rounded up."""

    usd_per_megapixel: Decimal

    def estimate(self, request: Request) -> Decimal:
        if isinstance(request, VideoRequest):
            pixels = request.width * request.height * request.frames
        elif isinstance(request, ImageRequest):
            pixels = request.width * request.height
        else:
            return usd(0)
        return usd(math.ceil(pixels / 1_000_000) * self.usd_per_megapixel)

    def describe(self) -> str:
        return f"${self.usd_per_megapixel} per megapixel"


@dataclass(frozen=True)
class PerSecond:
    """A price per second of output, optionally by output height (1080, 1440, 2160 ...).

    The table maps a height to the price for outputs up to that height; a flat price is ``{0: p}``.
    """

    table: Mapping[int, Decimal]

    def rate_for(self, height: int) -> Decimal:
        fitting = [h for h in sorted(self.table) if h >= height]
        return self.table[fitting[0] if fitting else max(self.table)]

    def estimate(self, request: Request) -> Decimal:
        if isinstance(request, VideoRequest):
            seconds = request.duration
            return usd(self.rate_for(request.height) * seconds.numerator / seconds.denominator)
        if isinstance(request, LipsyncRequest):
            return usd(self.rate_for(0) * Decimal(request.duration))
        return usd(0)

    def describe(self) -> str:
        return ", ".join(f"${p}/s up to {h}p" if h else f"${p}/s" for h, p in self.table.items())


@dataclass(frozen=True)
class PerCall:
    usd_per_call: Decimal

    def estimate(self, request: Request) -> Decimal:
        return usd(self.usd_per_call)

    def describe(self) -> str:
        return f"${self.usd_per_call} per call"


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
