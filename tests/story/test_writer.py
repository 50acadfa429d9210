from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from shotline.providers.contracts import SimpleContext, WriterRequest
from shotline.providers.errors import NotConfigured, ProviderFailed
from shotline.providers.offline.draft import DraftWriter
from shotline.story import (
    APPEARANCE_SCHEMA,
    OUTLINE_SCHEMA,
    SEGMENT_SCHEMA,
    ScriptError,
    keyframe_prompts,
    write_script,
)
from shotline.story.writer import split

IDEA = "a stranded astronaut on the moon walks around and discovers nature"


def draft_ask(tmp_path: Path) -> Callable[[WriterRequest], Mapping[str, Any]]:
    writer = DraftWriter()

    def ask(request: WriterRequest) -> Mapping[str, Any]:
        out = writer.generate(request, SimpleContext(tmp_path))
        assert out.data is not None and out.metadata["draft"] is True
        return out.data

    return ask


def context_of(request: WriterRequest) -> dict[str, Any]:
    block = re.search(r"```json\n(.*?)\n```", request.messages[1].content, re.DOTALL)
    assert block is not None
    value = json.loads(block.group(1))
    assert isinstance(value, dict)
    return value


def test_schemas_are_valid_and_titled() -> None:
    for schema, title in (
        (OUTLINE_SCHEMA, "shotline.outline"),
        (APPEARANCE_SCHEMA, "shotline.appearance"),
        (SEGMENT_SCHEMA, "shotline.segment"),
    ):
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["title"] == title


def test_draft_writer_writes_a_valid_ten_segment_story(tmp_path: Path) -> None:
    script = write_script(IDEA, draft_ask(tmp_path))
    assert len(script.segments) == 10
    assert [s.id for s in script.segments] == [f"seg{n:02d}" for n in range(1, 11)]
    story = " ".join(s.narration for s in script.segments).lower()
    for noun in ("astronaut", "moon", "nature"):
        assert noun in story
    assert "moon" in script.logline.lower() and "nature" in script.logline.lower()
    lead = script.characters[0]
    assert lead.name and "astronaut" in lead.description and lead.appearance.clothing
    assert all(lead.id in s.characters for s in script.segments)
    assert any(s.dialogue for s in script.segments)
    assert len({s.camera for s in script.segments}) >= 3
    assert script.segments[0].camera.value == "wide"
    assert script.environments[0].name == "Lunar plain"
    for character in script.characters:  # story text never restates the looks
        assert character.appearance.hair not in story
    assert len(keyframe_prompts(script)) == 11


def test_draft_story_is_deterministic_and_respects_style(tmp_path: Path) -> None:
    ask = draft_ask(tmp_path)
    assert write_script(IDEA, ask) == write_script(IDEA, ask)
    assert write_script(IDEA, ask, seed=1) != write_script("a chef opens a bar in the city", ask)
    styled = write_script(IDEA, ask, segments=4, style="watercolour")
    assert styled.style == "watercolour" and len(styled.segments) == 4


class FlakyWriter:
    """The draft writer, but the answers for one segment fail ``failures`` times first."""

    def __init__(self, tmp_path: Path, segment: int, failures: int, error: Exception) -> None:
        self.ask = draft_ask(tmp_path)
        self.segment, self.failures, self.error = segment, failures, error
        self.calls: Counter[str] = Counter()
        self.requests: list[WriterRequest] = []

    def __call__(self, request: WriterRequest) -> Mapping[str, Any]:
        step = str(request.schema["title"])
        key = step if step != "shotline.segment" else f"segment {context_of(request)['segment']}"
        self.calls[key] += 1
        self.requests.append(request)
        if key == f"segment {self.segment}" and self.calls[key] <= self.failures:
            if self.calls[key] == 1:
                raise self.error
            return {"narration": "x", "action": "y", "dialogue": [], "characters": ["nobody"],
                    "props": [], "camera": "wide"}  # fmt: skip
        return self.ask(request)


def test_a_segment_is_retried_on_its_own(tmp_path: Path) -> None:
    flaky = FlakyWriter(tmp_path, segment=4, failures=2, error=ProviderFailed("bad JSON"))
    script = write_script(IDEA, flaky)
    assert len(script.segments) == 10
    expected = {"shotline.outline": 1, "shotline.appearance": 1}
    expected |= {f"segment {n}": 3 if n == 4 else 1 for n in range(1, 11)}
    assert dict(flaky.calls) == expected
    retries = [r for r in flaky.requests if context_of(r).get("segment") == 4]
    assert [r.seed for r in retries] == [None, 1, 2]  # a new seed: no cached bad answer
    assert "unknown character 'nobody'" in retries[2].messages[-1].content


def test_three_failures_name_the_segment(tmp_path: Path) -> None:
    flaky = FlakyWriter(tmp_path, segment=4, failures=3, error=ValueError("not JSON"))
    with pytest.raises(ScriptError) as caught:
        write_script(IDEA, flaky)
    assert str(caught.value) == (
        "writer: scene 'journey', segment 4 ('seg04'): no valid answer after 3 attempts: "
        "unknown character 'nobody' (cast: "
        + ", ".join(c["id"] for c in context_of(flaky.requests[-1])["characters"])
        + ")"
    )
    assert flaky.calls["segment 4"] == 3 and "segment 5" not in flaky.calls


def test_other_provider_errors_are_not_retried(tmp_path: Path) -> None:
    flaky = FlakyWriter(tmp_path, segment=2, failures=1, error=NotConfigured("no key"))
    with pytest.raises(NotConfigured):
        write_script(IDEA, flaky)
    assert flaky.calls["segment 2"] == 1


def test_outline_with_people_in_a_set_is_retried(tmp_path: Path) -> None:
    ask = draft_ask(tmp_path)
    calls = Counter[str]()

    def sloppy(request: WriterRequest) -> Mapping[str, Any]:
        step = str(request.schema["title"])
        calls[step] += 1
        answer = dict(ask(request))
        if step == "shotline.outline" and calls[step] == 1:
            sets = [dict(e) for e in answer["environments"]]
            sets[0]["atmosphere"] = "a man sweeps the dust"
            answer["environments"] = sets
        return answer

    script = write_script(IDEA, sloppy, segments=3)
    assert calls["shotline.outline"] == 2 and len(script.segments) == 3


def test_scene_split_is_rescaled() -> None:
    assert split([3, 4, 3], 10) == (3, 4, 3)
    assert split([2, 2, 2], 10) == (3, 4, 3) or sum(split([2, 2, 2], 10)) == 10
    assert split([1, 9], 4) == (1, 3)
    assert sum(split([5, 5, 5, 5], 7)) == 7 and min(split([5, 5, 5, 5], 7)) >= 1
    with pytest.raises(ValueError):
        split([1, 1, 1], 2)


def test_empty_idea() -> None:
    with pytest.raises(ScriptError, match="the idea is empty"):
        write_script("  ", lambda r: {})
