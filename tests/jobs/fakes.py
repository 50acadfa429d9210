"""Fake providers for the job engine: a counting local one and a remote one that talks HTTP to a
tiny fake service on 127.0.0.1, which counts submissions and can hold a job until told to finish
(so a worker in another process can be killed mid-job)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from shotline.providers.contracts import (
    ImageRequest,
    Kind,
    Output,
    PerCall,
    Poll,
    PollState,
    ProviderInfo,
    Request,
    RunContext,
    request_params,
)
from shotline.providers.errors import CapabilityError, NotDelivered, RateLimited, TransientError

PRICE = Decimal("0.04")


def image_bytes(request: Request) -> bytes:
    """Deterministic output: the same request makes the same bytes (one asset)."""
    return b"FAKEIMG" + json.dumps(request_params(request), sort_keys=True).encode()


class CountingLocal:
    """A local provider that counts its calls; ``script`` decides what each call does."""

    def __init__(
        self,
        pid: str = "fake.local",
        *,
        kind: Kind = Kind.IMAGE,
        queue: str = "cpu",
        model_type: str = "",
        price: Decimal = PRICE,
        errors: list[Exception] | None = None,
        gate: threading.Event | None = None,
    ) -> None:
        self.info = ProviderInfo(id=pid, kind=kind, model="fake-1", pricing=PerCall(price),
                                 queue=queue, model_type=model_type)  # fmt: skip
        self.calls = 0
        self.order: list[str] = []
        self.vram_clears = 0
        self.errors = list(errors or [])  # raised by the first calls, in order
        self.gate = gate  # when set, generate waits for it
        self._lock = threading.Lock()

    def generate(self, request: Request, ctx: RunContext) -> Output:
        with self._lock:
            self.calls += 1
            prompt = getattr(request, "prompt", "")
            self.order.append(prompt)
            error = self.errors.pop(0) if self.errors else None
        if self.gate is not None:
            self.gate.wait(30)
        if error is not None:
            raise error
        ctx.progress(0.5, "halfway")
        path = ctx.workdir / "out.bin"
        path.write_bytes(image_bytes(request))
        width = request.width if isinstance(request, ImageRequest) else None
        return Output(path=path, mime="image/png", width=width)

    def clear_vram(self) -> None:
        with self._lock:
            self.vram_clears += 1


# -- the fake remote service -------------------------------------------------------------------


@dataclass
class FakeJob:
    id: str
    body: dict[str, Any]
    state: str = "queued"
    polls: int = 0


@dataclass
class FakeService:
    """Behaviour knobs and counters, shared with the HTTP handler thread."""

    hold: bool = False  # jobs stay "running" until ``complete``
    rate_limit_polls: int = 0  # first N polls answer 429
    rate_limit_submits: int = 0  # first N submissions answer 429 (and create nothing)
    lose_submit_replies: int = 0  # first N accepted submissions get no reply (conn. closed)
    retry_after: float = 0.5
    fail_jobs: bool = False  # jobs end "failed"
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    submissions: int = 0  # jobs created
    submit_times: list[float] = field(default_factory=list)  # every POST /jobs, accepted or not
    cancels: list[str] = field(default_factory=list)
    poll_times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def complete(self, job_id: str) -> None:
        with self.lock:
            self.jobs[job_id].state = "done"


def _handler(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(
            self, code: int, body: bytes | dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(code)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            parts = self.path.strip("/").split("/")
            if parts == ["jobs"]:
                with service.lock:
                    service.submit_times.append(time.monotonic())
                    if len(service.submit_times) <= service.rate_limit_submits:
                        headers = {"Retry-After": str(service.retry_after)}
                        self._send(429, {"error": "slow down"}, headers)
                        return
                    service.submissions += 1
                    job = FakeJob(uuid.uuid4().hex, body)
                    service.jobs[job.id] = job
                    lose = service.submissions <= service.lose_submit_replies
                if lose:  # created (and billed), but the answer never arrives
                    self.close_connection = True
                    return
                self._send(200, {"id": job.id})
            elif len(parts) == 3 and parts[2] == "cancel":
                with service.lock:
                    service.cancels.append(parts[1])
                    if parts[1] in service.jobs:
                        service.jobs[parts[1]].state = "canceled"
                self._send(200, {})
            elif len(parts) == 3 and parts[2] == "complete":
                service.complete(parts[1])
                self._send(200, {})
            else:
                self._send(404, {"error": "no route"})

        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            with service.lock:
                job = service.jobs.get(parts[1]) if len(parts) >= 2 else None
                if job is None:
                    self._send(404, {"error": "no job"})
                    return
                if len(parts) == 3 and parts[2] == "result":
                    self._send(200, b"FAKEREMOTE" + json.dumps(job.body, sort_keys=True).encode())
                    return
                service.poll_times.append(time.monotonic())
                job.polls += 1
                if job.polls <= service.rate_limit_polls:
                    headers = {"Retry-After": str(service.retry_after)}
                    self._send(429, {"error": "slow down"}, headers)
                    return
                if job.state == "queued":
                    job.state = "running"
                elif job.state == "running" and not service.hold:
                    job.state = "failed" if service.fail_jobs else "done"
                self._send(200, {"state": job.state, "progress": 0.5})

    return Handler


class FakeServer:
    def __init__(self, service: FakeService | None = None) -> None:
        self.service = service or FakeService()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.service))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeRemote:
    """A remote provider speaking the fake service's protocol, errors mapped like the real ones
    (``shotline.providers.http.client``). ``submit_errors`` are raised by the first submit calls,
    in order, before anything is sent."""

    def __init__(
        self,
        url: str,
        pid: str = "fake.remote",
        queue: str = "cloud-fal",
        *,
        submit_errors: list[Exception] | None = None,
    ) -> None:
        self.info = ProviderInfo(id=pid, kind=Kind.IMAGE, model="fake-remote-1",
                                 pricing=PerCall(PRICE), queue=queue)  # fmt: skip
        self.http = httpx.Client(base_url=url, timeout=5)
        self.submit_errors = list(submit_errors or [])
        self.submit_calls = 0
        self._lock = threading.Lock()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise NotDelivered(str(exc), provider=self.info.id) from exc
        except httpx.TransportError as exc:  # sent, then no (complete) answer
            raise TransientError(str(exc), provider=self.info.id) from exc
        return self._check(response)

    def _check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code == 429:
            retry = float(response.headers.get("Retry-After", "1"))
            raise RateLimited("429", provider=self.info.id, retry_after=retry)
        if response.status_code >= 500:
            raise TransientError(f"{response.status_code}", provider=self.info.id)
        if response.status_code >= 400:
            raise CapabilityError(response.text, provider=self.info.id)
        return response

    def submit(self, request: Request, ctx: RunContext) -> str:
        with self._lock:
            self.submit_calls += 1
            error = self.submit_errors.pop(0) if self.submit_errors else None
        if error is not None:
            raise error
        response = self._request("POST", "/jobs", json=request_params(request))
        return str(response.json()["id"])

    def poll(self, request_id: str) -> Poll:
        data = self._request("GET", f"/jobs/{request_id}").json()
        state = PollState(data["state"])
        error = "the fake failed it" if state is PollState.FAILED else None
        return Poll(state=state, progress=data.get("progress"), error=error)

    def fetch(self, request_id: str, request: Request, ctx: RunContext) -> Output:
        response = self._request("GET", f"/jobs/{request_id}/result")
        path = ctx.workdir / "remote.bin"
        path.write_bytes(response.content)
        return Output(path=path, mime="image/png")

    def cancel(self, request_id: str) -> None:
        self._request("POST", f"/jobs/{request_id}/cancel", json={})
