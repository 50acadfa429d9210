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

A frozen prompt can also go stale when a segment's action is edited: the keyframe still says
what the old action was. That stays so (no ripple: the edit re-renders one video), but the run
remembers, per boundary, the generated text its frozen prompt started as, so ``stale`` can name
the keyframes whose prompts nobody wrote by hand and whose segments now say something else, and
``refresh`` can rewrite exactly those.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from shotline.files import write_atomic
from shotline.story.prompts import character_description, keyframe_prompts
from shotline.story.script import Keyframe, Script, load_script, save_script

APPLIED = ".script-applied.yaml"  # the script as the pipeline last adopted it
SOURCES = ".keyframe-sources.json"  # boundary -> the generated text its frozen prompt began as


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
    sources = _sources(script_file.parent)
    given = _frozen(script)
    for index, prompt in _frozen(adopted).items():
        if index not in given or given[index] == sources.get(index):
            sources[index] = prompt  # generated now, or generated text carried through a refresh
    if adopted != script or not script_file.is_file():
        save_script(adopted, script_file)
    save_script(adopted, applied)
    _save_sources(script_file.parent, sources)
    return adopted


def stale(folder: Path, script: Script) -> list[int]:
    """Boundaries whose frozen prompt is still the generated text it began as, while the
    segments now generate something else (hand-written prompts are the user's: never stale)."""
    sources = _sources(folder)
    frozen = _frozen(script)
    now = keyframe_prompts(script.model_copy(update={"keyframes": ()}))
    return [
        i for i, text in enumerate(now)
        if i in frozen and sources.get(i) == frozen[i] and text != frozen[i]
    ]  # fmt: skip


def refresh(folder: Path, script_file: Path, script: Script, boundaries: Sequence[int]) -> Script:
    """Rewrite the frozen prompts of ``boundaries`` from their segments as they are now."""
    now = keyframe_prompts(script.model_copy(update={"keyframes": ()}))
    wanted = set(boundaries)
    keyframes = tuple(
        k.model_copy(update={"prompt": now[k.index]}) if k.index in wanted else k
        for k in script.keyframes
    )
    updated = script.model_copy(update={"keyframes": keyframes})
    save_script(updated, script_file)
    sources = _sources(folder)
    sources.update({i: now[i] for i in wanted})
    _save_sources(folder, sources)
    return updated


def _frozen(script: Script) -> dict[int, str]:
    return {k.index: k.prompt for k in script.keyframes if k.prompt}


def _sources(folder: Path) -> dict[int, str]:
    file = folder / SOURCES
    if not file.is_file():
        return {}
    return {int(k): str(v) for k, v in json.loads(file.read_text(encoding="utf-8")).items()}


def _save_sources(folder: Path, sources: dict[int, str]) -> None:
    data = json.dumps({str(k): v for k, v in sorted(sources.items())}, indent=1)
    write_atomic(folder / SOURCES, data.encode("utf-8"))
