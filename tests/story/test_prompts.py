from __future__ import annotations

import re
from typing import Any

import pytest

from shotline.providers.offline.sketch import character_names
from shotline.story import (
    Script,
    character_reference_prompt,
    environment_reference_prompt,
    keyframe_characters,
    keyframe_prompts,
    parse_script,
    prop_reference_prompt,
    segment_video_prompt,
)
from shotline.story.script import PEOPLE_WORDS


@pytest.fixture
def script(data: dict[str, Any]) -> Script:
    return parse_script(data)


def test_n_plus_one_boundaries(script: Script) -> None:
    prompts = keyframe_prompts(script)
    assert len(prompts) == len(script.segments) + 1 == 5
    segments = script.segments
    for i, prompt in enumerate(prompts):
        if i < len(segments):  # keyframe i opens segment i ...
            assert segments[i].action in prompt
            assert f"Camera: {segments[i].camera.value} shot" in prompt
        if i > 0:  # ... and closes segment i-1
            assert segments[i - 1].action in prompt
        assert script.style in prompt
    assert prompts[0].startswith("Opening frame of segment 1: Mara walks.")
    assert prompts[4].startswith("Final frame, the end of segment 4: Theo finds Mara.")
    assert "Camera: over-the-shoulder shot" in prompts[4]  # the last frame follows the last segment


def test_keyframes_embed_the_appearance_of_everyone_present(script: Script) -> None:
    prompts = keyframe_prompts(script)
    for i, prompt in enumerate(prompts):
        present = keyframe_characters(script, i)
        for character in present:
            assert character.appearance.describe() in prompt
        assert prompt.splitlines()[-1] == "Characters: " + ", ".join(c.name for c in present)
        assert list(character_names(prompt)) == [c.name for c in present]  # the sketch agrees
    assert [c.id for c in keyframe_characters(script, 3)] == ["mara", "theo"]  # seg03 | seg04
    assert [c.id for c in keyframe_characters(script, 1)] == ["mara"]
    assert "wearing a white pressure suit with orange patches" in prompts[0]
    assert "Theo" not in prompts[0]


def test_keyframe_environment_follows_the_incoming_segment(script: Script) -> None:
    prompts = keyframe_prompts(script)
    assert "Setting: Crater rim (lighting: hard low sunlight" in prompts[2]
    assert "Setting: Hidden garden" in prompts[3] and "Setting: Hidden garden" in prompts[4]


def test_overrides_replace_one_keyframe(data: dict[str, Any]) -> None:
    data["keyframes"] = [{"index": i} for i in range(5)]
    data["keyframes"][2]["prompt"] = "A hand-written frame.\nCharacters: Mara"
    script = parse_script(data)
    prompts = keyframe_prompts(script)
    assert prompts[2] == "A hand-written frame.\nCharacters: Mara"
    data.pop("keyframes")
    assert prompts[:2] + prompts[3:] == [
        p for i, p in enumerate(keyframe_prompts(parse_script(data))) if i != 2
    ]


def test_environment_and_prop_references_have_no_people(script: Script) -> None:
    names = {c.name for c in script.characters}
    for prompt in [
        *(environment_reference_prompt(script, e) for e in script.environments),
        *(prop_reference_prompt(script, p) for p in script.props),
    ]:
        assert "no people" in prompt
        assert character_names(prompt) == ()  # the sketch draws nobody
        words = set(re.findall(r"[A-Za-z]+", prompt))
        assert not words & names
        assert not {w.lower() for w in words} & (PEOPLE_WORDS - {"people"})
    crater = environment_reference_prompt(script, script.environment("crater"))
    assert "lighting: hard low sunlight" in crater and "palette: ash grey, black" in crater
    assert "a cracked gauge" in prop_reference_prompt(script, script.prop("gauge"))


def test_character_reference(script: Script) -> None:
    prompt = character_reference_prompt(script, script.character("mara"))
    assert (
        "late 30s; lean; grey eyes, a scar on the chin; short black hair; wearing a white" in prompt
    )
    assert "pencil storyboard" in prompt
    assert "stubborn" not in prompt  # personality is story, not looks
    assert character_names(prompt) == ("Mara",)


def test_segment_video_prompt(script: Script) -> None:
    prompt = segment_video_prompt(script, 1)
    assert prompt.startswith("Mara checks the gauge. Camera: close-up shot. Setting: Crater rim.")
    assert "pencil storyboard" in prompt and "pressure suit" not in prompt
    with pytest.raises(IndexError):
        segment_video_prompt(script, 4)
    with pytest.raises(IndexError):
        keyframe_characters(script, 5)


def test_keyframes_name_the_props_of_their_segments(script: Script) -> None:
    from shotline.providers.offline.sketch import read_scene

    prompts = keyframe_prompts(script)
    with_gauge = [i for i, p in enumerate(prompts) if "Props: Oxygen gauge (a cracked gauge)." in p]
    holders = [i for i, seg in enumerate(script.segments) if "gauge" in seg.props]
    assert with_gauge == sorted({k for i in holders for k in (i, i + 1)})  # both its boundaries
    scene = read_scene(prompts[with_gauge[0]])
    assert [(p.name, p.description, p.kind) for p in scene.props] == [
        ("Oxygen gauge", "a cracked gauge", "dial")
    ]
    assert all("Props:" not in prompts[i] for i in range(len(prompts)) if i not in with_gauge)
