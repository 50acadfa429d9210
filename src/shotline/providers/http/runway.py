"""Runway image-to-video (API version 2024-11-06).

    POST   {base}/v1/image_to_video  {promptImage, promptText, model, ratio, duration, seed} -> {id}
    GET    {base}/v1/tasks/{id}  -> PENDING | THROTTLED | RUNNING | SUCCEEDED | FAILED | CANCELLED
    DELETE {base}/v1/tasks/{id}

Every call carries ``Authorization: Bearer <key>`` and ``X-Runway-Version``. Runway takes a fixed
set of output sizes ("ratios"); a request whose aspect ratio is not one of them is refused with a
``CapabilityError`` rather than silently cropped. A ``FAILED`` task with a ``SAFETY`` failure code
raises ``Refused`` from ``poll``/``fetch``; other failures come back as ``PollState.FAILED``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
from pydantic import SecretStr

from shotline.providers.conform import conform
from shotline.providers.contracts import (
    Capabilities,
    Kind,
    Output,
    PerSecond,
    Poll,
    PollState,
    ProviderInfo,
    Request,
    RunContext,
    VideoRequest,
)
from shotline.providers.errors import CapabilityError, ProviderFailed, Refused, TransientError
from shotline.providers.http.client import (
    DEFAULT_TIMEOUT,
    HttpClient,
    authorization,
    data_uri,
    output_path,
    require,
)

API_VERSION = "2024-11-06"
IMAGE_DATA_URI_LIMIT = 5 * 1024 * 1024  # Runway's cap on an inline image (bytes of the URI)
RATIOS: tuple[tuple[int, int], ...] = (
    (1280, 720),
    (720, 1280),
    (1104, 832),
    (832, 1104),
    (960, 960),
    (1584, 672),
)
_STATES = {
    "PENDING": PollState.QUEUED,
    "THROTTLED": PollState.QUEUED,
    "RUNNING": PollState.RUNNING,
    "SUCCEEDED": PollState.DONE,
    "FAILED": PollState.FAILED,
    "CANCELLED": PollState.CANCELED,
}


def ratio_for(width: int, height: int, ratios: tuple[tuple[int, int], ...] = RATIOS) -> str:
    """The exact size if Runway has it, else the one size with the same aspect ratio."""
    if (width, height) in ratios:
        return f"{width}:{height}"
    aspect = Fraction(width, height)
    for w, h in ratios:
        if Fraction(w, h) == aspect:
            return f"{w}:{h}"
    sizes = ", ".join(f"{w}x{h}" for w, h in ratios)
    raise CapabilityError(f"{width}x{height} has no matching Runway size ({sizes})")


def _is_safety(code: str) -> bool:
    return "SAFETY" in code.upper()  # SAFETY.INPUT.IMAGE, INPUT_PREPROCESSING.SAFETY.TEXT ...


class RunwayProvider:
    """Runway Gen-4 Turbo image-to-video (``RemoteProvider``)."""

    def __init__(
        self,
        *,
        api_key: str | SecretStr,
        base_url: str = "https://api.dev.runwayml.com",
        model: str = "gen4_turbo",
        usd_per_second: Decimal = Decimal("0.05"),
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        client: HttpClient | None = None,
        **client_options: Any,
    ) -> None:
        self.model = model
        # gen4_turbo: duration 5 or 10 s, one of RATIOS as its output size, 5 credits ($0.05)
        # a second (README table; the sources are cited there).
        caps = Capabilities(first_frame=True, durations=(Fraction(5), Fraction(10)), sizes=RATIOS)
        self.info = ProviderInfo(
            id=f"runway.{model.replace('_', '-')}",
            kind=Kind.VIDEO,
            model=model,
            version=API_VERSION,
            label=f"Runway {model}",
            capabilities=caps,
            pricing=PerSecond({0: usd_per_second}, capabilities=caps),
            queue="cloud-runway",
            endpoints=(model,),
        )
        self.client = client or HttpClient(
            base_url,
            provider=self.info.id,
            headers={
                "Authorization": authorization("Bearer", api_key),
                "X-Runway-Version": API_VERSION,
            },
            timeout=timeout,
            **client_options,
        )

    def _fitted(self, request: Request) -> VideoRequest:
        fitted = conform(request, self.info).request
        if not isinstance(fitted, VideoRequest):
            raise CapabilityError(f"cannot serve {request.kind}", provider=self.info.id)
        return fitted

    def _seconds(self, request: VideoRequest) -> int:
        """The model's seconds for a conformed request (the one rounding rule: up)."""
        seconds = self.info.capabilities.length(request.frames, request.fps, self.info.id).seconds
        return int(seconds or 0)

    def payload(self, request: Request) -> dict[str, Any]:
        fitted = self._fitted(request)
        if fitted.first_frame is None:
            raise CapabilityError("needs a first frame", provider=self.info.id)
        try:
            ratio = ratio_for(fitted.width, fitted.height)
        except CapabilityError as exc:
            raise CapabilityError(str(exc), provider=self.info.id) from None
        image = data_uri(fitted.first_frame)
        if len(image) > IMAGE_DATA_URI_LIMIT:
            raise CapabilityError(
                f"{fitted.first_frame.name} is too large to send inline (Runway's limit is 5 MB)",
                provider=self.info.id,
            )
        body: dict[str, Any] = {
            "promptImage": image,
            "promptText": fitted.prompt,
            "model": self.model,
            "ratio": ratio,
            "duration": self._seconds(fitted),
        }
        if fitted.seed is not None:
            body["seed"] = fitted.seed
        return body

    def submit(self, request: Request, ctx: RunContext) -> str:
        answer = self.client.create("v1/image_to_video", self.payload(request))
        task_id: str = require(answer, "id", provider=self.info.id)
        return task_id

    def _task(self, task_id: str) -> dict[str, Any]:
        data = self.client.read(f"v1/tasks/{task_id}")
        if not isinstance(data, dict):
            raise TransientError("malformed task: not an object", provider=self.info.id)
        return data

    def _failure(self, data: dict[str, Any]) -> str:
        code = str(data.get("failureCode") or "")
        message = str(data.get("failure") or "task failed")
        if _is_safety(code):
            raise Refused(f"{message} ({code})", provider=self.info.id)
        return f"{message} ({code})" if code else message

    def poll(self, request_id: str) -> Poll:
        data = self._task(request_id)
        status = require(data, "status", provider=self.info.id)
        if status not in _STATES:
            raise TransientError(f"malformed status {status!r}", provider=self.info.id)
        state = _STATES[status]
        if state is PollState.FAILED:
            return Poll(state, error=self._failure(data))
        progress = data.get("progress")
        if state is PollState.DONE:
            progress = 1.0
        return Poll(state, progress=float(progress) if isinstance(progress, int | float) else None)

    def fetch(self, request_id: str, request: Request, ctx: RunContext) -> Output:
        data = self._task(request_id)
        if data.get("status") != "SUCCEEDED":
            raise ProviderFailed(
                self._failure(data) if data.get("status") == "FAILED" else str(data.get("status")),
                provider=self.info.id,
            )
        url = require(data, "output", 0, provider=self.info.id)
        dest = output_path(ctx.workdir, f"{self.info.id}-{request_id}", url)
        mime = self.client.download(url, dest)
        fitted = self._fitted(request)
        width, height = (int(v) for v in ratio_for(fitted.width, fitted.height).split(":"))
        return Output(
            path=dest,
            mime=mime or "video/mp4",
            duration=float(self._seconds(fitted)),
            width=width,
            height=height,
            metadata={"request_id": request_id, "model": self.model, "url": url},
        )

    def cancel(self, request_id: str) -> None:
        self.client.command("DELETE", f"v1/tasks/{request_id}")

    def close(self) -> None:
        self.client.close()
