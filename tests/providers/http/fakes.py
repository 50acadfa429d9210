"""Local fake servers that follow each service's documented protocol, failures included.

Every fake listens on 127.0.0.1 on an ephemeral port, records every request (method, path,
query, headers, raw and JSON body), and is scriptable per route: ``fake.push(route, *behaviours)``
queues what the next calls to that route do. Generic behaviours, understood by every route:

    "ok"           the normal answer (the default when the queue is empty)
    "500" "503"    a server error with a JSON body
    "429"          Too Many Requests with ``Retry-After: 2``; "429-date" with an HTTP date
    "401" "403" "404" "400" "422"   a client error with a generic JSON body
    "hang"         sleep longer than the client's timeout, then close without answering
    "drop"         close the connection without a response
    "malformed"    200 with an HTML body
    "wrong-shape"  200 with JSON of the wrong shape

Other behaviour names ("moderation", "validation" ...) are handled by the service's route.
Job outcomes (succeed, fail, refuse) are queued with ``fake.outcomes.append(...)`` before submit.
"""

from __future__ import annotations

import contextlib
import email.utils
import itertools
import json
import re
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

HANG_SECONDS = 2.0


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    json: Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, bytes, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None


Handler = Callable[[Call, dict[str, str], str], Reply]


class FakeServer:
    """A threaded HTTP server with routes, a per-route script of behaviours, and a call log."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.script: dict[str, deque[str | Reply]] = defaultdict(deque)
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._dispatch(self)

            do_POST = do_PUT = do_DELETE = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and inspection ------------------------------------------------------------

    def route(self, method: str, pattern: str, name: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern), name, handler))

    def push(self, name: str, *behaviours: str | Reply) -> None:
        self.script[name].extend(behaviours)

    def requests(self, method: str | None = None, path: str | None = None) -> list[Call]:
        """Recorded calls, filtered by method and by a regex the path must fully match."""
        with self._lock:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if (method is None or c.method == method)
            and (path is None or re.fullmatch(path, c.path))
        ]

    # -- serving -----------------------------------------------------------------------------

    @staticmethod
    def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
        if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(handler.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    handler.rfile.readline()
                    return b"".join(chunks)
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline()
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""

    @staticmethod
    def _close(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        body = self._read_body(handler)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        call = Call(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            json=parsed,
        )
        with self._lock:
            self.calls.append(call)
        for method, pattern, name, route in self._routes:  # noqa: B007 (used after the loop)
            match = pattern.fullmatch(parts.path)
            if method == call.method and match:
                break
        else:
            self._send(handler, Reply(404, {"detail": f"no route for {call.method} {call.path}"}))
            return
        with self._lock:
            behaviour: str | Reply = self.script[name].popleft() if self.script[name] else "ok"
        if behaviour == "drop":
            self._close(handler)
            return
        if behaviour == "hang":
            self._stop.wait(HANG_SECONDS)
            self._close(handler)
            return
        reply = behaviour if isinstance(behaviour, Reply) else self._generic(behaviour)
        if reply is None:
            assert isinstance(behaviour, str)
            reply = route(call, match.groupdict(), behaviour)
        self._send(handler, reply)

    @staticmethod
    def _generic(behaviour: str) -> Reply | None:
        if behaviour == "429":
            return Reply(429, {"detail": "Too many requests"}, {"Retry-After": "2"})
        if behaviour == "429-date":
            when = email.utils.formatdate(time.time() + 3, usegmt=True)
            return Reply(429, {"detail": "Too many requests"}, {"Retry-After": when})
        if behaviour == "malformed":
            return Reply(200, b"<html><body>502 Bad Gateway</body></html>", {}, "text/html")
        if behaviour == "wrong-shape":
            return Reply(200, {"unexpected": True})
        if behaviour.isdigit():
            code = int(behaviour)
            messages = {401: "Invalid API key", 403: "Forbidden", 404: "Not found"}
            return Reply(code, {"detail": messages.get(code, f"error {code}")})
        return None

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if isinstance(reply.body, bytes):
            payload, ctype = reply.body, reply.content_type or "application/octet-stream"
        elif reply.body is None:
            payload, ctype = b"", reply.content_type or "application/json"
        else:
            payload, ctype = (
                json.dumps(reply.body).encode(),
                reply.content_type or "application/json",
            )
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(payload)))
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:  # the client gave up (timeouts)
            pass


def _mime(name: str) -> str:
    for suffix, mime in ((".mp4", "video/mp4"), (".png", "image/png"), (".jpg", "image/jpeg")):
        if name.endswith(suffix):
            return mime
    return "application/octet-stream"


class FileHost(FakeServer):
    """A CDN on another origin: result files live here (credentials must not be sent here)."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, bytes] = {}
        self.route("GET", r"/files/(?P<name>.+)", "file", self._file)

    def add(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return f"{self.url}/files/{name}"

    def _file(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        data = self.files.get(groups["name"])
        if data is None:
            return Reply(404, {"detail": "no such file"})
        return Reply(200, data, {}, _mime(groups["name"]))


class _JobFake(FakeServer):
    """Shared bits of the job-queue fakes: ids, outcomes, auth checks, progressions."""

    auth_header = "authorization"

    def __init__(self, files: FileHost, expected_auth: str | None) -> None:
        super().__init__()
        self.files = files
        self.expected_auth = expected_auth
        self.outcomes: deque[str] = deque()  # consumed one per submitted job; default "ok"
        self.jobs: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def authorized(self, call: Call) -> bool:
        return (
            self.expected_auth is None or call.headers.get(self.auth_header) == self.expected_auth
        )

    def new_job(self, prefix: str, **data: Any) -> tuple[str, dict[str, Any]]:
        job_id = f"{prefix}-{next(self._ids)}"
        job = {"polls": 0, "outcome": self.outcomes.popleft() if self.outcomes else "ok", **data}
        with self._lock:
            self.jobs[job_id] = job
        return job_id, job

    @staticmethod
    def stage(job: dict[str, Any], progression: list[str]) -> str:
        index = min(job["polls"], len(progression) - 1)
        job["polls"] += 1
        return str(progression[index])


# -- fal ---------------------------------------------------------------------------------------

FAL_POLICY = {
    "loc": ["body"],
    "msg": "The content could not be processed because it contained material flagged by a "
    "content checker.",
    "type": "content_policy_violation",
    "url": "https://docs.fal.ai/errors/#content_policy_violation",
}


# Each endpoint's published input schema (fal.ai/models/<endpoint>/llms.txt; the same fields in
# fal's generated client types, fal-ai/fal-js libs/client/src/types/endpoints.ts): the fake answers
# 422 for any other field, as fal's validation does, so a drifting request fails its test.
_LTX19_COMMON = {
    "prompt", "num_frames", "video_size", "generate_audio", "use_multiscale", "fps",
    "acceleration", "camera_lora", "camera_lora_scale", "negative_prompt", "seed",
    "enable_prompt_expansion", "enable_safety_checker", "video_output_type", "video_quality",
    "video_write_mode", "sync_mode",
}  # fmt: skip
_LTX19_I2V = _LTX19_COMMON | {
    "image_url", "end_image_url", "image_strength", "end_image_strength",
    "interpolation_direction",
}  # fmt: skip
_LTX_PRO = {"prompt", "duration", "resolution", "fps", "generate_audio"}
_IMG_SIZE = {"prompt", "image_size", "num_inference_steps", "seed", "guidance_scale", "sync_mode",
             "num_images", "enable_safety_checker", "output_format", "acceleration"}  # fmt: skip
_NANO = {"prompt", "num_images", "aspect_ratio", "output_format", "sync_mode",
         "limit_generations", "safety_tolerance", "seed"}  # fmt: skip
_KONTEXT = {"prompt", "seed", "guidance_scale", "sync_mode", "num_images", "output_format",
            "safety_tolerance", "enhance_prompt", "aspect_ratio"}  # fmt: skip
FAL_SCHEMAS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # endpoint: (required, allowed)
    "fal-ai/ltx-2-19b/distilled/image-to-video": (
        frozenset({"prompt", "image_url"}), frozenset(_LTX19_I2V)),
    "fal-ai/ltx-2-19b/distilled/text-to-video": (frozenset({"prompt"}), frozenset(_LTX19_COMMON)),
    "fal-ai/ltx-2/image-to-video": (
        frozenset({"prompt", "image_url"}), frozenset(_LTX_PRO | {"image_url"})),
    "fal-ai/ltx-2/text-to-video": (frozenset({"prompt"}), frozenset(_LTX_PRO)),
    "fal-ai/flux-2": (frozenset({"prompt"}), frozenset(_IMG_SIZE | {"enable_prompt_expansion"})),
    "fal-ai/flux-2/edit": (frozenset({"prompt", "image_urls"}),
                           frozenset(_IMG_SIZE | {"enable_prompt_expansion", "image_urls"})),
    "fal-ai/qwen-image-edit": (frozenset({"prompt", "image_url"}),
                               frozenset(_IMG_SIZE | {"negative_prompt", "image_url"})),
    "fal-ai/qwen-image-edit-plus": (frozenset({"prompt", "image_urls"}),
                                    frozenset(_IMG_SIZE | {"negative_prompt", "image_urls"})),
    "fal-ai/nano-banana": (frozenset({"prompt"}), frozenset(_NANO)),
    "fal-ai/nano-banana/edit": (frozenset({"prompt", "image_urls"}),
                                frozenset(_NANO | {"image_urls"})),
    "fal-ai/flux-pro/kontext": (frozenset({"prompt", "image_url"}),
                                frozenset(_KONTEXT | {"image_url"})),
    "fal-ai/flux-pro/kontext/text-to-image": (frozenset({"prompt"}), frozenset(_KONTEXT)),
    "fal-ai/reve/edit": (frozenset({"prompt", "image_url"}),
                         frozenset({"prompt", "image_url", "num_images", "output_format",
                                    "sync_mode"})),
    "fal-ai/reve/text-to-image": (frozenset({"prompt"}),
                                  frozenset({"prompt", "aspect_ratio", "num_images",
                                             "output_format", "sync_mode"})),
    "fal-ai/flux-pulid": (frozenset({"prompt", "reference_image_url"}),
                          frozenset({"prompt", "reference_image_url", "image_size",
                                     "num_inference_steps", "seed", "guidance_scale",
                                     "negative_prompt", "sync_mode", "start_step", "true_cfg",
                                     "id_weight", "enable_safety_checker",
                                     "max_sequence_length"})),
}  # fmt: skip
_NANO_RATIOS = ("21:9", "16:9", "3:2", "4:3", "5:4", "1:1", "4:5", "3:4", "2:3", "9:16")
_KONTEXT_RATIOS = ("21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21")
# Enumerations and ranges the pages publish, for the fields we send.
FAL_VALUES: dict[str, dict[str, Callable[[Any], bool]]] = {
    "fal-ai/ltx-2-19b/distilled/image-to-video": {
        "num_frames": lambda v: isinstance(v, int) and 9 <= v <= 481},
    "fal-ai/ltx-2-19b/distilled/text-to-video": {
        "num_frames": lambda v: isinstance(v, int) and 9 <= v <= 481},
    "fal-ai/ltx-2/image-to-video": {
        "duration": lambda v: v in (6, 8, 10), "fps": lambda v: v in (25, 50),
        "resolution": lambda v: v in ("1080p", "1440p", "2160p")},
    "fal-ai/ltx-2/text-to-video": {
        "duration": lambda v: v in (6, 8, 10), "fps": lambda v: v in (25, 50),
        "resolution": lambda v: v in ("1080p", "1440p", "2160p")},
    "fal-ai/nano-banana": {"aspect_ratio": lambda v: v in _NANO_RATIOS},
    "fal-ai/nano-banana/edit": {"aspect_ratio": lambda v: v in ("auto", *_NANO_RATIOS)},
    "fal-ai/flux-pro/kontext": {"aspect_ratio": lambda v: v in _KONTEXT_RATIOS},
    "fal-ai/flux-pro/kontext/text-to-image": {"aspect_ratio": lambda v: v in _KONTEXT_RATIOS},
    "fal-ai/reve/text-to-image": {
        "aspect_ratio": lambda v: v in ("16:9", "9:16", "3:2", "2:3", "4:3", "3:4", "1:1")},
}  # fmt: skip


def schema_errors(
    body: Any,
    schemas: dict[str, tuple[frozenset[str], frozenset[str]]],
    values: dict[str, dict[str, Callable[[Any], bool]]],
    endpoint: str,
) -> list[dict[str, Any]]:
    """Pydantic-style 422 details for a body that does not follow ``endpoint``'s schema; an
    endpoint without a published schema here (a pass-through) accepts anything."""
    if endpoint not in schemas:
        return []
    if not isinstance(body, dict):
        return [{"loc": ["body"], "msg": "Input should be an object", "type": "dict_type"}]
    required, allowed = schemas[endpoint]
    errors = [{"loc": ["body", k], "msg": "Extra inputs are not permitted",
               "type": "extra_forbidden"} for k in sorted(set(body) - allowed)]  # fmt: skip
    errors += [{"loc": ["body", k], "msg": "Field required", "type": "missing"}
               for k in sorted(required - set(body))]  # fmt: skip
    for key, ok in values.get(endpoint, {}).items():
        if key in body and not ok(body[key]):
            errors.append({"loc": ["body", key], "msg": f"Input {body[key]!r} is not allowed",
                           "type": "enum"})  # fmt: skip
    return errors


class FalFake(_JobFake):
    """fal's queue: submit, status (IN_QUEUE -> IN_PROGRESS -> COMPLETED), result, cancel.

    Outcomes: "ok", "completed-with-error", "moderation".
    """

    def __init__(self, files: FileHost, key: str = "fal-test-key") -> None:
        super().__init__(files, f"Key {key}")
        self.progression = ["IN_QUEUE", "IN_QUEUE", "IN_PROGRESS", "COMPLETED"]
        self.rejected: list[tuple[str, list[dict[str, Any]]]] = []  # schema refusals
        self.video = b"\x00\x00\x00\x18ftypmp42 fal video bytes"
        self.image = b"\x89PNG\r\n\x1a\n fal image bytes"
        app = r"(?P<app>[^/]+/[^/]+)"
        self.route("GET", rf"/{app}/requests/(?P<id>[^/]+)/status", "status", self._status)
        self.route("GET", rf"/{app}/requests/(?P<id>[^/]+)", "result", self._result)
        self.route("PUT", rf"/{app}/requests/(?P<id>[^/]+)/cancel", "cancel", self._cancel)
        self.route("POST", r"/(?P<path>[^/]+/[^/]+(?:/.*)?)", "submit", self._submit)

    def _job(self, groups: dict[str, str]) -> dict[str, Any] | None:
        job = self.jobs.get(groups["id"])
        return job if job is not None and job["app"] == groups["app"] else None

    def _submit(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        if not self.authorized(call):
            return Reply(401, {"detail": "Invalid key"})
        if behaviour == "validation":
            detail = {
                "loc": ["body", "image_urls"],
                "msg": "Maximum 3 reference images allowed",
                "type": "value_error",
            }
            return Reply(422, {"detail": [detail]})
        if behaviour == "moderation":
            return Reply(422, {"detail": [FAL_POLICY]})
        path = groups["path"]
        errors = schema_errors(call.json, FAL_SCHEMAS, FAL_VALUES, path)
        if errors:
            self.rejected.append((path, errors))
            return Reply(422, {"detail": errors})
        app = "/".join(path.split("/")[:2])
        job_id, _ = self.new_job("fal", app=app, path=path, input=call.json)
        base = f"{self.url}/{app}/requests/{job_id}"
        return Reply(
            200,
            {
                "request_id": job_id,
                "response_url": base,
                "status_url": f"{base}/status",
                "cancel_url": f"{base}/cancel",
            },
        )

    def _status(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        job = self._job(groups)
        if not self.authorized(call):
            return Reply(401, {"detail": "Invalid key"})
        if job is None:
            return Reply(404, {"detail": "Request not found"})
        if job.get("canceled"):
            return Reply(200, {"status": "CANCELED"})
        stage = self.stage(job, self.progression)
        if stage == "IN_QUEUE":
            position = max(0, self.progression.count("IN_QUEUE") - job["polls"])
            return Reply(202, {"status": "IN_QUEUE", "queue_position": position})
        if stage == "IN_PROGRESS":
            logs = [{"message": "loading model", "level": "INFO", "timestamp": "t"}]
            return Reply(202, {"status": "IN_PROGRESS", "logs": logs})
        job["completed"] = True
        answer: dict[str, Any] = {"status": "COMPLETED", "logs": []}
        if job["outcome"] == "completed-with-error":
            answer.update(error="Internal error during inference", error_type="runner_error")
        elif job["outcome"] == "moderation":
            answer.update(error=FAL_POLICY["msg"], error_type="content_policy_violation")
        return Reply(200, answer)

    def _result(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        job = self._job(groups)
        if not self.authorized(call):
            return Reply(401, {"detail": "Invalid key"})
        if job is None:
            return Reply(404, {"detail": "Request not found"})
        if not job.get("completed"):
            return Reply(400, {"detail": "Request is still in progress"})
        if job["outcome"] == "moderation":
            return Reply(422, {"detail": [FAL_POLICY]})
        if job["outcome"] == "completed-with-error":
            return Reply(500, {"detail": "Internal error during inference"})
        name = groups["id"]
        if "video" in job["path"]:
            url = self.files.add(f"{name}.mp4", self.video)
            return Reply(200, {"video": {"url": url, "content_type": "video/mp4"}, "seed": 7})
        url = self.files.add(f"{name}.png", self.image)
        image = {"url": url, "width": 1024, "height": 768, "content_type": "image/png"}
        return Reply(200, {"images": [image], "seed": 7})

    def _cancel(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        job = self._job(groups)
        if job is None:
            return Reply(404, {"detail": "Request not found"})
        if job.get("completed"):
            return Reply(400, {"status": "ALREADY_COMPLETED"})
        job["canceled"] = True
        return Reply(202, {"status": "CANCELLATION_REQUESTED"})


# -- Replicate ---------------------------------------------------------------------------------

REPLICATE_ERRORS = {
    "failed": "CUDA out of memory",
    "nsfw": "NSFW content detected. Try running it again, or try a different prompt.",
    "flagged": "The input or output was flagged as sensitive. Please try again with different "
    "inputs. (E005)",
}


# Model inputs (Replicate answers 422 "Input validation failed" for others). WAN 2.2 i2v fast
# from mirrors of its Replicate schema (README table); Kling and sync from their model pages.
REPLICATE_SCHEMAS = {
    "wan-video/wan-2.2-i2v-fast": (
        frozenset({"image", "prompt"}),
        frozenset({"image", "prompt", "last_image", "num_frames", "frames_per_second",
                   "resolution", "aspect_ratio", "go_fast", "sample_shift", "seed",
                   "disable_safety_checker", "interpolate_output", "lora_weights_transformer",
                   "lora_scale_transformer", "lora_weights_transformer_2",
                   "lora_scale_transformer_2"}),
    ),
    "kwaivgi/kling-lip-sync": (
        frozenset({"video_url"}),
        frozenset({"video_url", "audio_file", "text", "voice_id", "voice_speed"}),
    ),
    "sync/lipsync-2": (
        frozenset({"video", "audio"}),
        frozenset({"video", "audio", "sync_mode", "temperature", "active_speaker"}),
    ),
}  # fmt: skip
REPLICATE_VALUES: dict[str, dict[str, Callable[[Any], bool]]] = {
    "wan-video/wan-2.2-i2v-fast": {
        "num_frames": lambda v: isinstance(v, int) and 81 <= v <= 121,
        "frames_per_second": lambda v: isinstance(v, int) and 5 <= v <= 30,
        "resolution": lambda v: v in ("480p", "720p"),
    }
}  # fmt: skip


class ReplicateFake(_JobFake):
    """Replicate predictions: starting -> processing -> succeeded | failed | canceled.

    Outcomes: "ok", "ok-list" (output as a list), "failed", "nsfw", "flagged".
    """

    def __init__(self, files: FileHost, token: str = "r8_test") -> None:
        super().__init__(files, f"Bearer {token}")
        self.progression = ["starting", "processing", "processing", "succeeded"]
        self.rejected: list[tuple[str, list[dict[str, Any]]]] = []
        self.video = b"\x00\x00\x00\x18ftypmp42 replicate video"
        self.uploads: dict[str, bytes] = {}
        pred = r"/v1/predictions/(?P<id>[^/]+)"
        self.route(
            "POST",
            r"/v1/models/(?P<owner>[^/]+)/(?P<name>[^/]+)/predictions",
            "create",
            self._create,
        )
        self.route("POST", r"/v1/predictions", "create", self._create)
        self.route("POST", r"/v1/files", "upload", self._upload)
        self.route("GET", pred, "get", self._get)
        self.route("POST", pred + "/cancel", "cancel", self._cancel)

    def _view(self, job_id: str, job: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": job_id,
            "model": job["model"],
            "version": job.get("version") or "v-hash",
            "input": job["input"],
            "status": job["status"],
            "output": job.get("output"),
            "error": job.get("error"),
            "logs": job.get("logs", ""),
            "metrics": {"predict_time": 1.5} if job["status"] == "succeeded" else {},
            "urls": {
                "get": f"{self.url}/v1/predictions/{job_id}",
                "cancel": f"{self.url}/v1/predictions/{job_id}/cancel",
            },
        }

    def _create(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        if not self.authorized(call):
            return Reply(
                401, {"title": "Unauthenticated", "detail": "Invalid token.", "status": 401}
            )
        if behaviour == "validation":
            return Reply(
                422,
                {
                    "title": "Input validation failed",
                    "detail": "- input.duration: Must be less than or equal to 10",
                    "status": 422,
                },
            )
        if behaviour == "402":
            return Reply(
                402,
                {
                    "title": "Insufficient credit",
                    "detail": "You have insufficient credit to run this model.",
                    "status": 402,
                },
            )
        body = call.json or {}
        model = f"{groups['owner']}/{groups['name']}" if "owner" in groups else "pinned"
        errors = schema_errors(body.get("input"), REPLICATE_SCHEMAS, REPLICATE_VALUES, model)
        if errors:
            self.rejected.append((model, errors))
            detail = "; ".join(f"- input.{e['loc'][1]}: {e['msg']}" for e in errors)
            return Reply(422, {"title": "Input validation failed", "detail": detail,
                               "status": 422})  # fmt: skip
        job_id, job = self.new_job(
            "pred",
            model=model,
            version=body.get("version"),
            input=body.get("input"),
            status="starting",
        )
        return Reply(201, self._view(job_id, job))

    def _upload(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        if not self.authorized(call):
            return Reply(401, {"detail": "Invalid token."})
        file_id = f"file-{len(self.uploads) + 1}"
        self.uploads[file_id] = call.body
        return Reply(
            201, {"id": file_id, "urls": {"get": f"{self.url}/v1/files/{file_id}/download"}}
        )

    def _get(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        if not self.authorized(call):
            return Reply(401, {"detail": "Invalid token."})
        job = self.jobs.get(groups["id"])
        if job is None:
            return Reply(404, {"detail": "Not found."})
        if job["status"] not in ("succeeded", "failed", "canceled"):
            job["status"] = self.stage(job, self.progression)
            if job["status"] == "processing":
                job["logs"] = "loading\n 50%|#####     | 15/30"
            if job["status"] == "succeeded":
                outcome = job["outcome"]
                if outcome in REPLICATE_ERRORS:
                    job["status"], job["error"] = "failed", REPLICATE_ERRORS[outcome]
                else:
                    url = self.files.add(f"{groups['id']}.mp4", self.video)
                    job["output"] = [url] if outcome == "ok-list" else url
        return Reply(200, self._view(groups["id"], job))

    def _cancel(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        job = self.jobs.get(groups["id"])
        if job is None:
            return Reply(404, {"detail": "Not found."})
        if job["status"] not in ("succeeded", "failed"):
            job["status"] = "canceled"
        return Reply(200, self._view(groups["id"], job))


# -- Runway ------------------------------------------------------------------------------------


# Runway's POST /v1/image_to_video body (API 2024-11-06, docs.dev.runwayml.com): promptImage,
# model, ratio required; promptText, duration, seed, contentModeration optional.
RUNWAY_SCHEMAS = {
    "v1/image_to_video": (
        frozenset({"promptImage", "model", "ratio"}),
        frozenset({"promptImage", "model", "ratio", "promptText", "duration", "seed",
                   "contentModeration"}),
    )
}  # fmt: skip
RUNWAY_VALUES: dict[str, dict[str, Callable[[Any], bool]]] = {
    "v1/image_to_video": {
        "duration": lambda v: v in (5, 10),
        "ratio": lambda v: v in ("1280:720", "720:1280", "1104:832", "832:1104", "960:960",
                                 "1584:672"),
        "seed": lambda v: isinstance(v, int) and 0 <= v <= 4294967295,
    }
}  # fmt: skip


class RunwayFake(_JobFake):
    """Runway tasks: PENDING -> THROTTLED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED.

    Outcomes: "ok", "failed", "safety".
    """

    def __init__(self, files: FileHost, key: str = "rw-test") -> None:
        super().__init__(files, f"Bearer {key}")
        self.progression = ["PENDING", "THROTTLED", "RUNNING", "SUCCEEDED"]
        self.rejected: list[tuple[str, list[dict[str, Any]]]] = []
        self.video = b"\x00\x00\x00\x18ftypmp42 runway video"
        self.route("POST", r"/v1/image_to_video", "create", self._create)
        self.route("GET", r"/v1/tasks/(?P<id>[^/]+)", "task", self._task)
        self.route("DELETE", r"/v1/tasks/(?P<id>[^/]+)", "delete", self._delete)

    def _checked(self, call: Call) -> Reply | None:
        if not self.authorized(call):
            return Reply(401, {"error": "Invalid API key"})
        if call.headers.get("x-runway-version") != "2024-11-06":
            return Reply(400, {"error": "Missing or invalid X-Runway-Version header"})
        return None

    def _create(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        refused = self._checked(call)
        if refused:
            return refused
        if behaviour == "moderation":
            return Reply(400, {"error": "The prompt text did not pass content moderation."})
        errors = schema_errors(call.json, RUNWAY_SCHEMAS, RUNWAY_VALUES, "v1/image_to_video")
        if errors:
            self.rejected.append(("v1/image_to_video", errors))
            return Reply(400, {"error": "Validation of body failed", "issues": errors})
        job_id, _ = self.new_job("task", input=call.json, status="PENDING")
        return Reply(200, {"id": job_id})

    def _task(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        refused = self._checked(call)
        if refused:
            return refused
        job = self.jobs.get(groups["id"])
        if job is None:
            return Reply(404, {"error": "Task not found"})
        view: dict[str, Any] = {"id": groups["id"], "createdAt": "2025-01-01T00:00:00Z"}
        if job["status"] not in ("SUCCEEDED", "FAILED", "CANCELLED"):
            job["status"] = self.stage(job, self.progression)
            if job["status"] == "SUCCEEDED" and job["outcome"] == "failed":
                job.update(
                    status="FAILED",
                    failure="An unexpected error occurred.",
                    failureCode="INTERNAL.BAD_OUTPUT.CODE01",
                )
            elif job["status"] == "SUCCEEDED" and job["outcome"] == "safety":
                job.update(
                    status="FAILED",
                    failure="The input image did not pass moderation.",
                    failureCode="SAFETY.INPUT.IMAGE",
                )
            elif job["status"] == "SUCCEEDED":
                job["output"] = [self.files.add(f"{groups['id']}.mp4", self.video)]
        view["status"] = job["status"]
        if job["status"] == "RUNNING":
            view["progress"] = 0.4
        for key in ("output", "failure", "failureCode"):
            if key in job:
                view[key] = job[key]
        return Reply(200, view)

    def _delete(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        refused = self._checked(call)
        if refused:
            return refused
        job = self.jobs.get(groups["id"])
        if job is None:
            return Reply(404, {"error": "Task not found"})
        job["status"] = "CANCELLED"
        return Reply(204)


# -- OpenAI-compatible chat --------------------------------------------------------------------


class ChatFake(FakeServer):
    """``POST /chat/completions``; ``answers`` holds the contents to return, one per call.

    Behaviours: "content_filter", "refusal", "reject-json-schema" (400 only when the request
    asks for json_schema), "error-in-200" (an upstream error inside a 200 body).
    """

    def __init__(self, key: str | None = "sk-test", prefix: str = "") -> None:
        super().__init__()
        self.key = key
        self.answers: deque[str] = deque()
        self.route("POST", rf"{prefix}/chat/completions", "chat", self._chat)

    def _chat(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        if self.key is not None and call.headers.get("authorization") != f"Bearer {self.key}":
            return Reply(401, {"error": {"message": "No auth credentials found", "code": 401}})
        body = call.json or {}
        fmt = (body.get("response_format") or {}).get("type")
        if behaviour == "reject-json-schema" and fmt == "json_schema":
            error = {
                "message": "response_format json_schema is not supported by this model",
                "type": "invalid_request_error",
            }
            return Reply(400, {"error": error})
        if behaviour == "error-in-200":
            return Reply(200, {"error": {"message": "Upstream provider error", "code": 502}})
        content: str | None = self.answers.popleft() if self.answers else "{}"
        message: dict[str, Any] = {"role": "assistant", "content": content}
        finish = "stop"
        if behaviour == "content_filter":
            finish, message["content"] = "content_filter", None
        if behaviour == "refusal":
            message.update(content=None, refusal="I can't help with that.")
        return Reply(
            200,
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            },
        )


# -- ComfyUI -----------------------------------------------------------------------------------


class ComfyFake(FakeServer):
    """ComfyUI: /prompt, /queue, /history/{id}, /view, /interrupt, /free.

    Each ``GET /history/{id}`` moves a prompt along ``progression`` (pending, running, done);
    ``GET /queue`` reports it without moving it. Outcomes: "ok", "error".
    """

    def __init__(self) -> None:
        super().__init__()
        # Each poll reads the history, then the queue: two looks per poll while unfinished.
        self.progression = ["pending", "pending", "running", "running", "done"]
        self.image = b"\x89PNG\r\n\x1a\n comfy image bytes"
        self.outcomes: deque[str] = deque()
        self.prompts: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self._ids = itertools.count(1)
        self.route("POST", r"/prompt", "prompt", self._prompt)
        self.route("GET", r"/queue", "queue", self._queue)
        self.route("POST", r"/queue", "queue-edit", self._queue_edit)
        self.route("GET", r"/history/(?P<id>[^/]+)", "history", self._history)
        self.route("GET", r"/view", "view", self._view)
        self.route("POST", r"/interrupt", "interrupt", lambda c, g, b: Reply(200))
        self.route("POST", r"/free", "free", lambda c, g, b: Reply(200))

    def _prompt(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        body = call.json or {}
        if behaviour == "invalid" or not isinstance(body.get("prompt"), dict):
            return Reply(
                400,
                {
                    "error": {
                        "type": "prompt_outputs_failed_validation",
                        "message": "Prompt outputs failed validation",
                        "details": "",
                    },
                    "node_errors": {"4": {"errors": [{"message": "Value not in list"}]}},
                },
            )
        prompt_id = f"p-{next(self._ids)}"
        outcome = self.outcomes.popleft() if self.outcomes else "ok"
        self.prompts[prompt_id] = {"workflow": body["prompt"], "outcome": outcome, "looks": 0}
        return Reply(200, {"prompt_id": prompt_id, "number": len(self.prompts), "node_errors": {}})

    def _state(self, prompt_id: str) -> str:
        entry = self.prompts[prompt_id]
        if entry.get("deleted"):
            return "gone"
        return str(self.progression[min(entry["looks"], len(self.progression) - 1)])

    def _queue(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        running = [
            [i, pid, {}, {}, ["9"]]
            for i, pid in enumerate(self.prompts)
            if self._state(pid) == "running"
        ]
        pending = [
            [i, pid, {}, {}, ["9"]]
            for i, pid in enumerate(self.prompts)
            if self._state(pid) == "pending"
        ]
        return Reply(200, {"queue_running": running, "queue_pending": pending})

    def _queue_edit(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        for prompt_id in (call.json or {}).get("delete", []):
            self.deleted.append(prompt_id)
            if prompt_id in self.prompts:
                self.prompts[prompt_id]["deleted"] = True
        return Reply(200)

    def _history(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        prompt_id = groups["id"]
        if prompt_id not in self.prompts:
            return Reply(200, {})
        state = self._state(prompt_id)
        self.prompts[prompt_id]["looks"] += 1
        if state != "done":
            return Reply(200, {})
        entry = self.prompts[prompt_id]
        if entry["outcome"] == "error":
            status = {
                "status_str": "error",
                "completed": False,
                "messages": [
                    ["execution_start", {"prompt_id": prompt_id}],
                    [
                        "execution_error",
                        {"node_type": "KSampler", "exception_message": "CUDA out of memory"},
                    ],
                ],
            }
            return Reply(200, {prompt_id: {"prompt": [], "outputs": {}, "status": status}})
        outputs = {
            "9": {
                "images": [{"filename": "shotline_00001_.png", "subfolder": "", "type": "output"}]
            },
            "10": {"images": [{"filename": "preview.png", "subfolder": "", "type": "temp"}]},
        }
        status = {"status_str": "success", "completed": True, "messages": []}
        return Reply(200, {prompt_id: {"prompt": [], "outputs": outputs, "status": status}})

    def _view(self, call: Call, groups: dict[str, str], behaviour: str) -> Reply:
        name = call.query.get("filename", [""])[0]
        kind = call.query.get("type", [""])[0]
        if name == "shotline_00001_.png" and kind == "output":
            return Reply(200, self.image, {}, "image/png")
        return Reply(404, {"detail": "file not found"})
