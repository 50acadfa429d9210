"""Replicate predictions: WAN 2.2 image-to-video and lip sync (Kling, sync/lipsync-2).

    POST {base}/v1/models/{owner}/{name}/predictions  {"input": {...}}      (official models)
    POST {base}/v1/predictions  {"version": "...", "input": {...}}         (pinned versions)
    GET  {base}/v1/predictions/{id}   -> starting | processing | succeeded | failed | canceled
    POST {base}/v1/predictions/{id}/cancel

The output is a URL or a list of URLs; the first is downloaded into the work folder. Input files
go inline as data URIs when small; larger ones are uploaded once through ``POST /v1/files`` and
passed by URL (Replicate recommends data URIs only below 1 MB).

Lip-sync fallback is left to the engine: ``LIPSYNC_FALLBACK`` lists the provider ids in the
order to try (Kling first, sync/lipsync-2 on ``Refused`` or ``ProviderFailed``). A chain inside
one remote provider could not persist the second prediction's id before polling it, and a crash
would then pay twice. Each output records its model in ``metadata["model"]``.

``poll`` returns ``FAILED`` with the prediction's error, and raises ``Refused`` when the error is
a safety refusal (NSFW, "flagged as sensitive"), since ``Poll`` cannot carry the class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from shotline.providers.conform import conform
from shotline.providers.contracts import (
    Capabilities,
    Kind,
    LipsyncRequest,
    Output,
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
    mime_of,
    output_path,
    require,
)

DATA_URI_LIMIT = 1024 * 1024  # Replicate recommends data URIs only below 1 MB; larger: upload


@dataclass(frozen=True)
class ReplicateModel:
    id: str  # our provider id
    name: str  # "owner/name"
    kind: Kind
    label: str
    pricing: Pricing
    capabilities: Capabilities
    version: str | None = None  # a pinned version: POST /v1/predictions with "version"
    defaults: Mapping[str, Any] = field(default_factory=dict)
    passthrough: bool = False  # a model we have no table for: only what the user gave


def passthrough_model(kind: Kind, name: str) -> ReplicateModel:
    """``owner/name`` with no table: prompt, inputs and seed as given, priced unknown."""
    if kind not in (Kind.VIDEO, Kind.LIPSYNC) or len([p for p in name.split("/") if p]) != 2:
        raise CapabilityError(f"Replicate model {name!r} cannot serve {kind} requests")
    return ReplicateModel(
        id=f"replicate:{kind.value}:{name}",
        name=name,
        kind=kind,
        label=f"{name} (Replicate, no table: passed through)",
        pricing=Unpriced(),
        capabilities=Capabilities(first_frame=True, last_frame=True),
        passthrough=True,
    )


# wan-video/wan-2.2-i2v-fast takes frames, not seconds: num_frames 81-121 at frames_per_second,
# resolution 480p/720p, image and last_image (README table: the schema's sources and caveats).
WAN_22 = ReplicateModel(
    id="replicate.wan-2.2-i2v",
    name="wan-video/wan-2.2-i2v-fast",
    kind=Kind.VIDEO,
    label="WAN 2.2 image-to-video (Replicate)",
    # An estimate per second of output by height; no price page in our sources (README).
    pricing=PerSecond({480: Decimal("0.01"), 720: Decimal("0.02")}),
    capabilities=Capabilities(
        first_frame=True,
        last_frame=True,
        min_frames=81,
        max_frames=121,
        fps=tuple(Fraction(n) for n in range(5, 31)),
    ),
)
KLING_LIPSYNC = ReplicateModel(
    id="replicate.kling-lip-sync",
    name="kwaivgi/kling-lip-sync",
    kind=Kind.LIPSYNC,
    label="Kling lip sync (Replicate)",
    pricing=PerSecond({0: Decimal("0.014")}),
    capabilities=Capabilities(min_duration=Fraction(2), max_duration=Fraction(10)),
)
SYNC_LIPSYNC_2 = ReplicateModel(
    id="replicate.sync-lipsync-2",
    name="sync/lipsync-2",
    kind=Kind.LIPSYNC,
    label="sync lipsync-2 (Replicate)",
    pricing=PerSecond({0: Decimal("0.05")}),
    capabilities=Capabilities(),
)
MODELS: dict[str, ReplicateModel] = {m.id: m for m in (WAN_22, KLING_LIPSYNC, SYNC_LIPSYNC_2)}
LIPSYNC_FALLBACK: tuple[str, ...] = (KLING_LIPSYNC.id, SYNC_LIPSYNC_2.id)

_STATES = {
    "starting": PollState.QUEUED,
    "processing": PollState.RUNNING,
    "succeeded": PollState.DONE,
    "failed": PollState.FAILED,
    "canceled": PollState.CANCELED,
    "aborted": PollState.CANCELED,
}


def _resolution(width: int, height: int) -> str:
    return "480p" if min(width, height) <= 480 else "720p"


def _output_size(width: int, height: int) -> tuple[int, int]:
    """WAN renders at 480p or 720p on the short side, keeping the aspect ratio."""
    short = 480 if min(width, height) <= 480 else 720
    scale = Fraction(short, min(width, height))
    return 2 * round(width * scale / 2), 2 * round(height * scale / 2)


class ReplicateProvider:
    """One Replicate model (``RemoteProvider``)."""

    def __init__(
        self,
        model: ReplicateModel | str,
        *,
        api_token: str | SecretStr,
        base_url: str = "https://api.replicate.com",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        data_uri_limit: int = DATA_URI_LIMIT,
        client: HttpClient | None = None,
        **client_options: Any,
    ) -> None:
        self.model = MODELS[model] if isinstance(model, str) else model
        self.data_uri_limit = data_uri_limit
        self.info = ProviderInfo(
            id=self.model.id,
            kind=self.model.kind,
            model=self.model.name,
            version=self.model.version or "latest",
            label=self.model.label,
            capabilities=self.model.capabilities,
            pricing=self.model.pricing,
            queue="cloud-replicate",
            endpoints=(self.model.name,),
        )
        self.client = client or HttpClient(
            base_url,
            provider=self.info.id,
            headers={"Authorization": authorization("Bearer", api_token)},
            timeout=timeout,
            **client_options,
        )

    # -- inputs ------------------------------------------------------------------------------

    def file_input(self, path: Path) -> str:
        """A data URI for a small file; a Replicate file URL for a large one (uploaded once)."""
        if path.stat().st_size <= self.data_uri_limit:
            return data_uri(path)
        with path.open("rb") as handle:
            answer = self.client.create(
                "v1/files", files={"content": (path.name, handle, mime_of(path))}
            )
        url: str = require(answer, "urls", "get", provider=self.info.id)
        return url

    def _check_duration(self, seconds: float) -> None:
        caps = self.info.capabilities
        if caps.min_duration is not None and seconds < caps.min_duration:
            raise CapabilityError(
                f"{seconds:g} s is shorter than {float(caps.min_duration):g} s",
                provider=self.info.id,
            )
        if caps.max_duration is not None and seconds > caps.max_duration:
            raise CapabilityError(
                f"{seconds:g} s is longer than {float(caps.max_duration):g} s",
                provider=self.info.id,
            )

    def payload(self, request: Request) -> dict[str, Any]:
        """The prediction's ``input`` (uploads large files as a side effect)."""
        fitted = conform(request, self.info).request
        if isinstance(fitted, VideoRequest):
            if fitted.first_frame is None:
                raise CapabilityError("needs a first frame", provider=self.info.id)
            body: dict[str, Any] = {
                "prompt": fitted.prompt,
                "image": self.file_input(fitted.first_frame),
            }
            if not self.model.passthrough:
                body.update(
                    num_frames=fitted.frames,
                    frames_per_second=int(fitted.fps),
                    resolution=_resolution(fitted.width, fitted.height),
                )
            if fitted.last_frame is not None:
                body["last_image"] = self.file_input(fitted.last_frame)
            if fitted.seed is not None:
                body["seed"] = fitted.seed
        elif isinstance(fitted, LipsyncRequest):
            self._check_duration(fitted.duration)
            video, audio = self.file_input(fitted.video), self.file_input(fitted.audio)
            if self.model.name == KLING_LIPSYNC.name:
                body = {"video_url": video, "audio_file": audio}
            else:
                body = {"video": video, "audio": audio}
        else:
            raise CapabilityError(f"cannot serve {request.kind}", provider=self.info.id)
        return {**self.model.defaults, **body}

    # -- RemoteProvider ----------------------------------------------------------------------

    def submit(self, request: Request, ctx: RunContext) -> str:
        body: dict[str, Any] = {"input": self.payload(request)}
        if self.model.version:
            answer = self.client.create("v1/predictions", {"version": self.model.version, **body})
        else:
            answer = self.client.create(f"v1/models/{self.model.name}/predictions", body)
        prediction_id: str = require(answer, "id", provider=self.info.id)
        return prediction_id

    def _prediction(self, prediction_id: str) -> Mapping[str, Any]:
        data = self.client.read(f"v1/predictions/{prediction_id}")
        if not isinstance(data, Mapping):
            raise TransientError("malformed prediction: not an object", provider=self.info.id)
        return data

    def poll(self, request_id: str) -> Poll:
        data = self._prediction(request_id)
        status = require(data, "status", provider=self.info.id)
        if status not in _STATES:
            raise TransientError(f"malformed status {status!r}", provider=self.info.id)
        logs = tuple(line for line in str(data.get("logs") or "").splitlines() if line.strip())
        state = _STATES[status]
        if state is PollState.FAILED:
            error = str(data.get("error") or "prediction failed")
            if is_moderation(error):
                raise Refused(error, provider=self.info.id)
            return Poll(state, logs=logs[-20:], error=error)
        return Poll(state, progress=1.0 if state is PollState.DONE else None, logs=logs[-20:])

    def fetch(self, request_id: str, request: Request, ctx: RunContext) -> Output:
        data = self._prediction(request_id)
        status = data.get("status")
        if status != "succeeded":
            error = str(data.get("error") or f"prediction is {status}")
            if is_moderation(error):
                raise Refused(error, provider=self.info.id)
            raise ProviderFailed(error, provider=self.info.id)
        output = data.get("output")
        if isinstance(output, list) and output:
            output = output[0]
        if isinstance(output, Mapping):  # some models answer {"video": url}
            output = next((v for v in output.values() if isinstance(v, str)), None)
        if not isinstance(output, str) or not output:
            raise TransientError("malformed prediction: no output URL", provider=self.info.id)
        dest = output_path(ctx.workdir, f"{self.info.id}-{request_id}", output)
        mime = self.client.download(output, dest)
        metrics = data.get("metrics") if isinstance(data.get("metrics"), Mapping) else {}
        metadata: dict[str, Any] = {
            "request_id": request_id,
            "model": self.model.name,
            "url": output,
            "predict_time": (metrics or {}).get("predict_time"),
        }
        fitted = conform(request, self.info).request
        if isinstance(fitted, VideoRequest) and self.model.passthrough:
            return Output(path=dest, mime=mime or "video/mp4", metadata=metadata)
        if isinstance(fitted, VideoRequest):
            width, height = _output_size(fitted.width, fitted.height)
            return Output(
                path=dest,
                mime=mime or "video/mp4",
                duration=float(fitted.duration),
                fps=fitted.fps,
                width=width,
                height=height,
                metadata=metadata,
            )
        duration = fitted.duration if isinstance(fitted, LipsyncRequest) else None
        return Output(path=dest, mime=mime or "video/mp4", duration=duration, metadata=metadata)

    def cancel(self, request_id: str) -> None:
        self.client.command("POST", f"v1/predictions/{request_id}/cancel")

    def close(self) -> None:
        self.client.close()


def replicate_providers(
    api_token: str | SecretStr, base_url: str = "https://api.replicate.com"
) -> list[ReplicateProvider]:
    return [ReplicateProvider(m, api_token=api_token, base_url=base_url) for m in MODELS.values()]
