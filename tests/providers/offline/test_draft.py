from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from shotline.providers.contracts import Message, SimpleContext, WriterRequest
from shotline.providers.offline.draft import DraftWriter
from shotline.story.script import Script
from shotline.story.writer import write_script

SCHEMA = {
    "type": "object",
    "required": ["title", "logline", "characters", "segments", "version"],
    "$defs": {
        "segment": {
            "type": "object",
            "required": ["index", "narration", "duration", "shot", "characters"],
            "properties": {
                "index": {"type": "integer", "minimum": 1},
                "narration": {"type": "string", "minLength": 30},
                "duration": {"type": "number", "minimum": 2, "maximum": 6},
                "shot": {"enum": ["wide", "medium", "close-up"]},
                "characters": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
            },
        }
    },
    "properties": {
        "title": {"type": "string", "maxLength": 40},
        "logline": {"type": "string"},
        "version": {"const": 2},
        "characters": {
            "type": "array",
            "minItems": 2,
            "maxItems": 2,
            "items": {
                "type": "object",
                "required": ["name", "appearance"],
                "properties": {"name": {"type": "string"}, "appearance": {"type": "string"}},
                "additionalProperties": False,
            },
        },
        "segments": {
            "type": "array",
            "minItems": 10,
            "maxItems": 10,
            "items": {"$ref": "#/$defs/segment"},
        },
        "tags": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
        "rating": {
            "anyOf": [{"type": "null"}, {"type": "integer", "exclusiveMinimum": 0, "maximum": 5}]
        },
        "pair": {
            "type": "array",
            "prefixItems": [{"type": "integer"}, {"type": "boolean"}],
            "items": False,
        },
        "meta": {
            "allOf": [
                {"properties": {"a": {"type": "number", "multipleOf": 0.5}}},
                {"required": ["a"]},
            ]
        },
    },
}


def draft(idea: str, seed: int = 0, schema: dict | None = None) -> dict:  # type: ignore[type-arg]
    request = WriterRequest(messages=(Message("system", "You write films."), Message("user", idea)),
                            schema=SCHEMA if schema is None else schema, seed=seed)  # fmt: skip
    out = DraftWriter().generate(request, SimpleContext(Path(".")))
    assert out.metadata["draft"] is True and out.metadata["label"] == "draft writer (offline)"
    assert out.data is not None
    return dict(out.data)


def test_validates_against_a_nested_schema() -> None:
    data = draft("A stranded astronaut on the moon walks around and discovers nature")
    jsonschema.validate(data, SCHEMA)
    assert len(data["segments"]) == 10 and data["version"] == 2
    assert [s["index"] for s in data["segments"]] == list(range(1, 11))
    assert "astronaut" in data["title"].lower()
    assert data["segments"][0]["shot"] == "wide"


def test_deterministic_and_idea_dependent() -> None:
    idea = "A lighthouse keeper befriends a storm"
    assert draft(idea, seed=3) == draft(idea, seed=3)
    other = draft("Two rival chefs open a noodle bar on Mars", seed=3)
    assert other["title"] != draft(idea, seed=3)["title"]
    assert json.dumps(other) != json.dumps(draft(idea, seed=3))


def test_schema_in_the_message() -> None:
    schema = {
        "type": "object",
        "properties": {"scenes": {"type": "array", "minItems": 4, "items": {"type": "string"}}},
        "required": ["scenes"],
    }
    request = WriterRequest(
        messages=(Message("user", f"A heist on a train.\n```json\n{json.dumps(schema)}\n```"),),
        schema={},
    )
    out = DraftWriter().generate(request, SimpleContext(Path(".")))
    assert out.data is not None and len(out.data["scenes"]) == 4
    assert out.metadata["idea"] == "A heist on a train."


@pytest.mark.parametrize(
    "schema",
    [
        {
            "type": "object",
            "properties": {"n": {"type": "integer", "minimum": 50, "maximum": 60}},
            "required": ["n"],
        },
        {
            "type": "object",
            "properties": {"s": {"type": "string", "minLength": 200, "maxLength": 210}},
        },
        {
            "type": "object",
            "properties": {"x": {"type": ["null", "number"], "exclusiveMaximum": 0}},
        },
    ],
)
def test_bounds(schema: dict) -> None:  # type: ignore[type-arg]
    jsonschema.validate(draft("bounds", schema=schema), schema)


# -- the story steps -------------------------------------------------------------------------------


def story_request(title: str, context: dict, seed: int = 0) -> WriterRequest:  # type: ignore[type-arg]
    schema = {"title": title, "type": "object"}
    if title == "shotline.outline":
        from shotline.story import OUTLINE_SCHEMA as schema  # type: ignore[assignment]
    block = json.dumps(context)
    return WriterRequest(
        messages=(Message("system", "You write films."),
                  Message("user", f"Idea: {context['idea']}\n```json\n{block}\n```")),
        schema=schema, seed=seed,
    )  # fmt: skip


def test_story_outline_from_the_idea() -> None:
    idea = "a stranded astronaut on the moon walks around and discovers nature"
    out = DraftWriter().generate(
        story_request("shotline.outline", {"idea": idea, "segments": 10}), SimpleContext(Path("."))
    )
    assert out.metadata["step"] == "shotline.outline" and out.metadata["idea"] == idea
    assert out.metadata["label"] == "draft writer (offline)"
    data = out.data
    assert data is not None
    assert data["characters"][0]["role"] == "stranded astronaut"
    assert [e["name"] for e in data["environments"]] == [
        "Lunar plain", "Crater floor", "Hidden garden"
    ]  # fmt: skip
    assert [s["segments"] for s in data["scenes"]] == [3, 4, 3]
    assert data["logline"].startswith("A stranded astronaut on the moon walks around")


def test_story_ideas_are_read() -> None:
    from shotline.providers.offline.story_draft import read_idea

    chefs = read_idea("Two rival chefs open a noodle bar on Mars")
    assert (chefs.role, chefs.duo, chefs.verb, chefs.obj) == (
        "rival chef",
        True,
        "opens",
        "a noodle bar",
    )
    assert chefs.at_place == "on Mars" and chefs.kinds == ("mars", "interior")
    keeper = read_idea("A lighthouse keeper befriends a storm at night")
    assert (keeper.role, keeper.obj_ref, keeper.night) == ("lighthouse keeper", "the storm", True)
    walker = read_idea("an old detective wanders the city")
    assert walker.motion == "wanders the city" and walker.at_place == "in the city"


def test_story_steps_are_deterministic_per_seed() -> None:
    context = {"idea": "a girl explores a forest at dusk", "segments": 6}
    writer, ctx = DraftWriter(), SimpleContext(Path("."))
    first = writer.generate(story_request("shotline.outline", context, seed=2), ctx).data
    assert first == writer.generate(story_request("shotline.outline", context, seed=2), ctx).data
    assert first is not None and "dusk" in first["environments"][0]["lighting"]


def test_other_schemas_still_get_the_generic_filler() -> None:
    out = DraftWriter().generate(
        WriterRequest(messages=(Message("user", "A heist on a train"),), schema=SCHEMA),
        SimpleContext(Path(".")),
    )
    assert out.metadata["step"] == "schema"
    jsonschema.validate(out.data, SCHEMA)


def write_offline(idea: str, segments: int) -> Script:
    writer, ctx = DraftWriter(), SimpleContext(Path("."))
    return write_script(idea, lambda request: writer.generate(request, ctx).data or {},
                        segments=segments)  # fmt: skip


@pytest.mark.parametrize(
    ("idea", "language"),
    [("月に取り残された宇宙飛行士が歩き回り、自然を発見する。", "ja"),
     ("رائد فضاء عالق على القمر يتجول ويكتشف الطبيعة.", "ar")],
)  # fmt: skip
def test_an_idea_in_another_language_keeps_its_words_and_language(idea: str, language: str) -> None:
    from shotline.language import language_of

    script = write_offline(idea, 6)
    # The idea's own words: the title, the logline and the opening narration.
    assert script.logline == idea and script.segments[0].narration == idea
    assert script.title and script.title.rstrip("…") in idea
    # Everything that is said (and so spoken and subtitled) is in the idea's language ...
    said = [s.narration for s in script.segments] + [
        line.text for s in script.segments for line in s.dialogue
    ]
    assert all(language_of(text) == language for text in said), said
    assert all(language_of(c.name) == language for c in script.characters)
    # ... and the story follows the idea: the moon, then the garden it discovers.
    assert [e.name for e in script.environments] == ["Lunar plain", "Crater floor",
                                                     "Hidden garden"]  # fmt: skip
    assert "pressure suit" in script.characters[0].appearance.clothing  # an astronaut
