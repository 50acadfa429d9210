"""The story model of the idea-to-film pipeline: a script editable as YAML or JSON, the prompts
made from it (references, N+1 boundary keyframes, segment videos) and the writer steps that draft
it from an idea."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shotline.lazy import exports

if TYPE_CHECKING:
    from shotline.story.errors import ScriptError
    from shotline.story.prompts import (
        character_reference_prompt,
        environment_reference_prompt,
        keyframe_characters,
        keyframe_prompts,
        prop_reference_prompt,
        segment_video_prompt,
    )
    from shotline.story.script import (
        Appearance,
        Character,
        Environment,
        Framing,
        Keyframe,
        Line,
        Prop,
        Scene,
        Script,
        Segment,
        load_script,
        parse_script,
        save_script,
    )
    from shotline.story.writer import (
        APPEARANCE_SCHEMA,
        OUTLINE_SCHEMA,
        SEGMENT_SCHEMA,
        write_script,
    )

# Imported on first use: importing one light submodule must not load the heavy ones.
__getattr__ = exports(
    __name__,
    {
        "ScriptError": "shotline.story.errors",
        "character_reference_prompt": "shotline.story.prompts",
        "environment_reference_prompt": "shotline.story.prompts",
        "keyframe_characters": "shotline.story.prompts",
        "keyframe_prompts": "shotline.story.prompts",
        "prop_reference_prompt": "shotline.story.prompts",
        "segment_video_prompt": "shotline.story.prompts",
        "Appearance": "shotline.story.script",
        "Character": "shotline.story.script",
        "Environment": "shotline.story.script",
        "Framing": "shotline.story.script",
        "Keyframe": "shotline.story.script",
        "Line": "shotline.story.script",
        "Prop": "shotline.story.script",
        "Scene": "shotline.story.script",
        "Script": "shotline.story.script",
        "Segment": "shotline.story.script",
        "load_script": "shotline.story.script",
        "parse_script": "shotline.story.script",
        "save_script": "shotline.story.script",
        "APPEARANCE_SCHEMA": "shotline.story.writer",
        "OUTLINE_SCHEMA": "shotline.story.writer",
        "SEGMENT_SCHEMA": "shotline.story.writer",
        "write_script": "shotline.story.writer",
    },
)

__all__ = [
    "APPEARANCE_SCHEMA",
    "OUTLINE_SCHEMA",
    "SEGMENT_SCHEMA",
    "Appearance",
    "Character",
    "Environment",
    "Framing",
    "Keyframe",
    "Line",
    "Prop",
    "Scene",
    "Script",
    "ScriptError",
    "Segment",
    "character_reference_prompt",
    "environment_reference_prompt",
    "keyframe_characters",
    "keyframe_prompts",
    "load_script",
    "parse_script",
    "prop_reference_prompt",
    "save_script",
    "segment_video_prompt",
    "write_script",
]
