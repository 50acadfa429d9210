"""From an idea to a script, through a writer provider, one structured JSON step at a time.

The steps follow the FilmStitch pipeline: (a) an outline (title, logline, style, the cast with
personalities, empty sets, props, a scene split), (b) each character's camera-ready appearance,
asked for apart from the story so story text never restates it, (c) every segment on its own.
Segments are asked for one by one and each gets up to three attempts: one bad answer should cost
one segment's retry, not the whole script. Retries carry the error and a new seed, so a caching
engine does not hand back the same bad answer.

``ask`` is injected: the pipeline passes an engine-backed function, tests pass fakes. Each request
carries a JSON schema whose ``title`` names the step, and a fenced JSON block with the context.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import jsonschema
from pydantic import ValidationError

from shotline.providers.contracts import Message, WriterRequest
from shotline.providers.errors import ProviderError, ProviderFailed
from shotline.story.errors import ScriptError
from shotline.story.script import ID_PATTERN, Framing, Script, Segment, parse_script, problems_of

Ask = Callable[[WriterRequest], Mapping[str, Any]]
ATTEMPTS = 3
SOURCE = "writer"

_ID = {"type": "string", "pattern": ID_PATTERN}
_TEXT = {"type": "string"}


def _object(properties: Mapping[str, Any], title: str | None = None) -> dict[str, Any]:
    # Every property required and nothing else allowed: what strict structured-output modes need.
    schema: dict[str, Any] = {
        "type": "object",
        "properties": dict(properties),
        "required": list(properties),
        "additionalProperties": False,
    }
    return {"title": title, **schema} if title else schema


OUTLINE_SCHEMA: Mapping[str, Any] = _object(
    {
        "title": {"type": "string", "minLength": 1},
        "logline": _TEXT,
        "style": _TEXT,
        "narrator_voice": _TEXT,
        "characters": {
            "type": "array",
            "minItems": 1,
            "maxItems": 6,
            "items": _object(
                {"id": _ID, "name": _TEXT, "role": _TEXT, "personality": _TEXT, "voice": _TEXT}
            ),
        },
        "environments": {
            "type": "array",
            "minItems": 1,
            "items": _object(
                {
                    "id": _ID,
                    "name": _TEXT,
                    "lighting": _TEXT,
                    "materials": _TEXT,
                    "palette": _TEXT,
                    "atmosphere": _TEXT,
                }
            ),
        },
        "props": {
            "type": "array",
            "items": _object({"id": _ID, "name": _TEXT, "description": _TEXT}),
        },
        "scenes": {
            "type": "array",
            "minItems": 1,
            "items": _object(
                {
                    "id": _ID,
                    "environment": _ID,
                    "summary": _TEXT,
                    "segments": {"type": "integer", "minimum": 1},
                }
            ),
        },
    },
    title="shotline.outline",
)

APPEARANCE_SCHEMA: Mapping[str, Any] = _object(
    {
        "characters": {
            "type": "array",
            "minItems": 1,
            "items": _object(
                {
                    "id": _ID,
                    "clothing": _TEXT,
                    "hair": _TEXT,
                    "face": _TEXT,
                    "build": _TEXT,
                    "age": _TEXT,
                }
            ),
        }
    },
    title="shotline.appearance",
)

SEGMENT_SCHEMA: Mapping[str, Any] = _object(
    {
        "narration": {"type": "string", "minLength": 1},
        "action": {"type": "string", "minLength": 1},
        "dialogue": {
            "type": "array",
            "items": _object({"speaker": _ID, "text": {"type": "string", "minLength": 1}}),
        },
        "characters": {"type": "array", "items": _ID},
        "props": {"type": "array", "items": _ID},
        "camera": {"enum": [f.value for f in Framing]},
    },
    title="shotline.segment",
)

SYSTEM = (
    "You write short films for shotline, an AI film studio. Answer with one JSON object that "
    "satisfies the JSON schema of the request, and nothing else."
)
OUTLINE_TASK = (
    "Plan a short film of exactly {n} segments from the idea. Give it a title, a one-sentence "
    "logline and a visual style. Name the characters and give each a role and a personality, "
    "never their appearance (no hair, clothing, face, build or age: that is asked for later). "
    "Environments are empty sets: describe lighting, materials, palette and atmosphere, never "
    "people. Props are objects only. Split the film into scenes, each in one environment, with "
    "a number of segments; the numbers add up to {n}."
)
APPEARANCE_TASK = (
    "Describe how each character looks, so that an image model draws them the same way in every "
    "frame: specific clothing, hair, face, build and age. Use the ids given. No story, no "
    "personality."
)
SEGMENT_TASK = (
    "Write segment {k} of {n}. narration: voice-over sentences that tell the story (no appearance "
    "details). action: what the camera sees, present tense, naming the characters. dialogue: "
    "lines spoken on screen (speaker ids from the cast), or none. characters and props: the ids "
    "of those in frame. camera: the framing. Keep continuity with the segments before."
)

_T = TypeVar("_T")


@dataclasses.dataclass(frozen=True)
class _Outline:
    data: Mapping[str, Any]
    counts: tuple[int, ...]  # segments per scene, adding up to the film's N


def _request(task: str, schema: Mapping[str, Any], context: Mapping[str, Any]) -> WriterRequest:
    block = json.dumps(context, indent=2, ensure_ascii=False)
    return WriterRequest(
        messages=(
            Message("system", f"{SYSTEM}\n\n{task}"),
            Message("user", f"Idea: {context['idea']}\n\n```json\n{block}\n```"),
        ),
        schema=schema,
    )


def _retry(request: WriterRequest, attempt: int, error: str, seed: int | None) -> WriterRequest:
    if attempt == 0:
        return dataclasses.replace(request, seed=seed)
    fix = Message("user", f"Your previous answer was not usable: {error}. Answer again.")
    return dataclasses.replace(
        request, messages=(*request.messages, fix), seed=(seed or 0) + attempt
    )


def _error_text(exc: Exception) -> str:
    if isinstance(exc, jsonschema.ValidationError):
        where = "/".join(str(p) for p in exc.absolute_path)
        return f"{where}: {exc.message}" if where else exc.message
    if isinstance(exc, ScriptError):
        return "; ".join(exc.problems)
    return str(exc)


def _ask_until_valid(
    ask: Ask,
    request: WriterRequest,
    build: Callable[[Mapping[str, Any]], _T],
    place: str,
    seed: int | None,
) -> _T:
    """``build(answer)`` for the first valid answer in ``ATTEMPTS`` tries, else a ScriptError."""
    error = ""
    for attempt in range(ATTEMPTS):
        try:
            answer = ask(_retry(request, attempt, error, seed))
            jsonschema.validate(answer, request.schema)
            return build(answer)
        except (ValueError, ProviderFailed, jsonschema.ValidationError) as exc:
            # Only answers can be wrong in a way a retry fixes; other provider errors (not
            # configured, capability, transient) are the engine's to handle.
            if isinstance(exc, ProviderError) and not isinstance(exc, ProviderFailed):
                raise
            error = _error_text(exc)
    raise ScriptError(SOURCE, [f"{place}: no valid answer after {ATTEMPTS} attempts: {error}"])


def split(counts: Sequence[int], total: int) -> tuple[int, ...]:
    """Segments per scene rescaled to add up to ``total`` (largest remainder, each at least 1):
    writers often miscount, and the film's length is not theirs to change."""
    if len(counts) > total:
        raise ValueError(f"{len(counts)} scenes cannot share {total} segments")
    if sum(counts) == total:
        return tuple(counts)
    spare = total - len(counts)  # one each first, the rest by weight
    weights = [max(0, c - 1) for c in counts]
    if sum(weights) == 0:
        weights = [1] * len(counts)
    shares = [spare * w / sum(weights) for w in weights]
    out = [1 + int(s) for s in shares]
    order = sorted(range(len(counts)), key=lambda k: (-(shares[k] - int(shares[k])), k))
    for k in order[: total - sum(out)]:
        out[k] += 1
    return tuple(out)


def _probe_script(outline: Mapping[str, Any], style: str | None) -> dict[str, Any]:
    """The outline as a script with one placeholder segment per scene: checks ids, references
    and people in sets and props with the same rules (and messages) as a finished script."""
    return {
        "title": outline["title"],
        "logline": outline["logline"],
        "style": style or outline["style"],
        "narrator_voice": outline["narrator_voice"] or "narrator",
        "characters": [
            {
                "id": c["id"],
                "name": c["name"],
                "voice": c["voice"] or "narrator",
                "description": "; ".join(p for p in (c["role"], c["personality"]) if p),
            }
            for c in outline["characters"]
        ],
        "environments": [dict(e) for e in outline["environments"]],
        "props": [dict(p) for p in outline["props"]],
        "scenes": [
            {"id": s["id"], "environment": s["environment"], "segments": [{"id": f"probe{k}"}]}
            for k, s in enumerate(outline["scenes"])
        ],
    }


def _cast(outline: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{k: c[k] for k in ("id", "name", "role", "personality")} for c in outline["characters"]]


def write_script(
    idea: str,
    ask: Ask,
    *,
    segments: int = 10,
    style: str | None = None,
    seed: int | None = None,
) -> Script:
    """A validated script of ``segments`` segments written from ``idea`` by ``ask``."""
    idea = " ".join(idea.split())
    if not idea:
        raise ScriptError(SOURCE, ["the idea is empty"])
    if segments < 1:
        raise ScriptError(SOURCE, [f"a film needs at least one segment, got {segments}"])

    # (a) outline
    def outline_of(answer: Mapping[str, Any]) -> _Outline:
        parse_script(_probe_script(answer, style), "outline")
        counts = split([int(s["segments"]) for s in answer["scenes"]], segments)
        return _Outline(answer, counts)

    context: dict[str, Any] = {"idea": idea, "segments": segments, "style": style}
    task = OUTLINE_TASK.format(n=segments)
    outline = _ask_until_valid(
        ask, _request(task, OUTLINE_SCHEMA, context), outline_of, "outline", seed
    )
    data = _probe_script(outline.data, style)
    cast = _cast(outline.data)
    cast_ids = [c["id"] for c in cast]

    # (b) appearance, kept apart from the story text
    def looks_of(answer: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        looks = {
            str(c["id"]): {k: v for k, v in c.items() if k != "id"} for c in answer["characters"]
        }
        missing = [i for i in cast_ids if i not in looks]
        unknown = [i for i in looks if i not in cast_ids]
        if missing or unknown:
            raise ValueError(
                f"appearance needed for exactly the cast ({', '.join(cast_ids)}); "
                f"missing: {', '.join(missing) or 'none'}, unknown: {', '.join(unknown) or 'none'}"
            )
        return looks

    context = {"idea": idea, "title": data["title"], "style": data["style"], "characters": cast}
    looks = _ask_until_valid(
        ask, _request(APPEARANCE_TASK, APPEARANCE_SCHEMA, context), looks_of, "appearance", seed
    )
    for character in data["characters"]:
        character["appearance"] = looks[character["id"]]

    # (c) every segment on its own
    prop_ids = [p["id"] for p in outline.data["props"]]
    width = max(2, len(str(segments)))
    written: list[Segment] = []
    for scene_number, (scene, count) in enumerate(
        zip(outline.data["scenes"], outline.counts, strict=True), 1
    ):
        first = len(written) + 1
        scene_segments: list[dict[str, Any]] = []
        for number in range(first, first + count):
            segment_id = f"seg{number:0{width}d}"

            def segment_of(answer: Mapping[str, Any], segment_id: str = segment_id) -> Segment:
                try:
                    segment = Segment.model_validate({"id": segment_id, **answer})
                except ValidationError as exc:
                    raise ValueError("; ".join(problems_of(exc, answer))) from None
                unknown = [c for c in segment.characters if c not in cast_ids]
                unknown += [
                    line.speaker for line in segment.dialogue if line.speaker not in cast_ids
                ]
                if unknown:
                    raise ValueError(
                        f"unknown character '{unknown[0]}' (cast: {', '.join(cast_ids)})"
                    )
                stray = [p for p in segment.props if p not in prop_ids]
                if stray:
                    raise ValueError(
                        f"unknown prop '{stray[0]}' (props: {', '.join(prop_ids) or 'none'})"
                    )
                return segment

            context = {
                "idea": idea,
                "title": data["title"],
                "logline": data["logline"],
                "style": data["style"],
                "segment": number,
                "segments": segments,
                "scene": {
                    "id": scene["id"],
                    "number": scene_number,
                    "summary": scene["summary"],
                    "first_segment": first,
                    "last_segment": first + count - 1,
                },
                "environment": next(
                    e for e in outline.data["environments"] if e["id"] == scene["environment"]
                ),
                "characters": cast,
                "props": [dict(p) for p in outline.data["props"]],
                "previous": [s.narration for s in written[-3:]],
            }
            task = SEGMENT_TASK.format(k=number, n=segments)
            place = f"scene '{scene['id']}', segment {number} ('{segment_id}')"
            segment = _ask_until_valid(
                ask, _request(task, SEGMENT_SCHEMA, context), segment_of, place, seed
            )
            written.append(segment)
            scene_segments.append(segment.model_dump(mode="json"))
        data["scenes"][scene_number - 1]["segments"] = scene_segments
    return parse_script(data, SOURCE)
