"""Idea to film: three phases with two checkpoints, as a deterministic function of
(script, picks, options).

Every invocation runs from the top. Nothing is remembered in the process: each image, line, clip
and sync is a request to the engine, whose cache keys make finished work free (no provider
call, no money) and whose job rows hold the prompt and parameters before anything runs. So:

- a **checkpoint** is only a stop: when a pick is missing (and no YOLO scorer fills it) the run
  is left ``awaiting_pick_*``; ``film pick`` writes picks.json and ``film resume`` runs again,
  passing through what is done as cache hits;
- a **crash** anywhere is recovered the same way: generations that finished are hits, ones still
  queued or running are adopted (the restarted engine recovers their workflows), none is paid
  twice;
- an **edit** to ``script.yaml`` re-renders exactly what depends on it, because only the requests
  whose prompt or input images changed get new keys (see ``keyframes`` for why boundary prompts
  are frozen into the script).

Phase 3 lives in ``render``; this module holds the script, the references and the keyframes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shotline.film.budget import BudgetExceeded, check_budget, estimate
from shotline.film.checkpoints import (
    Choice,
    Scorer,
    checkpoint_message,
    choose,
    current_picks,
    first_variant,
    reference_specs,
)
from shotline.film.context import Approve, FilmContext
from shotline.film.generation import (
    Ask,
    Generator,
    JobCanceled,
    Outcome,
    Tally,
    require,
    summarize,
)
from shotline.film.keyframes import adopt
from shotline.film.progress import Progress, Silent
from shotline.film.render import render
from shotline.film.runs import Phase, Run, RunState
from shotline.film.services import Generations
from shotline.film.sheet import contact_sheet
from shotline.language import language_name, language_of
from shotline.providers.contracts import ImageRequest, Kind, WriterRequest
from shotline.providers.errors import ProviderFailed
from shotline.story.errors import ScriptError
from shotline.story.prompts import (
    character_reference_prompt,
    environment_reference_prompt,
    keyframe_characters,
    keyframe_prompts,
    prop_reference_prompt,
)
from shotline.story.script import Script, load_script
from shotline.story.writer import write_script


class FilmPipeline:
    def __init__(
        self,
        engine: Generations,
        run: Run,
        *,
        progress: Progress | None = None,
        approve: Approve | None = None,
        scorer: Scorer | None = None,
        pieces: Path | None = None,
    ) -> None:
        """``pieces``: a folder for encoded pieces shared by all runs (the data folder's
        ``pieces``), so an identical run encodes nothing again; None keeps them per run.
        The composition root builds one: ``Studio.film_pipeline``."""
        self.pieces = pieces
        self.engine = engine
        self.run = run
        self.progress = progress or Silent()
        self.approve = approve
        self.scorer = scorer

    def execute(self) -> RunState:
        """Run until the film is done or a checkpoint needs the user; returns the saved state.

        A script that does not validate raises ``ScriptError`` before anything is written.
        """
        state = self.run.load()
        script = load_script(self.run.script_path) if self.run.script_path.is_file() else None
        scorer = self.scorer or (first_variant if state.options.yolo else None)
        tally = Tally()
        gen = Generator(self.engine, state.options.providers, state.options.user, tally,
                        origin=f"film run {self.run.id}", note=self.progress.note)  # fmt: skip
        film = FilmContext(self.engine, self.run, state, gen, self.progress, self.approve, scorer,
                           self.pieces)  # fmt: skip
        state.message = ""
        try:
            self._phases(film, script)
        except BudgetExceeded as exc:
            self._finish(film, Phase.AWAITING_APPROVAL, str(exc))
            raise
        except JobCanceled as exc:
            self._finish(film, Phase.FAILED, f"{exc}: shotline film resume {self.run.id} "
                         "generates it again")  # fmt: skip
            raise
        except KeyboardInterrupt:  # not a failure: every job it started is left to finish
            where = film.state.phase.value
            self._finish(film, Phase.INTERRUPTED, f"interrupted during {where}: continue with "
                         f"shotline film resume {self.run.id}")  # fmt: skip
            raise
        except BaseException as exc:
            self._finish(film, Phase.FAILED, f"{type(exc).__name__}: {exc}")
            raise
        return self._finish(film, state.phase, state.message)

    def _finish(self, film: FilmContext, phase: Phase, message: str) -> RunState:
        state = film.state
        state.phase, state.message = phase, message
        state.spent += film.gen.tally.paid
        state.report = film.gen.tally.as_dict()
        return self.run.save(state)

    def _set_phase(self, film: FilmContext, phase: Phase) -> None:
        film.state.phase = phase
        self.run.save(film.state)  # ``film status`` in another process follows along

    def _phases(self, film: FilmContext, script: Script | None) -> None:
        self.progress.phase("Phase 1 - write and reference")
        script = adopt(self.run.script_path, script or self._write(film))
        refs = self._references(film, script)
        if refs.missing:
            self._stop(film, Phase.AWAITING_PICK_REFS, "refs", refs.missing)
            return
        self.progress.phase("Phase 2 - keyframes")
        keyframes = self._keyframes(film, script, refs.chosen)
        if keyframes.missing:
            self._stop(film, Phase.AWAITING_PICK_KEYFRAMES, "keyframes", keyframes.missing)
            return
        chosen = [keyframes.chosen[str(i)] for i in range(len(script.segments) + 1)]
        self.progress.phase("Phase 3 - sound, motion, assembly")
        self._set_phase(film, Phase.RENDERING)
        render(film, script, chosen)

    def _stop(self, film: FilmContext, phase: Phase, what: str, missing: list[str]) -> None:
        film.state.phase = phase
        film.state.message = checkpoint_message(self.run.id, film.state, film.run.picks(), missing)

    # -- Phase 1 --------------------------------------------------------------------------------

    def _write(self, film: FilmContext) -> Script:
        idea = film.options.idea
        if not idea:
            where = str(self.run.script_path)
            raise ScriptError(where, ["the run has neither a script nor an idea"])
        self._set_phase(film, Phase.WRITING)
        outcomes: list[Outcome] = []

        def ask(request: WriterRequest) -> Mapping[str, Any]:
            calls = len(outcomes) + 1
            self.progress.step("writing the script", calls, 2 + film.options.segments)
            outcome = film.gen.run_one(Ask("writer", f"script call {calls}", request))
            outcomes.append(outcome)
            if outcome.path is None:
                raise ProviderFailed(outcome.error or "the writer failed")
            answer: Mapping[str, Any] = json.loads(outcome.path.read_text())
            return answer

        try:
            script = write_script(idea, ask, segments=film.options.segments,
                                  style=film.options.style)  # fmt: skip
        finally:
            self.progress.note(summarize("script (writer calls)", outcomes))
        for note in self._language_notes(film, idea, script):
            film.progress.note(note)
            film.gen.tally.notes.append(note)
        return script

    def _language_notes(self, film: FilmContext, idea: str, script: Script) -> list[str]:
        """Say so when the story is not told in the idea's language, or only partly can be."""
        wanted = language_of(idea)
        told = language_of(" ".join(s.narration for s in script.segments))
        name, writer = language_name(wanted), film.gen.candidates(Kind.WRITER)[0]
        if told != wanted:
            return [f"{writer} told this {name} idea in {language_name(told)}: edit "
                    f"{self.run.script_path} or use a writer model that writes {name}"]  # fmt: skip
        if wanted != "en" and self.engine.provider_info(writer).offline:
            return [f"{writer} is no language model: this {name} idea keeps your words (title, "
                    f"logline, first line) and the rest is told in stock {name} lines; the image "
                    "prompts stay English. Configure a writer model for a real script"]  # fmt: skip
        return []

    def _references(self, film: FilmContext, script: Script) -> Choice:
        self._set_phase(film, Phase.REFERENCES)
        picks = current_picks(film.run.picks(), film.state.variant_basis)
        width, height = film.size
        asks: list[Ask] = []
        owners: list[tuple[str, int]] = []
        for spec in reference_specs(script):
            if isinstance(picks.refs.get(spec.key), str):
                continue  # the user's own guide image stands in for generated variants
            if spec.kind == "character":
                prompt = character_reference_prompt(script, script.character(spec.id))
            elif spec.kind == "environment":
                prompt = environment_reference_prompt(script, script.environment(spec.id))
            else:
                prompt = prop_reference_prompt(script, script.prop(spec.id))
            for variant in range(film.options.variants):
                request = ImageRequest(prompt, width, height, seed=variant)
                asks.append(Ask("reference", f"{spec.key} v{variant}", request))
                owners.append((spec.key, variant))
        variants = self._generate(film, asks, owners, "references", "references")
        for spec in reference_specs(script):
            variants.setdefault(spec.key, [])
        choice = choose(variants, picks.refs, film.run, film.scorer)
        if choice.missing:
            self._sheet(film, variants, "references", "Reference variants")
        return choice

    # -- Phase 2 --------------------------------------------------------------------------------

    def _keyframes(self, film: FilmContext, script: Script, refs: dict[str, Path]) -> Choice:
        self._set_phase(film, Phase.KEYFRAMES)
        cap = film.gen.capabilities_of(Kind.IMAGE).max_references
        width, height = film.size
        asks: list[Ask] = []
        owners: list[tuple[str, int]] = []
        for boundary, prompt in enumerate(keyframe_prompts(script)):
            keys = boundary_references(script, boundary, max(cap, 1))
            if len(keys) > cap:
                dropped = ", ".join(keys[cap:])
                film.gen.tally.notes.append(
                    f"K{boundary}: over the image model's cap of {cap} references, not sent: "
                    f"{dropped}"
                )
            images = tuple(refs[k] for k in keys)
            for variant in range(film.options.variants):
                request = ImageRequest(prompt, width, height, references=images, seed=variant)
                asks.append(Ask("keyframe", f"K{boundary} v{variant}", request))
                owners.append((str(boundary), variant))
        variants = self._generate(film, asks, owners, "keyframes", "keyframes")
        current = current_picks(film.run.picks(), film.state.variant_basis)
        picks = {k: v for k, v in current.keyframes.items() if k in variants}
        choice = choose(variants, picks, film.run, film.scorer)
        if choice.missing:
            self._sheet(film, variants, "keyframes", "Keyframe variants")
        return choice

    # -- shared ---------------------------------------------------------------------------------

    def _generate(
        self,
        film: FilmContext,
        asks: list[Ask],
        owners: list[tuple[str, int]],
        label: str,
        folder: str,
    ) -> dict[str, list[Path]]:
        """Price, check the budget, generate; returns catalog paths of variants per key, and
        leaves a copy of each in the run folder for people to look at."""
        plans = film.gen.plan(asks)
        cost = estimate(label, plans)
        if cost.generate:
            self.progress.note(cost.describe())
        check_budget(film.options.budget, film.spent, cost)
        paths = require(film.gen.run(plans, label, self.progress.step))
        variants: dict[str, list[Path]] = {}
        keys: dict[str, list[str]] = {}
        for (key, variant), path, plan in zip(owners, paths, plans, strict=True):
            variants.setdefault(key, []).append(path)
            keys.setdefault(key, []).append(plan.key or "")
            name = f"K{int(key):02d}" if folder == "keyframes" else key.replace(":", "-")
            film.place(path, folder, f"{name}-v{variant}{path.suffix or '.png'}")
        for key, made in keys.items():  # what a pick of these variants is a pick of
            film.state.variant_basis[key] = hashlib.sha256("|".join(made).encode()).hexdigest()[:16]
        return variants

    def _sheet(
        self, film: FilmContext, variants: dict[str, list[Path]], folder: str, title: str
    ) -> None:
        """All variants on one PNG, labelled with the KEY=VARIANT a pick takes."""
        images, labels = [], []
        for key, paths in variants.items():
            name = f"K{key}" if folder == "keyframes" else key
            for variant, path in enumerate(paths):
                images.append(path)
                labels.append(f"{name}={variant}")
        if images:
            columns = max(1, film.options.variants)
            contact_sheet(images, film.run.path(folder, "sheet.png"), columns=columns,
                          labels=labels, title=title, tile_width=240)  # fmt: skip


def boundary_references(script: Script, boundary: int, cap: int) -> list[str]:
    """Reference keys for keyframe ``boundary``: its characters, its environment, the props of
    the segment it opens. The environment goes in before the cap is reached, so a crowded frame
    loses a character's reference rather than the set (dropping is left to the conform step,
    which reports it)."""
    count = len(script.segments)
    lead = boundary if boundary < count else count - 1
    characters = [f"character:{c.id}" for c in keyframe_characters(script, boundary)]
    environment = f"environment:{script.scene_of(lead).environment}"
    props = [f"prop:{p}" for p in script.segments[lead].props]
    keys = [*characters[: cap - 1], environment, *characters[cap - 1 :], *props]
    return list(dict.fromkeys(keys))


__all__ = ["FilmPipeline", "boundary_references"]
