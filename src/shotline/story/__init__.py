"""The story model of the idea-to-film pipeline: a script editable as YAML or JSON, the prompts
made from it (references, N+1 boundary keyframes, segment videos) and the writer steps that draft
it from an idea."""

from __future__ import annotations

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
from shotline.story.writer import APPEARANCE_SCHEMA, OUTLINE_SCHEMA, SEGMENT_SCHEMA, write_script

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
