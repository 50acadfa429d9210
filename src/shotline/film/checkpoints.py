"""The two checkpoints: which reference and which keyframe variant the film uses.

A pick is stored by name, never by file: references as ``character:mara``/``environment:dock``/
``prop:lamp`` -> variant index (or a guide image the user supplied), keyframes as boundary index
-> variant index. Because the pipeline regenerates variants deterministically (seed = variant
index), a stored index still means "the second drawing" after an edit re-draws them.

YOLO mode fills every missing pick with a scorer's choice (variant 0 by default) each time it
runs, without storing it: a user's explicit pick always wins over the scorer.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from shotline.film.runs import Phase, Picks, Run, RunState
from shotline.story.script import Script

Scorer = Callable[[list[Path]], int]  # the variants of one artifact -> the index to use


def first_variant(variants: list[Path]) -> int:
    return 0


class PickError(ValueError):
    """A pick that names no reference or keyframe of the script, or no variant of it."""


@dataclass(frozen=True)
class RefSpec:
    """One reference image the film needs."""

    key: str  # "character:mara"
    kind: str  # character | environment | prop
    id: str
    label: str  # what people call it


def reference_specs(script: Script) -> list[RefSpec]:
    """Every reference, in the order people see them: characters, environments, props."""
    specs = [RefSpec(f"character:{c.id}", "character", c.id, c.name) for c in script.characters]
    specs += [RefSpec(f"environment:{e.id}", "environment", e.id, e.name)
              for e in script.environments]  # fmt: skip
    specs += [RefSpec(f"prop:{p.id}", "prop", p.id, p.name) for p in script.props]
    return specs


def resolve_ref_key(script: Script, name: str) -> str:
    """``character:mara``, or a bare id when only one kind has it (``mara``)."""
    specs = reference_specs(script)
    keys = {s.key for s in specs}
    if name in keys:
        return name
    matches = [s.key for s in specs if s.id == name or s.label.lower() == name.lower()]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(sorted(keys)) or "none"
    what = "is ambiguous" if matches else "is not a reference of this script"
    raise PickError(f"{name!r} {what} (references: {known})")


def resolve_keyframe(script: Script, name: str) -> int:
    """``3`` or ``K3``: a boundary index, 0..N."""
    count = len(script.segments) + 1
    match = re.fullmatch(r"[kK]?(\d+)", name.strip())
    if match is None or int(match[1]) >= count:
        raise PickError(f"{name!r} is not a keyframe: use 0..{count - 1} (or K0..K{count - 1})")
    return int(match[1])


def parse_assignment(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise PickError(f"expected KEY=VARIANT (or KEY=IMAGE for a guide), got {text!r}")
    return key.strip(), value.strip()


def _variant(value: str, variants: int, what: str) -> int | None:
    if not re.fullmatch(r"[vV]?\d+", value):
        return None
    index = int(value.lstrip("vV"))
    if index >= variants:
        raise PickError(f"{what}: variant {index} does not exist (variants 0..{variants - 1})")
    return index


def current_picks(picks: Picks, basis: Mapping[str, str]) -> Picks:
    """``picks`` without those made against variants that have been drawn again since."""

    def fresh(key: str) -> bool:
        made = picks.basis.get(key)
        return made is None or made == basis.get(key, made)

    return Picks(
        refs={k: v for k, v in picks.refs.items() if isinstance(v, str) or fresh(k)},
        keyframes={k: v for k, v in picks.keyframes.items() if fresh(k)},
        basis=dict(picks.basis),
    )


def waiting_for(state: RunState, script: Script, picks: Picks) -> list[str]:
    """What the run's checkpoint still needs, from the picks as they are now (``film pick``
    in another process may have made some since the run stopped)."""
    current = current_picks(picks, state.variant_basis)
    if state.phase is Phase.AWAITING_PICK_REFS:
        return [s.key for s in reference_specs(script) if s.key not in current.refs]
    if state.phase is Phase.AWAITING_PICK_KEYFRAMES:
        boundaries = [str(i) for i in range(len(script.segments) + 1)]
        return [b for b in boundaries if b not in current.keyframes]
    return []


def changed_since_picked(state: RunState, picks: Picks, keys: Sequence[str]) -> list[str]:
    return [k for k in keys if k in picks.basis and picks.basis[k] != state.variant_basis.get(k)]


def checkpoint_message(run_id: str, state: RunState, picks: Picks, missing: Sequence[str]) -> str:
    """The line ``film status`` and the pipeline show at a checkpoint."""
    what = "refs" if state.phase is Phase.AWAITING_PICK_REFS else "keyframes"
    if not missing:
        return f"every pick is made: continue with shotline film resume {run_id}"
    changed = set(changed_since_picked(state, picks, missing))
    names = [(k if what == "refs" else f"K{k}") + (" (re-drawn since it was picked)"
             if k in changed else "") for k in missing]  # fmt: skip
    return (
        f"waiting for picks ({', '.join(names)}): shotline film pick {run_id} {what} "
        f"KEY=VARIANT ..., then shotline film resume {run_id}"
    )


def pick_refs(run: Run, script: Script, variants: int, assignments: Sequence[str]) -> Picks:
    """Apply ``KEY=VARIANT`` or ``KEY=path/to/guide.png`` (the guide is copied into the run)."""
    picks = run.picks()
    basis = run.load().variant_basis
    for text in assignments:
        name, value = parse_assignment(text)
        key = resolve_ref_key(script, name)
        index = _variant(value, variants, key)
        if index is not None:
            picks.refs[key] = index
            _remember(picks, basis, key)
            continue
        guide = Path(value).expanduser()
        if not guide.is_file():
            raise PickError(f"{key}: {value!r} is neither a variant number nor an image file")
        stored = Path("references", "guides", f"{key.replace(':', '-')}{guide.suffix.lower()}")
        run.path(*stored.parts).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(guide, run.path(*stored.parts))
        picks.refs[key] = stored.as_posix()
    run.save_picks(picks)
    return picks


def pick_keyframes(run: Run, script: Script, variants: int, assignments: Sequence[str]) -> Picks:
    picks = run.picks()
    basis = run.load().variant_basis
    for text in assignments:
        name, value = parse_assignment(text)
        boundary = resolve_keyframe(script, name)
        index = _variant(value, variants, f"K{boundary}")
        if index is None:
            raise PickError(f"K{boundary}: expected a variant number, got {value!r}")
        picks.keyframes[str(boundary)] = index
        _remember(picks, basis, str(boundary))
    run.save_picks(picks)
    return picks


def _remember(picks: Picks, basis: Mapping[str, str], key: str) -> None:
    if key in basis:
        picks.basis[key] = basis[key]
    else:
        picks.basis.pop(key, None)


@dataclass(frozen=True)
class Choice:
    """The outcome of a checkpoint: the file chosen per key, and the keys still unpicked."""

    chosen: dict[str, Path]
    missing: list[str]


def choose(
    variants: Mapping[str, list[Path]],
    picks: Mapping[str, int | str],
    run: Run,
    scorer: Scorer | None,
) -> Choice:
    """Resolve picks against generated variants; with a scorer (YOLO), fill the gaps."""
    chosen: dict[str, Path] = {}
    missing: list[str] = []
    for key, paths in variants.items():
        pick = picks.get(key)
        if isinstance(pick, str):
            chosen[key] = run.path(*Path(pick).parts)  # a guide image in the run folder
        elif isinstance(pick, int) and 0 <= pick < len(paths):
            chosen[key] = paths[pick]
        elif scorer is not None and paths:
            index = scorer(list(paths))
            chosen[key] = paths[min(max(index, 0), len(paths) - 1)]
        else:
            missing.append(key)
    return Choice(chosen, missing)
