"""Writers over any OpenAI-compatible chat endpoint (OpenRouter, Anthropic's compatibility layer,
vLLM, llama.cpp, Ollama): messages in, JSON that satisfies the request's schema out.

    POST {base}/chat/completions  {model, messages, temperature, response_format, seed}

The answer is asked for with ``response_format: json_schema`` (strict). Servers that reject that
are asked again with ``json_object`` and the schema spelled out in a system message (configurable;
the downgrade sticks for the provider's lifetime). The first choice's content is parsed as JSON
(code fences stripped) and validated with ``jsonschema``; a parse or validation error goes back to
the model as a repair message, up to ``repair_attempts`` times, then ``ProviderFailed``. The
answer is ``Output.data`` (a JSON array or scalar comes wrapped as ``{"value": ...}``).

``finish_reason == "content_filter"`` or a ``refusal`` is ``Refused``. ``FallbackChat`` tries
several writers in order (OpenRouter first, Anthropic second) and moves on when one is rate
limited, unreachable or refuses; a ``CapabilityError`` or a bad key stops it.

Chat is synchronous, so these are ``LocalProvider``s (``generate``), queued as "cloud-llm".
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import httpx
import jsonschema
from pydantic import SecretStr

from shotline.providers.contracts import (
    Kind,
    LocalProvider,
    Output,
    PerCall,
    Pricing,
    ProviderInfo,
    Request,
    RunContext,
    WriterRequest,
)
from shotline.providers.errors import (
    Canceled,
    CapabilityError,
    ProviderError,
    ProviderFailed,
    RateLimited,
    Refused,
    TransientError,
)
from shotline.providers.http.client import HttpClient, authorization, is_moderation

log = logging.getLogger(__name__)

ResponseFormat = Literal["json_schema", "json_object", "none"]

_FENCE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)
_FORMAT_REJECTED = re.compile(r"response_format|json_schema|structured output", re.IGNORECASE)


DEFAULT_CHAT_PRICE = PerCall(Decimal("0.01"))  # an estimate for one structured answer
CHAT_TIMEOUT = httpx.Timeout(180.0, connect=10.0)  # long answers take minutes on slow models


class InvalidAnswer(ValueError):
    """The model's content is not JSON, or not JSON of the requested shape."""


def parse_json(content: str) -> Any:
    """The JSON in a model's answer: code fences stripped, surrounding prose tolerated."""
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        return json.loads(text)
    except ValueError as first:
        starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
        if starts:
            start = min(starts)
            end = max(text.rfind("}"), text.rfind("]"))
            if end > start:
                try:
                    return json.loads(text[start : end + 1])
                except ValueError:
                    pass
        raise InvalidAnswer(f"not valid JSON: {first}") from None


def validate(data: Any, schema: Mapping[str, Any], limit: int = 5) -> None:
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise CapabilityError(f"the request's JSON schema is invalid: {exc.message}") from None
    errors = sorted(cls(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for error in errors[:limit]:
            where = "$" + "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
            )
            lines.append(f"at {where}: {error.message}")
        more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
        raise InvalidAnswer("does not match the schema: " + "; ".join(lines) + more)


def _schema_name(schema: Mapping[str, Any]) -> str:
    title = str(schema.get("title") or "answer")
    return re.sub(r"[^A-Za-z0-9_-]+", "_", title)[:64] or "answer"


class OpenAIChat:
    """A writer over one OpenAI-compatible endpoint and model (``LocalProvider``)."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | SecretStr | None = None,
        provider_id: str = "llm.chat",
        label: str = "",
        response_format: ResponseFormat = "json_schema",
        downgrade: bool = True,
        strict: bool = True,
        repair_attempts: int = 2,
        max_tokens: int | None = None,
        pricing: Pricing = DEFAULT_CHAT_PRICE,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout = CHAT_TIMEOUT,
        client: HttpClient | None = None,
        **client_options: Any,
    ) -> None:
        self.model = model
        self.response_format: ResponseFormat = response_format
        self.downgrade = downgrade
        self.strict = strict
        self.repair_attempts = max(0, repair_attempts)
        self.max_tokens = max_tokens
        self.info = ProviderInfo(
            id=provider_id,
            kind=Kind.WRITER,
            model=model,
            label=label or f"{model} (chat)",
            pricing=pricing,
            queue="cloud-llm",
        )
        headers: dict[str, str | SecretStr] = dict(extra_headers or {})
        if api_key:
            headers["Authorization"] = authorization("Bearer", api_key)
        self.client = client or HttpClient(
            base_url, provider=self.info.id, headers=headers, timeout=timeout, **client_options
        )

    # -- one completion ----------------------------------------------------------------------

    def _body(self, messages: list[dict[str, str]], request: WriterRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": request.temperature,
        }
        if request.seed is not None:
            body["seed"] = request.seed
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.response_format == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": _schema_name(request.schema),
                    "schema": dict(request.schema),
                    "strict": self.strict,
                },
            }
        else:
            instruction = (
                "Answer with one JSON value only, no prose, that satisfies this JSON schema:\n"
                + json.dumps(request.schema, sort_keys=True)
            )
            body["messages"] = [{"role": "system", "content": instruction}, *messages]
            if self.response_format == "json_object":
                body["response_format"] = {"type": "json_object"}
        return body

    def _post(self, messages: list[dict[str, str]], request: WriterRequest) -> Any:
        try:
            return self.client.create("chat/completions", self._body(messages, request))
        except CapabilityError as exc:
            if not (
                self.downgrade
                and self.response_format == "json_schema"
                and _FORMAT_REJECTED.search(str(exc))
            ):
                raise
            log.info("%s rejected json_schema; asking for json_object instead", self.info.id)
            self.response_format = "json_object"
            return self.client.create("chat/completions", self._body(messages, request))

    def _content(self, answer: Any) -> tuple[str | None, Mapping[str, Any]]:
        """The first choice's text and the usage; errors in a 200 body are mapped too."""
        pid = self.info.id
        if not isinstance(answer, Mapping):
            raise TransientError("malformed completion: not an object", provider=pid)
        choices = answer.get("choices")
        if not choices:
            error = answer.get("error")
            if isinstance(error, Mapping):  # OpenRouter reports upstream failures with 200
                message = str(error.get("message") or error)
                code = error.get("code")
                if code == 429:
                    raise RateLimited(message, provider=pid)
                if isinstance(code, int) and code >= 500:
                    raise TransientError(message, provider=pid)
                if is_moderation(message):
                    raise Refused(message, provider=pid)
                raise ProviderFailed(message, provider=pid)
            raise TransientError("malformed completion: no choices", provider=pid)
        choice = choices[0]
        if not isinstance(choice, Mapping) or not isinstance(choice.get("message"), Mapping):
            raise TransientError("malformed completion: no message", provider=pid)
        message = choice["message"]
        if choice.get("finish_reason") == "content_filter":
            raise Refused("the answer was stopped by a content filter", provider=pid)
        if message.get("refusal"):
            raise Refused(f"the model refused: {message['refusal']}", provider=pid)
        content = message.get("content")
        usage = answer.get("usage") if isinstance(answer.get("usage"), Mapping) else {}
        if content is not None and not isinstance(content, str):
            raise TransientError("malformed completion: content is not text", provider=pid)
        return content, usage or {}

    # -- LocalProvider -----------------------------------------------------------------------

    def generate(self, request: Request, ctx: RunContext) -> Output:
        if not isinstance(request, WriterRequest):
            raise CapabilityError(f"is a writer, not {request.kind}", provider=self.info.id)
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        tokens = {"prompt_tokens": 0, "completion_tokens": 0}
        cost = Decimal(0)
        costed = False
        problem = ""
        for attempt in range(1, self.repair_attempts + 2):
            if ctx.cancelled():
                raise Canceled("canceled", provider=self.info.id)
            content, usage = self._content(self._post(messages, request))
            for key in tokens:
                value = usage.get(key)
                tokens[key] += value if isinstance(value, int) else 0
            if isinstance(usage.get("cost"), int | float):
                cost += Decimal(str(usage["cost"]))
                costed = True
            try:
                if content is None or not content.strip():
                    raise InvalidAnswer("the answer was empty")
                data = parse_json(content)
                validate(data, request.schema)
            except InvalidAnswer as exc:
                problem = str(exc)
                ctx.progress(attempt / (self.repair_attempts + 2), f"repairing: {problem}")
                messages = [
                    *messages,
                    {"role": "assistant", "content": content or ""},
                    {
                        "role": "user",
                        "content": f"That answer {problem}. Reply again with only the "
                        "corrected JSON, matching the schema exactly.",
                    },
                ]
                continue
            return Output(
                mime="application/json",
                data=data if isinstance(data, Mapping) else {"value": data},
                actual_cost=cost if costed else None,
                metadata={
                    "provider": self.info.id,
                    "model": self.model,
                    "attempts": attempt,
                    "response_format": self.response_format,
                    **tokens,
                },
            )
        raise ProviderFailed(
            f"no valid answer after {self.repair_attempts + 1} attempts: {problem}",
            provider=self.info.id,
        )

    def close(self) -> None:
        self.client.close()


class FallbackChat:
    """Writers tried in order; the next one runs when one is rate limited, down, or refuses."""

    def __init__(
        self,
        providers: Sequence[LocalProvider],
        *,
        provider_id: str = "llm.fallback",
        fall_through: tuple[type[ProviderError], ...] = (TransientError, Refused),
    ) -> None:
        if not providers:
            raise ValueError("FallbackChat needs at least one provider")
        self.providers = tuple(providers)
        self.fall_through = fall_through
        first = self.providers[0].info
        chain = " -> ".join(p.info.id for p in self.providers)
        self.info = dataclasses.replace(first, id=provider_id, label=f"chat: {chain}")

    def generate(self, request: Request, ctx: RunContext) -> Output:
        skipped: list[str] = []
        last: ProviderError | None = None
        for provider in self.providers:
            if ctx.cancelled():
                raise Canceled("canceled", provider=self.info.id)
            try:
                output = provider.generate(request, ctx)
            except self.fall_through as exc:
                log.warning("%s failed, trying the next writer: %s", provider.info.id, exc)
                skipped.append(f"{provider.info.id}: {exc}")
                last = exc
                continue
            metadata = {**output.metadata, "provider": provider.info.id, "skipped": skipped}
            return dataclasses.replace(output, metadata=metadata)
        if last is None:  # pragma: no cover - the constructor refuses an empty chain
            raise ProviderFailed("no writer configured", provider=self.info.id)
        raise last
