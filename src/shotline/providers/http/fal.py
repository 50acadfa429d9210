"""fal.ai through its queue API: submit, poll the status, fetch the result, download the file.

    POST {base}/{model_path}                          -> {request_id, status_url, response_url, ...}
    GET  {base}/{app_id}/requests/{id}/status?logs=1  -> IN_QUEUE | IN_PROGRESS | COMPLETED
    GET  {base}/{app_id}/requests/{id}                -> the model's result (or its error)
    PUT  {base}/{app_id}/requests/{id}/cancel

``app_id`` is the model path without its subpath ("fal-ai/ltx-2/image-to-video" -> "fal-ai/ltx-2").
Models are data (``FalModel``): the path, how reference images are passed (``image_urls`` array or
a single ``image_url``), the reference cap, pricing and capabilities. Frames and references go
inline as base64 data URIs; only the references ``conform`` kept are sent, and the output lists
the dropped ones.

``poll`` returns ``FAILED`` with the server's message when a job completed with an error and raises
``Refused`` when that error is a content-policy refusal (``Poll`` cannot carry the class).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from shotline.providers.conform import Conformed, conform
from shotline.providers.contracts import (
    Capabilities,
    FrameRule,
    ImageRequest,
    Kind,
    Output,
    PerCall,
    PerMegapixel,
    PerSecond,
    Poll,
    PollState,
    Pricing,
    ProviderInfo,
    Request,
    RunContext,
    Unpriced,
    VideoRequest,
)
from shotline.providers.errors import CapabilityError, ProviderFailed, Refused, TransientError
from shotline.providers.http.client import (
    DEFAULT_TIMEOUT,
    HttpClient,
    authorization,
    data_uri,
    is_moderation,
    output_path,
    require,
)

ReferenceStyle = Literal["image_urls", "image_url", "reference_image_url"]
# How a model is told the length and size of a clip / the shape of an image:
#   "frames":   num_frames + fps + video_size {width, height}        (LTX-2 19B)
#   "duration": duration (s) + resolution ("1080p") + fps            (LTX-2 Pro)
#   "image_size": image_size {width, height};  "aspect_ratio": "16:9";  "none": not at all
SizeStyle = Literal["frames", "duration", "image_size", "aspect_ratio", "none"]

# fal's image pages count a megapixel as 1024 x 1024 (the FLUX.2 [flex] page's worked example).
IMAGE_MEGAPIXEL = 1024 * 1024


def app_id(model_path: str) -> str:
    """The queue's app id: owner and app name, without the endpoint's subpath."""
    parts = [p for p in model_path.split("/") if p]
    return "/".join(parts[:2])


@dataclass(frozen=True)
class FalModel:
    """One model as fal's page for its endpoint publishes it (the README table cites each)."""

    id: str  # our provider id, "fal.<name>"
    path: str  # endpoint used when there are references / a first frame
    kind: Kind
    label: str
    pricing: Pricing
    capabilities: Capabilities
    size_style: SizeStyle
    reference_style: ReferenceStyle = "image_urls"
    text_path: str | None = None  # endpoint without references (same app), if the model has one
    seed: bool = True  # the endpoint takes a seed (Reve does not)
    num_images: bool = True  # the endpoint takes num_images (PuLID does not)
    edit_shape: bool = True  # the edit endpoint takes the size too (Reve's keeps the input's)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # fixed input values
    passthrough: bool = False  # an endpoint we have no table for: only what the user gave

    def __post_init__(self) -> None:
        if self.text_path is not None and app_id(self.text_path) != app_id(self.path):
            raise ValueError(f"{self.id}: {self.text_path} is not in the app of {self.path}")

    @property
    def app(self) -> str:
        return app_id(self.path)

    @property
    def max_references(self) -> int:
        return self.capabilities.max_references

    @property
    def endpoints(self) -> tuple[str, ...]:
        return (self.path,) if self.text_path is None else (self.path, self.text_path)


def _image_caps(cap: int, aspect_ratios: tuple[tuple[int, int], ...] = ()) -> Capabilities:
    return Capabilities(
        max_references=cap, size_multiple=16, max_size=(2048, 2048), aspect_ratios=aspect_ratios
    )


def _ratios(*names: str) -> tuple[tuple[int, int], ...]:
    return tuple((int(w), int(h)) for w, h in (n.split(":") for n in names))


# fal-ai/ltx-2-19b/distilled/image-to-video: num_frames 9-481 (8n+1, as LTX-2 counts frames),
# end_image_url, video_size, fps (float); sizes on multiples of 32 (Lightricks' LTX-2 notes).
LTX_2 = FalModel(
    id="fal.ltx-2",
    path="fal-ai/ltx-2-19b/distilled/image-to-video",
    text_path="fal-ai/ltx-2-19b/distilled/text-to-video",
    kind=Kind.VIDEO,
    label="LTX-2 19B Distilled (fal)",
    pricing=PerMegapixel(Decimal("0.0008")),
    capabilities=Capabilities(
        first_frame=True,
        last_frame=True,
        frame_rule=FrameRule(multiple=8, offset=1),
        min_frames=9,
        max_frames=481,
        size_multiple=32,
        audio=True,
    ),
    size_style="frames",
)

# fal-ai/ltx-2/image-to-video (LTX-2 Pro): duration 6/8/10 s, resolution 1080p/1440p/2160p
# (16:9 only), fps 25/50, no end frame; $0.06/s at 1080p, $0.12 at 1440p, $0.24 at 2160p.
_PRO_CAPS = Capabilities(
    first_frame=True,
    durations=(Fraction(6), Fraction(8), Fraction(10)),
    fps=(Fraction(25), Fraction(50)),
    sizes=((1920, 1080), (2560, 1440), (3840, 2160)),
    audio=True,
)
LTX_2_PRO = FalModel(
    id="fal.ltx-2-pro",
    path="fal-ai/ltx-2/image-to-video",
    text_path="fal-ai/ltx-2/text-to-video",
    kind=Kind.VIDEO,
    label="LTX-2 Pro (fal)",
    pricing=PerSecond(
        {1080: Decimal("0.06"), 1440: Decimal("0.12"), 2160: Decimal("0.24")},
        capabilities=_PRO_CAPS,
    ),
    capabilities=_PRO_CAPS,
    size_style="duration",
    seed=False,
)

_NANO_RATIOS = _ratios("21:9", "16:9", "3:2", "4:3", "5:4", "1:1", "4:5", "3:4", "2:3", "9:16")
_KONTEXT_RATIOS = _ratios("21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21")
_REVE_RATIOS = _ratios("16:9", "9:16", "3:2", "2:3", "4:3", "3:4", "1:1")

IMAGE_MODELS: tuple[FalModel, ...] = (
    FalModel(
        id="fal.flux-2-edit",
        path="fal-ai/flux-2/edit",
        text_path="fal-ai/flux-2",
        kind=Kind.IMAGE,
        label="FLUX.2 Edit (fal)",
        # No price page for this endpoint in the sources we have: an estimate (README).
        pricing=PerMegapixel(Decimal("0.03"), IMAGE_MEGAPIXEL),
        capabilities=_image_caps(9),
        size_style="image_size",
    ),
    FalModel(
        id="fal.qwen-image-edit",
        path="fal-ai/qwen-image-edit",
        kind=Kind.IMAGE,
        label="Qwen Image Edit (fal)",
        pricing=PerMegapixel(Decimal("0.03"), IMAGE_MEGAPIXEL),
        capabilities=_image_caps(1),
        size_style="image_size",
        reference_style="image_url",  # one image, not a list
    ),
    FalModel(
        id="fal.qwen-image-edit-pro",
        path="fal-ai/qwen-image-edit-plus",
        kind=Kind.IMAGE,
        label="Qwen Image Edit Plus (fal)",
        pricing=PerMegapixel(Decimal("0.03"), IMAGE_MEGAPIXEL),
        # fal answered 422 "Maximum 3 reference images allowed"; do not raise without testing.
        capabilities=_image_caps(3),
        size_style="image_size",
    ),
    FalModel(
        id="fal.nano-banana",
        path="fal-ai/nano-banana/edit",
        text_path="fal-ai/nano-banana",
        kind=Kind.IMAGE,
        label="Nano Banana (fal)",
        pricing=PerCall(Decimal("0.04"), "image"),  # an estimate (README)
        capabilities=_image_caps(4, _NANO_RATIOS),
        size_style="aspect_ratio",
    ),
    FalModel(
        id="fal.kontext",
        path="fal-ai/flux-pro/kontext",
        text_path="fal-ai/flux-pro/kontext/text-to-image",
        kind=Kind.IMAGE,
        label="FLUX Kontext [pro] (fal)",
        pricing=PerCall(Decimal("0.04"), "image"),
        capabilities=_image_caps(1, _KONTEXT_RATIOS),
        size_style="aspect_ratio",
        reference_style="image_url",
    ),
    FalModel(
        id="fal.reve",
        path="fal-ai/reve/edit",
        text_path="fal-ai/reve/text-to-image",
        kind=Kind.IMAGE,
        label="Reve (fal)",
        pricing=PerCall(Decimal("0.04"), "image"),
        # The edit endpoint keeps the input's shape; text-to-image takes an aspect ratio.
        capabilities=_image_caps(1, _REVE_RATIOS),
        size_style="aspect_ratio",
        reference_style="image_url",
        seed=False,
        edit_shape=False,
    ),
    FalModel(
        id="fal.pulid",
        path="fal-ai/flux-pulid",
        kind=Kind.IMAGE,
        label="FLUX PuLID (fal)",
        pricing=PerMegapixel(Decimal("0.0333"), IMAGE_MEGAPIXEL),
        capabilities=_image_caps(1),
        size_style="image_size",
        reference_style="reference_image_url",
        num_images=False,
    ),
)

MODELS: dict[str, FalModel] = {m.id: m for m in (LTX_2, LTX_2_PRO, *IMAGE_MODELS)}


def passthrough_model(kind: Kind, endpoint: str) -> FalModel:
    """An endpoint id with no table: sent as given (prompt, inputs, seed), priced unknown."""
    if kind not in (Kind.VIDEO, Kind.IMAGE) or len([p for p in endpoint.split("/") if p]) < 2:
        raise CapabilityError(f"fal endpoint {endpoint!r} cannot serve {kind} requests")
    caps = Capabilities(first_frame=True, last_frame=True, max_references=16, audio=True)
    return FalModel(
        id=f"fal:{kind.value}:{endpoint}",
        path=endpoint,
        kind=kind,
        label=f"{endpoint} (fal, no table: passed through)",
        pricing=Unpriced(),
        capabilities=caps,
        size_style="none",
        passthrough=True,
    )


def _error_text(error: Any) -> str:
    if isinstance(error, str):
        return error
    if isinstance(error, list):
        return "; ".join(_error_text(e) for e in error)
    if isinstance(error, Mapping):
        parts = [str(error[k]) for k in ("type", "msg", "message", "detail") if k in error]
        return ": ".join(parts) or str(dict(error))
    return str(error)


class FalProvider:
    """One fal model behind the queue API (``RemoteProvider``)."""

    def __init__(
        self,
        model: FalModel | str,
        *,
        api_key: str | SecretStr,
        base_url: str = "https://queue.fal.run",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        client: HttpClient | None = None,
        **client_options: Any,
    ) -> None:
        self.model = MODELS[model] if isinstance(model, str) else model
        caps = self.model.capabilities
        self.info = ProviderInfo(
            id=self.model.id,
            kind=self.model.kind,
            model=self.model.path,
            label=self.model.label,
            capabilities=caps,
            pricing=self.model.pricing,
            queue="cloud-fal",
            endpoints=self.model.endpoints,
        )
        self.client = client or HttpClient(
            base_url,
            provider=self.info.id,
            headers={"Authorization": authorization("Key", api_key)},
            timeout=timeout,
            **client_options,
        )

    # -- payloads ----------------------------------------------------------------------------

    def _video_input(self, request: VideoRequest) -> tuple[str, dict[str, Any]]:
        model = self.model
        payload: dict[str, Any] = {"prompt": request.prompt}
        if model.size_style == "frames":
            payload.update(
                num_frames=request.frames,
                fps=float(request.fps),
                video_size={"width": request.width, "height": request.height},
                generate_audio=request.audio,
            )
        elif model.size_style == "duration":
            seconds = model.capabilities.length(request.frames, request.fps, self.info.id).seconds
            payload.update(
                duration=int(seconds or 0),
                resolution=f"{request.height}p",
                fps=int(request.fps),
                generate_audio=request.audio,
            )
        if request.seed is not None and model.seed:
            payload["seed"] = request.seed
        if request.first_frame is None:
            if request.last_frame is not None:
                raise CapabilityError("a last frame needs a first frame", provider=self.info.id)
            if model.text_path is None and not model.passthrough:
                raise CapabilityError("needs a first frame", provider=self.info.id)
            return model.text_path or model.path, payload
        payload["image_url"] = data_uri(request.first_frame)
        if request.last_frame is not None:
            payload["end_image_url"] = data_uri(request.last_frame)
        return model.path, payload

    def _image_input(self, request: ImageRequest) -> tuple[str, dict[str, Any]]:
        model = self.model
        payload: dict[str, Any] = {"prompt": request.prompt}
        if model.num_images and not model.passthrough:
            payload["num_images"] = 1
        if model.size_style == "image_size":
            payload["image_size"] = {"width": request.width, "height": request.height}
        refs = request.references[: model.max_references]
        if model.size_style == "aspect_ratio" and (model.edit_shape or not refs):
            ratio = Fraction(request.width, request.height)
            payload["aspect_ratio"] = f"{ratio.numerator}:{ratio.denominator}"
        if request.seed is not None and model.seed:
            payload["seed"] = request.seed
        if not refs:
            if model.text_path is None and not model.passthrough:
                raise CapabilityError("needs a reference image", provider=self.info.id)
            return model.text_path or model.path, payload
        if model.reference_style == "image_urls":
            payload["image_urls"] = [data_uri(p) for p in refs]
        else:
            payload[model.reference_style] = data_uri(refs[0])
        return model.path, payload

    def payload(self, request: Request) -> tuple[str, dict[str, Any], Conformed]:
        """The endpoint path, the JSON input, and the conformed request (with dropped refs)."""
        conformed = conform(request, self.info)
        fitted = conformed.request
        if isinstance(fitted, VideoRequest):
            path, body = self._video_input(fitted)
        elif isinstance(fitted, ImageRequest):
            path, body = self._image_input(fitted)
        else:  # conform already refused other kinds
            raise CapabilityError(f"cannot serve {request.kind}", provider=self.info.id)
        return path, {**self.model.defaults, **body}, conformed

    # -- RemoteProvider ----------------------------------------------------------------------

    def submit(self, request: Request, ctx: RunContext) -> str:
        path, body, _ = self.payload(request)
        answer = self.client.create(path, body)
        request_id: str = require(answer, "request_id", provider=self.info.id)
        return request_id

    def _requests(self, request_id: str) -> str:
        return f"{self.model.app}/requests/{request_id}"

    def _raise_for_error(self, error: Any, error_type: Any = None) -> None:
        text = _error_text(error)
        if is_moderation(f"{error_type or ''} {text}"):
            raise Refused(text, provider=self.info.id)

    def poll(self, request_id: str) -> Poll:
        data = self.client.read(f"{self._requests(request_id)}/status", params={"logs": 1})
        status = require(data, "status", provider=self.info.id)
        logs = tuple(
            str(entry.get("message", "")) if isinstance(entry, Mapping) else str(entry)
            for entry in (data.get("logs") or ())
        )
        if status == "IN_QUEUE":
            position = data.get("queue_position")
            return Poll(
                PollState.QUEUED, queue_position=position if isinstance(position, int) else None
            )
        if status == "IN_PROGRESS":
            return Poll(PollState.RUNNING, logs=logs)
        if status == "COMPLETED":
            error = data.get("error")
            if error:
                self._raise_for_error(error, data.get("error_type"))
                return Poll(PollState.FAILED, logs=logs, error=_error_text(error))
            return Poll(PollState.DONE, progress=1.0, logs=logs)
        if status in ("FAILED", "CANCELED", "CANCELLED"):
            state = PollState.FAILED if status == "FAILED" else PollState.CANCELED
            return Poll(state, logs=logs, error=_error_text(data.get("error") or status))
        raise TransientError(f"malformed status {status!r}", provider=self.info.id)

    def fetch(self, request_id: str, request: Request, ctx: RunContext) -> Output:
        conformed = conform(request, self.info)
        result = self.client.read(self._requests(request_id))
        if not isinstance(result, Mapping):
            raise TransientError("malformed result: not an object", provider=self.info.id)
        if result.get("error") or ("detail" in result and "video" not in result):
            error = result.get("error") or result.get("detail")
            self._raise_for_error(error, result.get("error_type"))
            raise ProviderFailed(_error_text(error), provider=self.info.id)
        if "video" in result:
            url = require(result, "video", "url", provider=self.info.id)
        else:
            url = require(result, "images", 0, "url", provider=self.info.id)
        dest = output_path(ctx.workdir, f"{self.info.id}-{request_id}", url)
        mime = self.client.download(url, dest)
        metadata: dict[str, Any] = {"request_id": request_id, "model": self.model.path, "url": url}
        if "seed" in result:
            metadata["seed"] = result["seed"]
        fitted = conformed.request
        if isinstance(fitted, VideoRequest) and self.model.passthrough:
            # Nothing about the length or size was sent: the model's defaults decided them.
            return Output(path=dest, mime=mime or "video/mp4", metadata=metadata)
        if isinstance(fitted, VideoRequest):
            return Output(
                path=dest,
                mime=mime or "video/mp4",
                duration=float(fitted.duration),
                width=fitted.width,
                height=fitted.height,
                fps=fitted.fps,
                metadata=metadata,
            )
        image = result["images"][0] if "images" in result else {}
        return Output(
            path=dest,
            mime=mime or "image/png",
            width=image.get("width") if isinstance(image, Mapping) else None,
            height=image.get("height") if isinstance(image, Mapping) else None,
            dropped_references=conformed.dropped_references,
            metadata=metadata,
        )

    def cancel(self, request_id: str) -> None:
        try:
            self.client.command("PUT", f"{self._requests(request_id)}/cancel")
        except CapabilityError as exc:
            if "ALREADY_COMPLETED" not in str(exc):  # nothing left to cancel
                raise

    def close(self) -> None:
        self.client.close()


def fal_providers(
    api_key: str | SecretStr, base_url: str = "https://queue.fal.run"
) -> list[FalProvider]:
    """Every model in the table, sharing nothing but the key and base URL."""
    return [FalProvider(m, api_key=api_key, base_url=base_url) for m in MODELS.values()]
