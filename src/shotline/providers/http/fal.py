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

from shotline.providers.conform import Conformed, conform
from shotline.providers.contracts import (
    Capabilities,
    FrameRule,
    ImageRequest,
    Kind,
    Output,
    PerMegapixel,
    Poll,
    PollState,
    Pricing,
    ProviderInfo,
    Request,
    RunContext,
    VideoRequest,
)
from shotline.providers.errors import CapabilityError, ProviderFailed, Refused, TransientError
from shotline.providers.http.client import (
    DEFAULT_TIMEOUT,
    HttpClient,
    data_uri,
    is_moderation,
    output_path,
    require,
)

ReferenceStyle = Literal["image_urls", "image_url", "reference_image_url"]


def app_id(model_path: str) -> str:
    """The queue's app id: owner and app name, without the endpoint's subpath."""
    parts = [p for p in model_path.split("/") if p]
    return "/".join(parts[:2])


@dataclass(frozen=True)
class FalModel:
    id: str  # our provider id, "fal.<name>"
    path: str  # endpoint used when there are references / a first frame
    kind: Kind
    label: str
    pricing: Pricing
    capabilities: Capabilities
    reference_style: ReferenceStyle = "image_urls"
    text_path: str | None = None  # endpoint without references (same app), if the model has one
    defaults: Mapping[str, Any] = field(default_factory=dict)  # fixed input values

    def __post_init__(self) -> None:
        if self.text_path is not None and app_id(self.text_path) != app_id(self.path):
            raise ValueError(f"{self.id}: {self.text_path} is not in the app of {self.path}")

    @property
    def app(self) -> str:
        return app_id(self.path)

    @property
    def max_references(self) -> int:
        return self.capabilities.max_references


def _image_caps(cap: int) -> Capabilities:
    return Capabilities(max_references=cap, size_multiple=16, max_size=(2048, 2048))


_IMAGE_PRICE = PerMegapixel(Decimal("0.03"))  # an estimate; fal bills images per megapixel

LTX_2 = FalModel(
    id="fal.ltx-2",
    path="fal-ai/ltx-2/image-to-video",
    text_path="fal-ai/ltx-2/text-to-video",
    kind=Kind.VIDEO,
    label="LTX-2 (fal)",
    pricing=PerMegapixel(Decimal("0.0008")),
    capabilities=Capabilities(
        first_frame=True,
        last_frame=True,
        frame_rule=FrameRule(multiple=8, offset=1),
        min_frames=9,
        max_frames=121,
        fps=(Fraction(24),),
        size_multiple=16,
        max_size=(3840, 2160),
        audio=True,
    ),
)

IMAGE_MODELS: tuple[FalModel, ...] = (
    FalModel(
        id="fal.flux-2-edit",
        path="fal-ai/flux-2/edit",
        text_path="fal-ai/flux-2",
        kind=Kind.IMAGE,
        label="FLUX.2 Edit (fal)",
        pricing=_IMAGE_PRICE,
        capabilities=_image_caps(9),
    ),
    FalModel(
        id="fal.qwen-image-edit",
        path="fal-ai/qwen-image-edit",
        kind=Kind.IMAGE,
        label="Qwen Image Edit (fal)",
        pricing=_IMAGE_PRICE,
        capabilities=_image_caps(1),
    ),
    FalModel(
        id="fal.qwen-image-edit-pro",
        path="fal-ai/qwen-image-edit-plus",
        kind=Kind.IMAGE,
        label="Qwen Pro Edit (fal)",
        pricing=_IMAGE_PRICE,
        # fal answered 422 "Maximum 3 reference images allowed"; do not raise without testing.
        capabilities=_image_caps(3),
    ),
    FalModel(
        id="fal.nano-banana",
        path="fal-ai/nano-banana/edit",
        text_path="fal-ai/nano-banana",
        kind=Kind.IMAGE,
        label="Nano Banana (fal)",
        pricing=_IMAGE_PRICE,
        capabilities=_image_caps(4),
    ),
    FalModel(
        id="fal.kontext",
        path="fal-ai/flux-pro/kontext",
        text_path="fal-ai/flux-pro/kontext/text-to-image",
        kind=Kind.IMAGE,
        label="FLUX Kontext (fal)",
        pricing=_IMAGE_PRICE,
        capabilities=_image_caps(1),
        reference_style="image_url",
    ),
    FalModel(
        id="fal.reve",
        path="fal-ai/reve/edit",
        text_path="fal-ai/reve/text-to-image",
        kind=Kind.IMAGE,
        label="Reve (fal)",
        pricing=_IMAGE_PRICE,
        capabilities=_image_caps(1),
        reference_style="image_url",
    ),
    FalModel(
        id="fal.pulid",
        path="fal-ai/flux-pulid",
        kind=Kind.IMAGE,
        label="FLUX PuLID (fal)",
        pricing=_IMAGE_PRICE,
        capabilities=_image_caps(1),
        reference_style="reference_image_url",
    ),
)

MODELS: dict[str, FalModel] = {m.id: m for m in (LTX_2, *IMAGE_MODELS)}


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
        api_key: str,
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
        )
        self.client = client or HttpClient(
            base_url,
            provider=self.info.id,
            headers={"Authorization": f"Key {api_key}"},
            timeout=timeout,
            **client_options,
        )

    # -- payloads ----------------------------------------------------------------------------

    def _video_input(self, request: VideoRequest) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {
            "prompt": request.prompt,
            "num_frames": request.frames,
            "fps": float(request.fps),
            "video_size": {"width": request.width, "height": request.height},
            "generate_audio": request.audio,
        }
        if request.seed is not None:
            payload["seed"] = request.seed
        if request.first_frame is None:
            if request.last_frame is not None:
                raise CapabilityError("a last frame needs a first frame", provider=self.info.id)
            if self.model.text_path is None:
                raise CapabilityError("needs a first frame", provider=self.info.id)
            return self.model.text_path, payload
        payload["image_url"] = data_uri(request.first_frame)
        if request.last_frame is not None:
            payload["end_image_url"] = data_uri(request.last_frame)
        return self.model.path, payload

    def _image_input(self, request: ImageRequest) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {
            "prompt": request.prompt,
            "image_size": {"width": request.width, "height": request.height},
            "num_images": 1,
        }
        if request.seed is not None:
            payload["seed"] = request.seed
        refs = request.references[: self.model.max_references]
        if not refs:
            if self.model.text_path is None:
                raise CapabilityError("needs a reference image", provider=self.info.id)
            return self.model.text_path, payload
        if self.model.reference_style == "image_urls":
            payload["image_urls"] = [data_uri(p) for p in refs]
        else:
            payload[self.model.reference_style] = data_uri(refs[0])
        return self.model.path, payload

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


def fal_providers(api_key: str, base_url: str = "https://queue.fal.run") -> list[FalProvider]:
    """Every model in the table, sharing nothing but the key and base URL."""
    return [FalProvider(m, api_key=api_key, base_url=base_url) for m in MODELS.values()]
