"""Prompts for every image and video the script needs (pure functions of the script).

Image models do not remember anyone between generations, so each keyframe prompt restates the
appearance of every character in frame. Prompts end with a ``Characters: A, B`` line: the offline
sketch provider draws exactly those figures, and real models read it as a plain cast list. Set and
prop prompts say explicitly that nobody is in frame: models add people unless told not to.
"""

from __future__ import annotations

from shotline.story.script import Character, Environment, Prop, Script, Segment

NO_CHARACTERS = "Characters: (none)"  # the sketch provider drops "(...)": no figures drawn


def _style(script: Script) -> str:
    return f"Style: {script.style.rstrip('.')}." if script.style else ""


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _cast_line(characters: list[Character]) -> str:
    if not characters:
        return NO_CHARACTERS
    return "Characters: " + ", ".join(c.name for c in characters)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else f"{text}."


def environment_description(environment: Environment) -> str:
    details = [
        f"{label} {value.rstrip('.')}"
        for label, value in (
            ("lighting:", environment.lighting),
            ("materials:", environment.materials),
            ("palette:", environment.palette),
            ("atmosphere:", environment.atmosphere),
        )
        if value
    ]
    return _sentence(f"{environment.name}" + (f" ({'; '.join(details)})" if details else ""))


def character_description(character: Character) -> str:
    look = character.appearance.describe()
    return f"{character.name} ({look})" if look else character.name


def character_reference_prompt(script: Script, character: Character) -> str:
    """A portrait to condition every frame the character is in: appearance only, no story."""
    return "\n".join(
        [
            _join(
                f"Character reference portrait of {character_description(character)}.",
                "Medium shot, head to waist so the clothing shows, facing the camera, neutral",
                "expression, even studio light, plain neutral background, nobody else in frame.",
                _style(script),
            ),
            _cast_line([character]),
        ]
    )


def environment_reference_prompt(script: Script, environment: Environment) -> str:
    """An empty set: the reference conditions frames that add the characters themselves."""
    return "\n".join(
        [
            _join(
                environment_description(environment),
                "Environment reference: an empty set with no people, no figures and no",
                "characters in frame. Wide establishing shot.",
                _style(script),
            ),
            NO_CHARACTERS,
        ]
    )


def prop_reference_prompt(script: Script, prop: Prop) -> str:
    """The object alone: no hands, no people."""
    return "\n".join(
        [
            _join(
                _sentence(f"{prop.name}: {prop.description}" if prop.description else prop.name),
                "Prop reference: the object alone on a plain neutral background, no people and",
                "no hands in frame. Close-up product shot.",
                _style(script),
            ),
            NO_CHARACTERS,
        ]
    )


def _boundary(script: Script, index: int) -> tuple[Segment | None, Segment | None]:
    """(the segment keyframe ``index`` closes, the one it opens); None at the film's ends."""
    segments = script.segments
    if not 0 <= index <= len(segments):
        raise IndexError(f"keyframe {index} out of range 0..{len(segments)}")
    closing = segments[index - 1] if index > 0 else None
    opening = segments[index] if index < len(segments) else None
    return closing, opening


def keyframe_characters(script: Script, index: int) -> list[Character]:
    """Who is in boundary frame ``index``: the characters of the segments on either side, in cast
    order (their references condition the frame)."""
    closing, opening = _boundary(script, index)
    present = {c for seg in (closing, opening) if seg is not None for c in seg.characters}
    return [c for c in script.characters if c.id in present]


def keyframe_props(script: Script, index: int) -> list[Prop]:
    """The props of the segments on either side of boundary frame ``index``, in script order."""
    closing, opening = _boundary(script, index)
    present = {p for seg in (closing, opening) if seg is not None for p in seg.props}
    return [p for p in script.props if p.id in present]


def _props_line(props: list[Prop]) -> str:
    """``Props: Seedling (a single green seedling in a dented metal cup).``: the objects the
    frame shows, described like the prop references (the offline sketch draws them too)."""
    if not props:
        return ""
    return (
        "Props: "
        + "; ".join(
            f"{p.name} ({p.description.rstrip('.')})" if p.description else p.name for p in props
        )
        + "."
    )


def _keyframe_prompt(script: Script, index: int) -> str:
    closing, opening = _boundary(script, index)
    total = len(script.segments)
    # The frame is shared by two segments; where they differ (a cut to a new set or framing)
    # the incoming segment wins, except for the last frame, which only closes.
    position = index if opening is not None else index - 1
    lead = script.segments[position]
    environment = script.environment(script.scene_of(position).environment)
    if closing is None:
        moment = f"Opening frame of segment 1: {_sentence(lead.action)}"
    elif opening is None:
        moment = f"Final frame, the end of segment {total}: {_sentence(closing.action)}"
    else:
        moment = _join(
            f"Boundary frame between segment {index} and segment {index + 1}.",
            f"It ends: {_sentence(closing.action)}",
            f"It begins: {_sentence(opening.action)}",
        )
    characters = keyframe_characters(script, index)
    props = keyframe_props(script, index)
    cast = (
        "In frame: " + "; ".join(character_description(c) for c in characters) + "."
        if characters
        else "Nobody in frame."
    )
    return "\n".join(
        [
            _join(
                moment,
                f"Camera: {lead.camera.value} shot, {script.aspect_ratio}.",
                f"Setting: {environment_description(environment)}",
                cast,
                _props_line(props),
                _style(script),
            ),
            _cast_line(characters),
        ]
    )


def keyframe_prompts(script: Script) -> list[str]:
    """N+1 boundary frame prompts: frame i opens ``segments[i]`` and closes ``segments[i-1]``
    (frame 0 opens segment 1, frame N closes segment N). ``script.keyframes`` overrides win."""
    overrides = {k.index: k.prompt for k in script.keyframes if k.prompt}
    return [
        overrides.get(i) or _keyframe_prompt(script, i) for i in range(len(script.segments) + 1)
    ]


def segment_video_prompt(script: Script, index: int) -> str:
    """Motion for ``segments[index]`` between its two keyframes; the frames carry the looks."""
    segments = script.segments
    if not 0 <= index < len(segments):
        raise IndexError(f"segment index {index} out of range 0..{len(segments) - 1}")
    segment = segments[index]
    environment = script.environment(script.scene_of(index).environment)
    return _join(
        _sentence(segment.action),
        f"Camera: {segment.camera.value} shot.",
        f"Setting: {environment.name}.",
        f"Story beat: {_sentence(segment.narration)}" if segment.narration else "",
        _style(script),
    )
