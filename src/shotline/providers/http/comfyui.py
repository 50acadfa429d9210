"""A ComfyUI server on a local GPU, driven through its HTTP API.

    POST {base}/prompt   {"prompt": <workflow>, "client_id": ...}  -> {"prompt_id", "number"}
    GET  {base}/history/{prompt_id}   -> {} until finished, then {prompt_id: {outputs, status}}
    GET  {base}/queue                 -> {"queue_running": [...], "queue_pending": [...]}
    GET  {base}/view?filename=&subfolder=&type=                        -> the file
    POST {base}/queue {"delete": [id]}, POST {base}/interrupt          (cancel)
    POST {base}/free  {"unload_models": true, "free_memory": true}     (``free_vram``)

Workflows are templates: API-format JSON whose strings may hold placeholders like ``"{{prompt}}"``.
A string that is exactly one placeholder takes the value with its type (``"{{seed}}"`` -> ``42``);
placeholders inside longer strings are replaced as text. ``TXT2IMG`` is a small built-in template;
``WorkflowTemplate.load(path)`` reads others.
"""

from __future__ import annotations

import copy
import json
import random
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from shotline.providers.conform import conform
from shotline.providers.contracts import (
    Capabilities,
    ImageRequest,
    Kind,
    Output,
    Poll,
    PollState,
    ProviderInfo,
    Request,
    RunContext,
)
from shotline.providers.errors import CapabilityError, ProviderFailed, TransientError
from shotline.providers.http.client import DEFAULT_TIMEOUT, HttpClient, output_path, require

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_OUTPUT_KEYS = ("images", "gifs", "videos")


@dataclass(frozen=True)
class WorkflowTemplate:
    """An API-format workflow with ``{{name}}`` placeholders and default values for some."""

    name: str
    workflow: Mapping[str, Any]
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, defaults: Mapping[str, Any] | None = None) -> WorkflowTemplate:
        try:
            workflow = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise CapabilityError(f"cannot read workflow template {path}: {exc}") from exc
        if not isinstance(workflow, dict):
            raise CapabilityError(f"workflow template {path} is not a JSON object")
        return cls(path.stem, workflow, dict(defaults or {}))

    def placeholders(self) -> set[str]:
        return set(_PLACEHOLDER.findall(json.dumps(self.workflow)))

    def render(self, values: Mapping[str, Any]) -> dict[str, Any]:
        merged = {**self.defaults, **values}
        missing = self.placeholders() - set(merged)
        if missing:
            raise CapabilityError(
                f"workflow {self.name!r} needs values for {', '.join(sorted(missing))}"
            )

        def fill(node: Any) -> Any:
            if isinstance(node, str):
                whole = _PLACEHOLDER.fullmatch(node.strip())
                if whole:
                    return copy.deepcopy(merged[whole.group(1)])
                return _PLACEHOLDER.sub(lambda m: str(merged[m.group(1)]), node)
            if isinstance(node, Mapping):
                return {k: fill(v) for k, v in node.items()}
            if isinstance(node, list):
                return [fill(v) for v in node]
            return node

        rendered: dict[str, Any] = fill(self.workflow)
        return rendered


TXT2IMG = WorkflowTemplate(
    name="txt2img",
    workflow={
        "4": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": "{{checkpoint}}"},
        },
        "5": {
            "class_type": "EmptyLatentImage",
            "inputs": {"width": "{{width}}", "height": "{{height}}", "batch_size": 1},
        },
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}", "clip": ["4", 1]}},
        "7": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "{{negative_prompt}}", "clip": ["4", 1]},
        },
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": "{{seed}}",
                "steps": "{{steps}}",
                "cfg": "{{cfg}}",
                "sampler_name": "euler",
                "scheduler": "normal",
                "denoise": 1.0,
                "model": ["4", 0],
                "positive": ["6", 0],
                "negative": ["7", 0],
                "latent_image": ["5", 0],
            },
        },
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {
            "class_type": "SaveImage",
            "inputs": {"filename_prefix": "shotline", "images": ["8", 0]},
        },
    },
    defaults={
        "checkpoint": "sd_xl_base_1.0.safetensors",
        "negative_prompt": "",
        "steps": 25,
        "cfg": 7.0,
    },
)


class ComfyUIProvider:
    """Image generation on a ComfyUI server (``RemoteProvider``, queue "local-gpu")."""

    def __init__(
        self,
        *,
        base_url: str,
        template: WorkflowTemplate = TXT2IMG,
        provider_id: str = "comfyui.txt2img",
        model_type: str = "image",
        values: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        client: HttpClient | None = None,
        **client_options: Any,
    ) -> None:
        self.template = template
        self.values = dict(values or {})
        self.client_id = uuid.uuid4().hex
        self.info = ProviderInfo(
            id=provider_id,
            kind=Kind.IMAGE,
            model=template.name,
            label=f"ComfyUI {template.name}",
            capabilities=Capabilities(size_multiple=8, max_size=(4096, 4096)),
            queue="local-gpu",
            model_type=model_type,
        )
        self.client = client or HttpClient(
            base_url, provider=self.info.id, timeout=timeout, **client_options
        )

    def workflow(self, request: Request) -> tuple[dict[str, Any], int]:
        """The rendered workflow and the seed it uses (a random one when none was asked)."""
        fitted = conform(request, self.info).request
        if not isinstance(fitted, ImageRequest):
            raise CapabilityError(f"cannot serve {request.kind}", provider=self.info.id)
        seed = fitted.seed if fitted.seed is not None else random.randrange(2**32)
        values = {
            **self.values,
            "prompt": fitted.prompt,
            "width": fitted.width,
            "height": fitted.height,
            "seed": seed,
        }
        try:
            return self.template.render(values), seed
        except CapabilityError as exc:
            raise CapabilityError(str(exc), provider=self.info.id) from None

    # -- RemoteProvider ----------------------------------------------------------------------

    def submit(self, request: Request, ctx: RunContext) -> str:
        workflow, _ = self.workflow(request)
        answer = self.client.create("prompt", {"prompt": workflow, "client_id": self.client_id})
        node_errors = answer.get("node_errors") if isinstance(answer, Mapping) else None
        if node_errors:
            raise CapabilityError(f"workflow rejected: {node_errors}", provider=self.info.id)
        prompt_id: str = require(answer, "prompt_id", provider=self.info.id)
        return prompt_id

    def _entry(self, prompt_id: str) -> Mapping[str, Any] | None:
        history = self.client.read(f"history/{prompt_id}")
        if history is None or history == {}:
            return None
        if not isinstance(history, Mapping):
            raise TransientError("malformed history: not an object", provider=self.info.id)
        entry = history.get(prompt_id)
        if not isinstance(entry, Mapping):
            raise TransientError(
                "malformed history: no entry for the prompt", provider=self.info.id
            )
        return entry

    def _queue_state(self, prompt_id: str) -> Poll | None:
        queue = self.client.read("queue")
        if not isinstance(queue, Mapping):
            raise TransientError("malformed queue: not an object", provider=self.info.id)

        def ids(key: str) -> list[str]:
            items = queue.get(key) or []
            return [str(item[1]) for item in items if isinstance(item, list) and len(item) > 1]

        if prompt_id in ids("queue_running"):
            return Poll(PollState.RUNNING)
        pending = ids("queue_pending")
        if prompt_id in pending:
            return Poll(PollState.QUEUED, queue_position=pending.index(prompt_id))
        return None

    @staticmethod
    def _error(entry: Mapping[str, Any]) -> str | None:
        status = entry.get("status")
        if not isinstance(status, Mapping) or status.get("status_str") != "error":
            return None
        for message in status.get("messages") or []:
            if isinstance(message, list) and len(message) == 2 and message[0] == "execution_error":
                detail = message[1] if isinstance(message[1], Mapping) else {}
                node = detail.get("node_type", "?")
                return f"{node}: {detail.get('exception_message', 'execution error')}".strip()
        return "execution error"

    def poll(self, request_id: str) -> Poll:
        entry = self._entry(request_id)
        if entry is None:
            state = self._queue_state(request_id)
            if state is not None:
                return state
            entry = self._entry(request_id)  # it may have finished between the two reads
            if entry is None:
                return Poll(PollState.FAILED, error="the server does not know this prompt")
        error = self._error(entry)
        if error:
            return Poll(PollState.FAILED, error=error)
        return Poll(PollState.DONE, progress=1.0)

    def fetch(self, request_id: str, request: Request, ctx: RunContext) -> Output:
        entry = self._entry(request_id)
        if entry is None:
            raise ProviderFailed("the prompt has no result yet", provider=self.info.id)
        error = self._error(entry)
        if error:
            raise ProviderFailed(error, provider=self.info.id)
        files: list[Mapping[str, Any]] = []
        for node in (entry.get("outputs") or {}).values():
            if isinstance(node, Mapping):
                for key in _OUTPUT_KEYS:
                    files.extend(f for f in node.get(key) or [] if isinstance(f, Mapping))
        files.sort(key=lambda f: f.get("type") != "output")  # saved outputs before previews
        if not files or not isinstance(files[0].get("filename"), str):
            raise TransientError("malformed history: no output file", provider=self.info.id)
        chosen = files[0]
        params = {
            "filename": chosen["filename"],
            "subfolder": chosen.get("subfolder", ""),
            "type": chosen.get("type", "output"),
        }
        dest = output_path(ctx.workdir, f"{self.info.id}-{request_id}", chosen["filename"])
        mime = self.client.download("view", dest, params=params)
        fitted = conform(request, self.info).request
        size = (fitted.width, fitted.height) if isinstance(fitted, ImageRequest) else (None, None)
        return Output(
            path=dest,
            mime=mime or "image/png",
            width=size[0],
            height=size[1],
            metadata={"request_id": request_id, "workflow": self.template.name, "file": params},
        )

    def cancel(self, request_id: str) -> None:
        state = self._queue_state(request_id)
        self.client.command("POST", "queue", {"delete": [request_id]})
        if state is not None and state.state is PollState.RUNNING:
            self.client.command("POST", "interrupt")

    def free_vram(self) -> None:
        """Unload models and free memory (before switching to another GPU service)."""
        self.client.command("POST", "free", {"unload_models": True, "free_memory": True})

    def close(self) -> None:
        self.client.close()
