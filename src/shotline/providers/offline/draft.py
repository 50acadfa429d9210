"""``offline.draft``: a deterministic, schema-driven draft writer (no language model).

It reads the idea from the last user message (dropping any JSON or fenced block in it, which may
also supply the schema when the request's own schema is empty) and walks the JSON schema, filling
it with plausible values made from the idea's keywords and the field names: titles from the idea,
``minItems``..``maxItems`` array items (a few when unbounded), the first ``enum`` value,
``const``, numbers inside ``minimum``/``maximum``, strings within ``minLength``/``maxLength``;
``$ref`` (local), ``allOf``, ``anyOf``/``oneOf`` (the first option that validates), nested objects
and tuple arrays (``prefixItems``) are followed; string formats are ignored. The answer is checked
with ``jsonschema`` and labelled as a draft in the output's metadata.

The story writer's three steps (schemas titled ``shotline.outline``, ``shotline.appearance`` and
``shotline.segment``) get a small story instead: a protagonist and places read from the idea, a
classic arc (setup, inciting incident, rising action, turn, climax, resolution) over the segments,
a few dialogue lines and varied framings; deterministic for an idea and seed.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from typing import Any

import jsonschema

from shotline.providers.contracts import (
    Capabilities,
    Free,
    Kind,
    Output,
    ProviderInfo,
    Request,
    RunContext,
    WriterRequest,
)
from shotline.providers.errors import Canceled, CapabilityError, ProviderFailed
from shotline.providers.offline._imaging import stable_int
from shotline.providers.offline.story_draft import (
    STOP_WORDS,
    STORY_STEPS,
    StoryDraft,
    story_context,
)

MAX_DEPTH = 12
_PROSE = ("description", "summary", "logline", "synopsis", "narration", "action", "prompt", "text",
          "plot", "appearance", "visual")  # fmt: skip
DEFAULT_ITEMS = 3  # array length when the schema sets no bounds

NAMES = (
    "Mara", "Theo", "Ines", "Jonah", "Asha", "Felix", "Noor", "Ravi", "Lena", "Oskar", "Yuki",
    "Caleb", "Amara", "Silas", "Zofia", "Emeka",
)  # fmt: skip
PLACES = (
    "a quiet ridge", "the old harbour", "a narrow corridor", "the edge of the crater",
    "an empty street", "a lantern-lit room", "the tree line", "a windswept plain",
)  # fmt: skip
VERBS = ("discovers", "follows", "questions", "protects", "searches for", "remembers",
         "confronts", "reaches")  # fmt: skip


def idea_text(request: WriterRequest) -> str:
    """The last user message without fenced or JSON blocks."""
    users = [m.content for m in request.messages if m.role == "user"]
    text = users[-1] if users else (request.messages[-1].content if request.messages else "")
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    brace = text.find("{")
    if brace >= 0:
        text = text[:brace]
    text = re.sub(r"(?im)^\s*(json\s*)?schema\s*:?\s*$", " ", text)
    return " ".join(text.split())


def schema_in_message(request: WriterRequest) -> Mapping[str, Any] | None:
    """A JSON schema written into the last user message, when the request carries none."""
    users = [m.content for m in request.messages if m.role == "user"]
    if not users:
        return None
    text = users[-1]
    fenced = re.findall(r"```(?:json)?\s*(.*?)```", text, flags=re.DOTALL)
    candidates = [*fenced, text[text.find("{") :] if "{" in text else ""]
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict) and ("type" in value or "properties" in value):
            return value
    return None


def keywords(idea: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z'-]+", idea)
    out: list[str] = []
    for word in words:
        low = word.lower()
        if low not in STOP_WORDS and len(low) > 2 and low not in out:
            out.append(low)
    return out or ["story"]


class Drafter:
    """Fills one schema from one idea; ``rng`` makes the choices, seeded by idea and seed."""

    def __init__(self, root: Mapping[str, Any], idea: str, seed: int) -> None:
        self.root = root
        self.idea = idea or "an untitled story"
        self.words = keywords(self.idea)
        self.rng = random.Random(stable_int("draft", seed, self.idea))
        self.cast = self.rng.sample(NAMES, k=4)

    # -- helpers -------------------------------------------------------------------------------

    def word(self, index: int) -> str:
        return self.words[index % len(self.words)]

    def title(self) -> str:
        picked = self.words[:4]
        return " ".join(w.capitalize() for w in picked) if picked else "Untitled"

    def sentence(self, index: int) -> str:
        who = self.cast[index % len(self.cast)]
        verb = VERBS[(index + self.rng.randrange(len(VERBS))) % len(VERBS)]
        thing = " ".join(self.word(index + k) for k in range(2))
        where = PLACES[(index * 3 + self.rng.randrange(len(PLACES))) % len(PLACES)]
        return f"{who} {verb} the {thing} at {where}."

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while "$ref" in schema and seen < 32:
            ref = str(schema["$ref"])
            if not ref.startswith("#"):
                raise CapabilityError(f"cannot follow remote $ref {ref}", provider="offline.draft")
            node: Any = self.root
            for step in ref.lstrip("#").strip("/").split("/"):
                if step:
                    node = node[step.replace("~1", "/").replace("~0", "~")]
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**node, **rest}
            seen += 1
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for option in schema["allOf"]:
                part = self.resolve(option)
                for key, value in part.items():
                    if key == "properties":
                        merged["properties"] = {**merged.get("properties", {}), **value}
                    elif key == "required":
                        merged["required"] = [*merged.get("required", []), *value]
                    else:
                        merged.setdefault(key, value)
            schema = merged
        return schema

    # -- the walk ------------------------------------------------------------------------------

    def value(self, schema: Any, key: str = "", index: int = 0, depth: int = 0) -> Any:
        if schema is True or schema is None or schema == {}:
            return self.text(key, index, {})
        if schema is False:
            raise CapabilityError(f"schema forbids any value at {key!r}", provider="offline.draft")
        schema = self.resolve(schema)
        if depth > MAX_DEPTH:
            return None
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        if "default" in schema and not isinstance(schema["default"], dict | list):
            return schema["default"]
        for choice in ("anyOf", "oneOf"):
            if choice in schema:
                return self.first_valid(schema, choice, key, index, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
        if kind is None:
            if "properties" in schema:
                kind = "object"
            elif "items" in schema or "prefixItems" in schema:
                kind = "array"
            else:
                kind = "string"
        if kind == "object":
            return self.object(schema, index, depth)
        if kind == "array":
            return self.array(schema, key, depth)
        if kind == "integer":
            return self.integer(schema, key, index)
        if kind == "number":
            return self.number(schema, key, index)
        if kind == "boolean":
            return index % 2 == 0
        if kind == "null":
            return None
        return self.text(key, index, schema)

    def first_valid(
        self, schema: Mapping[str, Any], choice: str, key: str, index: int, depth: int
    ) -> Any:
        options = schema[choice]
        base = {k: v for k, v in schema.items() if k != choice}
        for option in options:
            candidate = self.value({**base, **self.resolve(option)}, key, index, depth + 1)
            try:
                jsonschema.validate(candidate, {**dict(self.root), **dict(schema)})
            except jsonschema.ValidationError:
                continue
            except jsonschema.SchemaError:
                return candidate
            return candidate
        return self.value({**base, **self.resolve(options[0])}, key, index, depth + 1)

    def object(self, schema: Mapping[str, Any], index: int, depth: int) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = list(schema.get("required", []))
        out: dict[str, Any] = {}
        for name, sub in properties.items():
            out[name] = self.value(sub, name, index, depth + 1)
        for name in required:  # required but not described
            if name not in out:
                extra = schema.get("additionalProperties", True)
                out[name] = self.value(
                    extra if isinstance(extra, dict) else {}, name, index, depth + 1
                )
        minimum = int(schema.get("minProperties", 0))
        extra_schema = schema.get("additionalProperties", True)
        k = 0
        while len(out) < minimum and extra_schema is not False:
            name = f"{self.word(k)}_{k}"
            out[name] = self.value(
                extra_schema if isinstance(extra_schema, dict) else {}, name, k, depth + 1
            )
            k += 1
        return out

    def array(self, schema: Mapping[str, Any], key: str, depth: int) -> list[Any]:
        prefix = list(schema.get("prefixItems", []))
        items = schema.get("items", {})
        if isinstance(items, list):  # draft-04..07 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        count = max(
            low, len(prefix), min(DEFAULT_ITEMS, int(high)) if high is not None else DEFAULT_ITEMS
        )
        if high is not None:
            count = min(count, int(high))
        if items is False:
            count = min(count, len(prefix))
        singular = key[:-1] if key.endswith("s") else key
        out = []
        for i in range(count):
            sub = prefix[i] if i < len(prefix) else items
            out.append(self.value(sub, singular, i, depth + 1))
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for i, item in enumerate(out):
                if item in seen and isinstance(item, str):
                    out[i] = f"{item} ({i + 1})"
                seen.append(out[i])
        return out

    def number_bounds(
        self, schema: Mapping[str, Any], key: str, index: int
    ) -> tuple[float, float, float]:
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        name = key.lower()
        if any(w in name for w in ("index", "number", "order", "position", "id", "segment")):
            guess = float(index + 1)
        elif any(w in name for w in ("duration", "seconds", "length")):
            guess = 8.0
        elif any(w in name for w in ("year",)):
            guess = 2031.0
        elif any(w in name for w in ("count", "total")):
            guess = 3.0
        else:
            guess = float(self.rng.randint(1, 10))
        lo = float(low) if isinstance(low, int | float) and not isinstance(low, bool) else -1e12
        hi = float(high) if isinstance(high, int | float) and not isinstance(high, bool) else 1e12
        return lo, hi, guess

    def integer(self, schema: Mapping[str, Any], key: str, index: int) -> int:
        lo, hi, guess = self.number_bounds(schema, key, index)
        low = int(lo) + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
        if lo > low:
            low += 1
        high = int(hi) - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0)
        value = int(min(max(round(guess), low), high))
        step = schema.get("multipleOf")
        if isinstance(step, int) and step > 0:
            value = value - value % step
            if value < low:
                value += step
        return value

    def number(self, schema: Mapping[str, Any], key: str, index: int) -> float:
        lo, hi, guess = self.number_bounds(schema, key, index)
        if "exclusiveMinimum" in schema and "minimum" not in schema:
            lo = lo + min(1e-3, (hi - lo) / 4)
        if "exclusiveMaximum" in schema and "maximum" not in schema:
            hi = hi - min(1e-3, (hi - lo) / 4)
        value = min(max(guess, lo), hi)
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and step > 0:
            value = round(value / step) * step
            value = value if value >= lo else value + step
        return float(value)

    def text(self, key: str, index: int, schema: Mapping[str, Any]) -> str:
        name = key.lower()
        if any(w in name for w in ("title", "headline", "logline_title")):
            base = self.title() if index == 0 else f"{self.title()}: Part {index + 1}"
        elif name in ("name", "character", "speaker", "who") or name.endswith("_name"):
            base = self.cast[index % len(self.cast)]
        elif any(w in name for w in ("voice",)):
            base = "narrator"
        elif (name.endswith("line") and name != "logline") or "dialogue" in name or "quote" in name:
            base = f'"We came for the {self.word(index)}, but we found the {self.word(index + 1)}."'
        elif any(w in name for w in ("environment", "location", "setting", "place")):
            base = f"{PLACES[index % len(PLACES)].capitalize()}, shaped by the {self.word(index)}"
        elif any(w in name for w in _PROSE):
            base = f"{self.idea.rstrip('.')}. {self.sentence(index)}"
        elif any(w in name for w in ("mood", "tone", "style", "genre")):
            base = f"{self.word(index)} and {self.word(index + 2)}"
        elif any(w in name for w in ("id", "slug", "key")):
            base = f"{self.word(index)}-{index + 1}"
        elif name:
            base = f"{key.replace('_', ' ')}: {self.word(index)} {self.word(index + 1)}"
        else:
            base = f"{self.word(index)} {self.word(index + 1)}"
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        while len(base) < low:
            base = f"{base} {self.sentence(index + len(base))}"
        if high is not None and len(base) > int(high):
            base = base[: int(high)].rstrip() if int(high) > 0 else ""
            if len(base) < low:
                base = base.ljust(low, "x")
        return base


class DraftWriter:
    """``offline.draft``: a schema-shaped draft to edit, not a written story."""

    def __init__(self) -> None:
        self.info = ProviderInfo(
            id="offline.draft",
            kind=Kind.WRITER,
            model="schema-draft",
            version="2",  # 2: ideas in Japanese or Arabic are told in their own language
            label="draft writer (offline)",
            capabilities=Capabilities(),
            pricing=Free(),
            queue="cpu",
            offline=True,
        )

    def generate(self, request: Request, ctx: RunContext) -> Output:
        who = self.info.id
        if not isinstance(request, WriterRequest):
            raise CapabilityError(f"expects a writer request, got {request.kind}", provider=who)
        if ctx.cancelled():
            raise Canceled("canceled", provider=who)
        schema: Mapping[str, Any] = (
            request.schema
            or schema_in_message(request)
            or {
                "type": "object",
                "properties": {"title": {"type": "string"}, "text": {"type": "string"}},
                "required": ["title", "text"],
            }
        )
        ctx.progress(0.0, "drafting")
        idea = idea_text(request)
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise CapabilityError(f"not a valid JSON schema: {exc.message}", provider=who) from exc
        step = schema.get("title")
        if step in STORY_STEPS:
            story = StoryDraft(story_context(request), idea, request.seed or 0)
            idea = story.idea.text
            data: Any = story.answer(str(step))
        else:
            data = Drafter(schema, idea, request.seed or 0).value(schema)
        try:
            jsonschema.validate(data, schema)
        except jsonschema.ValidationError as exc:
            raise ProviderFailed(
                f"the draft does not fit the schema at {list(exc.absolute_path)}: {exc.message}",
                provider=who,
            ) from exc
        if not isinstance(data, dict):
            data = {"value": data}
        ctx.progress(1.0, "done")
        return Output(
            data=data,
            mime="application/json",
            metadata={
                "draft": True,
                "label": "draft writer (offline)",
                "idea": idea,
                "step": step if step in STORY_STEPS else "schema",
            },
        )
