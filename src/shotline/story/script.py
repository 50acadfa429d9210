"""The script: who is in the film, where it happens and what each segment shows.

A script is data a person can edit as YAML or JSON. It is split the way the pipeline consumes it:
characters carry a camera-ready ``appearance`` kept apart from the story text (story text that
restates hair or clothing goes stale when someone edits the look); environments and props are
described without people, because their reference images must be empty sets and bare objects.

Segments are numbered 1..N across scenes in scene order (that is how messages name them); in code
``script.segments`` is the flat, 0-based list. A film of N segments has N+1 boundary keyframes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shotline.files import write_atomic
from shotline.story.errors import ScriptError

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
SUFFIXES = (".yaml", ".yml", ".json")

# Words that put a person into a set or prop description ("no people" is fine: see _people).
PEOPLE_WORDS = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "person persons people man men woman women boy boys girl girls child children kid kids "
        "baby babies he she him her his hers himself herself someone somebody everyone everybody "
        "crowd crowds stranger strangers astronaut astronauts pedestrian pedestrians villager "
        "villagers passerby passersby"
    ).split()
)
_NEGATIONS = frozenset(("no", "not", "without", "nor", "never"))


class Framing(StrEnum):
    """Camera framings, in words the image providers (and the offline sketch) understand."""

    WIDE = "wide"
    FULL = "full"
    MEDIUM = "medium"
    CLOSE_UP = "close-up"
    EXTREME_CLOSE_UP = "extreme close-up"
    OVER_THE_SHOULDER = "over-the-shoulder"
    AERIAL = "aerial"


class _Model(BaseModel):
    # extra="forbid": a misspelt key in a hand-edited file is an error, not silently ignored.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Appearance(_Model):
    """What an image model needs to draw the same person every time."""

    clothing: str = ""
    hair: str = ""
    face: str = ""
    build: str = ""
    age: str = ""

    def describe(self) -> str:
        """One phrase for prompts: age; build; face; hair; wearing ... (empty parts left out)."""
        parts = [self.age, self.build, self.face, self.hair]
        if self.clothing:
            wearing = self.clothing.lower().startswith("wearing")
            parts.append(self.clothing if wearing else f"wearing {self.clothing}")
        return "; ".join(p for p in parts if p)


class Character(_Model):
    id: Id
    name: str = Field(min_length=1)
    appearance: Appearance = Appearance()
    voice: str = "narrator"
    description: str = ""  # personality and role: never appearance


class Environment(_Model):
    """A set: how it looks and feels, never who is in it."""

    id: Id
    name: str = Field(min_length=1)
    lighting: str = ""
    materials: str = ""
    palette: str = ""
    atmosphere: str = ""


class Prop(_Model):
    """An object, never a person."""

    id: Id
    name: str = Field(min_length=1)
    description: str = ""


class Line(_Model):
    speaker: Id  # a character id
    text: str = Field(min_length=1)


class Segment(_Model):
    id: Id
    narration: str = ""
    action: str = ""  # what the camera sees: drives keyframes and the video model
    dialogue: tuple[Line, ...] = ()
    characters: tuple[Id, ...] = ()
    props: tuple[Id, ...] = ()
    camera: Framing = Framing.MEDIUM


class Scene(_Model):
    id: Id
    environment: Id
    segments: tuple[Segment, ...]


class Keyframe(_Model):
    index: int = Field(ge=0)
    prompt: str | None = None  # replaces the generated prompt for this boundary


class Script(_Model):
    version: int = Field(default=1, ge=1, le=1)  # bumped, with an upgrade, when the shape changes
    title: str = Field(min_length=1)
    logline: str = ""
    style: str = ""
    aspect_ratio: str = "16:9"
    characters: tuple[Character, ...] = ()
    narrator_voice: str = "narrator"
    environments: tuple[Environment, ...] = ()
    props: tuple[Prop, ...] = ()
    scenes: tuple[Scene, ...]
    keyframes: tuple[Keyframe, ...] = ()  # optional: exactly N+1 when present

    @field_validator("aspect_ratio")
    @classmethod
    def _ratio(cls, value: str) -> str:
        match = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", value)
        if not match or int(match[1]) == 0 or int(match[2]) == 0:
            raise ValueError(f"expected W:H with positive whole numbers (16:9), got {value!r}")
        return f"{int(match[1])}:{int(match[2])}"

    @model_validator(mode="after")
    def _rules(self) -> Script:
        problems = list(_problems(self))
        if problems:
            raise _Problems(problems)
        return self

    # -- reading -------------------------------------------------------------------------------

    @property
    def segments(self) -> tuple[Segment, ...]:
        """Every segment in film order (segment 1 is ``segments[0]``)."""
        return tuple(seg for scene in self.scenes for seg in scene.segments)

    @property
    def aspect(self) -> Fraction:
        width, height = self.aspect_ratio.split(":")
        return Fraction(int(width), int(height))

    def scene_of(self, index: int) -> Scene:
        """The scene holding ``segments[index]``."""
        if index < 0:
            raise IndexError(f"segment index {index} is negative")
        for scene in self.scenes:
            if index < len(scene.segments):
                return scene
            index -= len(scene.segments)
        raise IndexError("segment index out of range")

    def character(self, character_id: str) -> Character:
        return _find(self.characters, character_id, "character")

    def environment(self, environment_id: str) -> Environment:
        return _find(self.environments, environment_id, "environment")

    def prop(self, prop_id: str) -> Prop:
        return _find(self.props, prop_id, "prop")


_Item = TypeVar("_Item", Character, Environment, Prop)


def _find(items: Sequence[_Item], wanted: str, kind: str) -> _Item:
    for item in items:
        if item.id == wanted:
            return item
    raise KeyError(f"no {kind} {wanted!r}")


# -- rules across the whole script ---------------------------------------------------------------


class _Problems(ValueError):
    """Cross-reference problems, already located; carried through pydantic to ``ScriptError``."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problems))


def _known(ids: Sequence[str]) -> str:
    return ", ".join(ids) if ids else "none"


def _duplicates(kind: str, ids: Sequence[str]) -> Iterator[str]:
    first: dict[str, int] = {}
    for n, item_id in enumerate(ids, 1):
        if item_id in first:
            yield (
                f"{kind} {n} ('{item_id}'): field 'id': duplicate id '{item_id}' "
                f"(first used by {kind} {first[item_id]})"
            )
        else:
            first[item_id] = n


def _people(text: str, names: Sequence[str]) -> str | None:
    """The first word in ``text`` that puts a person in it, or None."""
    words: list[str] = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    for k, word in enumerate(words):
        before = {w.lower() for w in words[max(0, k - 2) : k]}  # "no people", "without a man"
        if word.lower() in PEOPLE_WORDS and not before & _NEGATIONS:
            return word
    for name in names:  # names are capitalised: "Rose" is a person, "rose" a flower
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
            return name
    return None


def _character_names(script: Script) -> list[str]:
    names: list[str] = []
    for character in script.characters:
        for name in (character.name, character.name.split()[0]):
            if len(name) > 1 and name not in names:
                names.append(name)
    return names


def _problems(script: Script) -> Iterator[str]:
    cast = [c.id for c in script.characters]
    sets = [e.id for e in script.environments]
    things = [p.id for p in script.props]
    yield from _duplicates("character", cast)
    yield from _duplicates("environment", sets)
    yield from _duplicates("prop", things)
    yield from _duplicates("scene", [s.id for s in script.scenes])
    names = _character_names(script)
    for environment in script.environments:
        for field in ("name", "lighting", "materials", "palette", "atmosphere"):
            found = _people(str(getattr(environment, field)), names)
            if found:
                yield (
                    f"environment '{environment.id}' must not contain people: "
                    f"found '{found}' in field '{field}'"
                )
    for prop in script.props:
        for field in ("name", "description"):
            found = _people(str(getattr(prop, field)), names)
            if found:
                yield (
                    f"prop '{prop.id}' must not contain people: found '{found}' in field '{field}'"
                )
    if not script.scenes:
        yield "field 'scenes': a script needs at least one scene"
    seen_segments: dict[str, int] = {}
    number = 0
    for scene in script.scenes:
        here = f"scene '{scene.id}'"
        if scene.environment not in sets:
            yield (
                f"{here}: field 'environment': unknown environment '{scene.environment}' "
                f"(known: {_known(sets)})"
            )
        if not scene.segments:
            yield (
                f"{here}: field 'segments': a scene needs at least one segment "
                "(references and keyframes are made per segment)"
            )
        for segment in scene.segments:
            number += 1
            place = f"{here}, segment {number} ('{segment.id}')"
            if segment.id in seen_segments:
                yield (
                    f"{place}: field 'id': duplicate id '{segment.id}' "
                    f"(first used by segment {seen_segments[segment.id]})"
                )
            else:
                seen_segments[segment.id] = number
            yield from _segment_problems(place, segment, cast, things)
    expected = number + 1
    if script.keyframes and len(script.keyframes) != expected:
        yield (
            f"field 'keyframes': expected {expected} entries (N+1 boundaries for {number} "
            f"segments), got {len(script.keyframes)}"
        )
    elif script.keyframes:
        for position, keyframe in enumerate(script.keyframes):
            if keyframe.index != position:
                yield (
                    f"keyframe {position}: field 'index': expected {position} (keyframes are "
                    f"listed in order 0..{number}), got {keyframe.index}"
                )


def _segment_problems(
    place: str, segment: Segment, cast: Sequence[str], things: Sequence[str]
) -> Iterator[str]:
    listed: set[str] = set()
    for character_id in segment.characters:
        if character_id not in cast:
            yield (
                f"{place}: field 'characters': unknown character '{character_id}' "
                f"(known: {_known(cast)})"
            )
        elif character_id in listed:
            yield f"{place}: field 'characters': '{character_id}' is listed twice"
        listed.add(character_id)
    for k, line in enumerate(segment.dialogue):
        if line.speaker not in cast:
            yield (
                f"{place}: field 'dialogue[{k}].speaker': unknown character '{line.speaker}' "
                f"(known: {_known(cast)})"
            )
    for prop_id in segment.props:
        if prop_id not in things:
            yield f"{place}: field 'props': unknown prop '{prop_id}' (known: {_known(things)})"


# -- errors from pydantic, located like ours -----------------------------------------------------

_SINGULAR = {"characters": "character", "environments": "environment", "props": "prop"}


def _item(items: Any, index: int) -> Any:
    if isinstance(items, list | tuple) and 0 <= index < len(items):
        return items[index]
    return None


def _id_of(item: Any) -> str | None:
    if isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"]:
        return str(item["id"])
    return None


def _path(rest: Sequence[int | str]) -> str:
    out = ""
    for part in rest:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def locate(data: Any, loc: Sequence[int | str]) -> tuple[str, str]:
    """``(place, field)`` for a pydantic error location in the raw ``data``.

    ``('scenes', 0, 'segments', 2, 'camera')`` -> ``("scene 'intro', segment 3 ('seg03')",
    "camera")``; segment numbers count across scenes, as the film does.
    """
    loc = list(loc)
    root = data if isinstance(data, Mapping) else {}
    place = ""
    rest: list[int | str] = loc
    if len(loc) >= 2 and loc[0] == "scenes" and isinstance(loc[1], int):
        scenes = root.get("scenes")
        scene = _item(scenes, loc[1])
        scene_id = _id_of(scene)
        place = f"scene '{scene_id}'" if scene_id else f"scene {loc[1] + 1}"
        rest = loc[2:]
        if len(rest) >= 2 and rest[0] == "segments" and isinstance(rest[1], int):
            before = 0
            for k in range(loc[1]):
                earlier = _item(scenes, k)
                segs = earlier.get("segments") if isinstance(earlier, Mapping) else None
                before += len(segs) if isinstance(segs, list | tuple) else 0
            segs = scene.get("segments") if isinstance(scene, Mapping) else None
            segment_id = _id_of(_item(segs, rest[1]))
            place += f", segment {before + rest[1] + 1}"
            place += f" ('{segment_id}')" if segment_id else ""
            rest = rest[2:]
    elif len(loc) >= 2 and loc[0] in _SINGULAR and isinstance(loc[1], int):
        kind = _SINGULAR[str(loc[0])]
        item_id = _id_of(_item(root.get(str(loc[0])), loc[1]))
        place = f"{kind} '{item_id}'" if item_id else f"{kind} {loc[1] + 1}"
        rest = loc[2:]
    elif len(loc) >= 2 and loc[0] == "keyframes" and isinstance(loc[1], int):
        place = f"keyframe {loc[1]}"
        rest = loc[2:]
    return place, _path(rest)


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field"
    text = str(error["msg"]).removeprefix("Value error, ")
    return text[:1].lower() + text[1:]


def problems_of(error: ValidationError, data: Any) -> list[str]:
    """Every problem in a pydantic error, each naming its place and field."""
    out: list[str] = []
    for item in error.errors():
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, _Problems):
            out.extend(cause.problems)
            continue
        place, field = locate(data, item["loc"])
        parts = [p for p in (place, f"field '{field}'" if field else "") if p]
        out.append(": ".join([*parts, _message(item)]))
    return out


def parse_script(data: Any, source: str = "script") -> Script:
    """A ``Script`` from plain data (parsed YAML/JSON, a writer's answer) or a ``ScriptError``."""
    if not isinstance(data, Mapping):
        raise ScriptError(source, [f"expected a mapping at the top, got {type(data).__name__}"])
    try:
        return Script.model_validate(data)
    except ValidationError as exc:
        raise ScriptError(source, problems_of(exc, data)) from None


# -- files ---------------------------------------------------------------------------------------


def script_data(script: Script) -> dict[str, Any]:
    """Plain data in the model's field order (the order a reader expects in the file)."""
    data = script.model_dump(mode="json")
    if not data["keyframes"]:
        del data["keyframes"]
    return data


class _Dumper(yaml.SafeDumper):
    """Block style for the structure, flow style for short id lists, ``|`` for multi-line text."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = bool(value) and all(isinstance(v, str) and len(v) <= 40 for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ScriptError(
            str(path), [f"unsupported file type {suffix or '(none)'!r}: use .yaml or .json"]
        )
    return suffix


def dumps_script(script: Script, suffix: str = ".yaml") -> str:
    data = script_data(script)
    if suffix == ".json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100))


def load_script(path: str | Path) -> Script:
    """Read a script from ``.yaml``/``.yml`` or ``.json``; every problem is a ``ScriptError``."""
    target = Path(path)
    source = str(path)
    suffix = _suffix(target)
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScriptError(source, [f"cannot read: {exc.strerror or exc}"]) from exc
    try:
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ScriptError(source, [f"line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScriptError(source, [f"{where}{problem}"]) from None
    return parse_script(data, source)


SCHEMA_ID = "https://shotline.dev/schemas/script-v1.json"


def script_schema() -> dict[str, Any]:
    """The script format as JSON Schema (draft 2020-12), generated from ``Script``: the same
    model every script is validated with, so the schema cannot drift from what is accepted.
    Rules across fields (ids that must exist, no people in sets) are checked on load only."""
    schema = Script.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "shotline film script",
        "description": (
            "Characters (appearance kept apart from the story), environments and props without "
            "people, scenes of segments; segments are numbered 1..N across scenes and a film of "
            "N segments has N+1 boundary keyframes. See docs/script.md."
        ),
    }


def save_script(script: Script, path: str | Path) -> Path:
    """Write atomically, after validating again: a script changed without validation
    (``model_copy(update=...)``) that breaks a rule raises and leaves the old file untouched."""
    target = Path(path)
    suffix = _suffix(target)
    checked = parse_script(script_data(script), str(path))
    return write_atomic(target, dumps_script(checked, suffix).encode("utf-8"))
