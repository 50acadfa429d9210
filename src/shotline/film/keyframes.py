"""Keyframe prompts as script data, so an edit re-renders only what it touches.

Generated boundary prompts describe the action of both segments they join. Left generated, an
edit to one segment's action would rewrite two keyframes and so three segments' videos. Seed 002
makes keyframe descriptions a written artifact of Phase 1, and so do we: when a run adopts a
script, its N+1 prompts are frozen into ``script.keyframes``. From then on an action edit changes
only that segment's video prompt, and a keyframe is re-drawn only when its own prompt (or one of
its reference images) changes.

Frozen text must not go stale when a character's look is edited (seed 001's "prompt staleness"):
``refresh_appearances`` rewrites, in every frozen prompt, the old description of each character
whose appearance or name changed since the script was last adopted.
"""

from __future__ import annotations

from pathlib import Path

from shotline.story.prompts import character_description, keyframe_prompts
from shotline.story.script import Keyframe, Script, load_script, save_script

APPLIED = ".script-applied.yaml"  # the script as the pipeline last adopted it


def freeze(script: Script) -> Script:
    """The script with every boundary prompt written out (overrides kept as they are)."""
    prompts = keyframe_prompts(script)
    frozen = tuple(Keyframe(index=i, prompt=p) for i, p in enumerate(prompts))
    if script.keyframes == frozen:
        return script
    return script.model_copy(update={"keyframes": frozen})


def refresh_appearances(previous: Script, script: Script) -> Script:
    """Carry character look and name edits into the frozen keyframe prompts."""
    before = {c.id: character_description(c) for c in previous.characters}
    changes = [
        (before[c.id], character_description(c))
        for c in script.characters
        if c.id in before and before[c.id] != character_description(c)
    ]
    if not changes or not script.keyframes:
        return script
    keyframes = []
    for keyframe in script.keyframes:
        prompt = keyframe.prompt
        for old, new in changes:
            prompt = prompt.replace(old, new) if prompt else prompt
        keyframes.append(keyframe.model_copy(update={"prompt": prompt}))
    return script.model_copy(update={"keyframes": tuple(keyframes)})


def adopt(script_file: Path, script: Script) -> Script:
    """Freeze and refresh ``script``, write it back when that changed it, remember it."""
    applied = script_file.parent / APPLIED
    refreshed = refresh_appearances(load_script(applied), script) if applied.is_file() else script
    adopted = freeze(refreshed)
    if adopted != script or not script_file.is_file():
        save_script(adopted, script_file)
    save_script(adopted, applied)
    return adopted
