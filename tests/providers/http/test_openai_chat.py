"""OpenAI-compatible writers against the fake: JSON schema, repair loop, fallback chain."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shotline.providers.contracts import (
    LocalProvider,
    Message,
    SimpleContext,
    VideoRequest,
    WriterRequest,
)
from shotline.providers.errors import (
    Canceled,
    CapabilityError,
    NotConfigured,
    ProviderFailed,
    RateLimited,
    Refused,
    TransientError,
)
from shotline.providers.http.openai_chat import FallbackChat, OpenAIChat, parse_json
from tests.providers.http.conftest import quick
from tests.providers.http.fakes import ChatFake

SCHEMA: dict[str, Any] = {
    "title": "Shot list",
    "type": "object",
    "properties": {
        "shots": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"prompt": {"type": "string"}, "seconds": {"type": "number"}},
                "required": ["prompt", "seconds"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["shots"],
    "additionalProperties": False,
}
REQUEST = WriterRequest(
    messages=(
        Message("system", "You break scenes into shots."),
        Message("user", "A jeep drives under the camera."),
    ),
    schema=SCHEMA,
    temperature=0.2,
    seed=5,
)
GOOD = json.dumps({"shots": [{"prompt": "wide street", "seconds": 4.5}]})

Make = Callable[..., OpenAIChat]


@pytest.fixture
def make(chat_fake: ChatFake) -> Make:
    def build(**kwargs: Any) -> OpenAIChat:
        options: dict[str, Any] = {
            "base_url": chat_fake.url,
            "model": "anthropic/claude-sonnet-4.5",
            "api_key": "sk-test",
            "provider_id": "llm.openrouter",
            **quick(),
        }
        options.update(kwargs)
        return OpenAIChat(**options)

    return build


def test_valid_answer(chat_fake: ChatFake, make: Make, ctx: SimpleContext) -> None:
    chat_fake.answers.append(GOOD)
    writer = make(extra_headers={"X-Title": "shotline"})
    assert isinstance(writer, LocalProvider)
    assert writer.info.queue == "cloud-llm"
    output = writer.generate(REQUEST, ctx)
    assert output.data == json.loads(GOOD)
    assert output.mime == "application/json"
    assert output.metadata["attempts"] == 1
    assert output.metadata["prompt_tokens"] == 10

    (call,) = chat_fake.requests("POST", "/chat/completions")
    assert call.headers["authorization"] == "Bearer sk-test"
    assert call.headers["x-title"] == "shotline"
    body = call.json
    assert body["model"] == "anthropic/claude-sonnet-4.5"
    assert body["temperature"] == 0.2 and body["seed"] == 5
    assert body["messages"] == [
        {"role": "system", "content": "You break scenes into shots."},
        {"role": "user", "content": "A jeep drives under the camera."},
    ]
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Shot_list", "schema": SCHEMA, "strict": True},
    }


def test_fences_are_stripped(chat_fake: ChatFake, make: Make, ctx: SimpleContext) -> None:
    chat_fake.answers.append(f"```json\n{GOOD}\n```")
    assert make().generate(REQUEST, ctx).data == json.loads(GOOD)


def test_parse_json_tolerates_prose() -> None:
    assert parse_json('Here you go:\n{"a": [1, 2]}\nEnjoy.') == {"a": [1, 2]}
    assert parse_json("```\n[1]\n```") == [1]


def test_repair_after_invalid_json_and_schema_errors(
    chat_fake: ChatFake, make: Make, ctx: SimpleContext
) -> None:
    chat_fake.answers.extend(['{"shots": [', '{"shots": [{"prompt": "x"}]}', GOOD])
    progress: list[str] = []
    ctx.on_progress = lambda fraction, message: progress.append(message)
    output = make().generate(REQUEST, ctx)
    assert output.data == json.loads(GOOD)
    assert output.metadata["attempts"] == 3
    calls = chat_fake.requests("POST")
    assert len(calls) == 3
    second = calls[1].json["messages"]
    assert second[-2] == {"role": "assistant", "content": '{"shots": ['}
    assert "not valid JSON" in second[-1]["content"]
    third = calls[2].json["messages"]
    assert "'seconds' is a required property" in third[-1]["content"]
    assert "$.shots[0]" in third[-1]["content"]
    assert len(progress) == 2


def test_gives_up_after_the_repairs(chat_fake: ChatFake, make: Make, ctx: SimpleContext) -> None:
    chat_fake.answers.extend(["nope", "still nope", "no"])
    with pytest.raises(ProviderFailed, match="3 attempts"):
        make().generate(REQUEST, ctx)
    assert len(chat_fake.requests("POST")) == 3


def test_repair_attempts_are_configurable(
    chat_fake: ChatFake, make: Make, ctx: SimpleContext
) -> None:
    chat_fake.answers.extend(["nope", GOOD])
    with pytest.raises(ProviderFailed):
        make(repair_attempts=0).generate(REQUEST, ctx)
    assert len(chat_fake.requests("POST")) == 1


def test_downgrades_to_json_object(chat_fake: ChatFake, make: Make, ctx: SimpleContext) -> None:
    chat_fake.push("chat", "reject-json-schema")
    chat_fake.answers.extend([GOOD, GOOD])
    writer = make()
    assert writer.generate(REQUEST, ctx).metadata["response_format"] == "json_object"
    first, second = chat_fake.requests("POST")
    assert first.json["response_format"]["type"] == "json_schema"
    assert second.json["response_format"] == {"type": "json_object"}
    assert second.json["messages"][0]["role"] == "system"
    assert '"shots"' in second.json["messages"][0]["content"]
    writer.generate(REQUEST, ctx)  # the downgrade sticks
    assert chat_fake.requests("POST")[-1].json["response_format"] == {"type": "json_object"}


def test_no_downgrade_when_disabled(chat_fake: ChatFake, make: Make, ctx: SimpleContext) -> None:
    chat_fake.push("chat", "reject-json-schema")
    with pytest.raises(CapabilityError, match="json_schema"):
        make(downgrade=False).generate(REQUEST, ctx)


def test_local_server_without_key(ctx: SimpleContext) -> None:
    with ChatFake(key=None, prefix="/v1") as fake:
        fake.answers.append(GOOD)
        writer = OpenAIChat(
            base_url=f"{fake.url}/v1", model="llama", response_format="none", **quick()
        )
        assert writer.generate(REQUEST, ctx).data == json.loads(GOOD)
        (call,) = fake.requests("POST")
        assert call.path == "/v1/chat/completions"
        assert "authorization" not in call.headers
        assert "response_format" not in call.json


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        ("content_filter", Refused),
        ("refusal", Refused),
        ("error-in-200", TransientError),
        ("429", RateLimited),
        ("500", TransientError),
        ("drop", TransientError),
        ("hang", TransientError),
        ("malformed", TransientError),
        ("wrong-shape", TransientError),
        ("401", NotConfigured),
    ],
)
def test_failures_are_mapped_and_not_retried(
    chat_fake: ChatFake, make: Make, ctx: SimpleContext, behaviour: str, error: type
) -> None:
    chat_fake.push("chat", behaviour)
    with pytest.raises(error):
        make().generate(REQUEST, ctx)
    assert len(chat_fake.requests("POST")) == 1


def test_wrong_request_kind(make: Make, ctx: SimpleContext) -> None:
    with pytest.raises(CapabilityError):
        make().generate(VideoRequest(prompt="x"), ctx)


def test_invalid_schema_is_a_capability_error(
    chat_fake: ChatFake, make: Make, ctx: SimpleContext
) -> None:
    chat_fake.answers.append("{}")
    bad = WriterRequest(messages=REQUEST.messages, schema={"type": "nonsense"})
    with pytest.raises(CapabilityError, match="schema is invalid"):
        make().generate(bad, ctx)


@pytest.fixture
def backup() -> Iterator[ChatFake]:
    with ChatFake(key="sk-ant") as fake:
        yield fake


@pytest.mark.parametrize("behaviour", ["429", "503", "drop", "content_filter"])
def test_fallback_moves_on(
    chat_fake: ChatFake,
    backup: ChatFake,
    make: Make,
    ctx: SimpleContext,
    behaviour: str,
) -> None:
    chat_fake.push("chat", behaviour)
    backup.answers.append(GOOD)
    chain = FallbackChat(
        [make(), make(base_url=backup.url, api_key="sk-ant", provider_id="llm.anthropic")]
    )
    assert isinstance(chain, LocalProvider)
    output = chain.generate(REQUEST, ctx)
    assert output.data == json.loads(GOOD)
    assert output.metadata["provider"] == "llm.anthropic"
    assert output.metadata["skipped"][0].startswith("llm.openrouter:")
    assert len(chat_fake.requests("POST")) == 1
    assert len(backup.requests("POST")) == 1


def test_fallback_stops_on_capability_error(
    chat_fake: ChatFake, backup: ChatFake, make: Make, ctx: SimpleContext
) -> None:
    chat_fake.push("chat", "422")
    chain = FallbackChat([make(), make(base_url=backup.url, api_key="sk-ant")])
    with pytest.raises(CapabilityError):
        chain.generate(REQUEST, ctx)
    assert backup.requests() == []


def test_fallback_raises_the_last_error(
    chat_fake: ChatFake, backup: ChatFake, make: Make, ctx: SimpleContext
) -> None:
    chat_fake.push("chat", "503")
    backup.push("chat", "429")
    chain = FallbackChat([make(), make(base_url=backup.url, api_key="sk-ant")])
    with pytest.raises(RateLimited):
        chain.generate(REQUEST, ctx)


def test_fallback_first_answer_wins(
    chat_fake: ChatFake, backup: ChatFake, make: Make, ctx: SimpleContext
) -> None:
    chat_fake.answers.append(GOOD)
    chain = FallbackChat([make(), make(base_url=backup.url, api_key="sk-ant")])
    assert chain.generate(REQUEST, ctx).metadata["provider"] == "llm.openrouter"
    assert backup.requests() == []


def test_canceled_before_asking(chat_fake: ChatFake, make: Make, ctx: SimpleContext) -> None:
    ctx.cancel_flag = True
    with pytest.raises(Canceled):
        make().generate(REQUEST, ctx)
    assert chat_fake.requests() == []
