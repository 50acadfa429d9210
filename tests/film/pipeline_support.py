"""Shared pieces of the pipeline tests: a small script, a studio over chosen providers, counting
stand-ins for the offline providers (same ids, so the pipeline cannot tell), a run helper."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from shotline.app import Studio, build_engine
from shotline.config import Settings
from shotline.film.checkpoints import Scorer
from shotline.film.pipeline import FilmPipeline
from shotline.film.runs import Run, RunOptions, RunState
from shotline.jobs.config import JobsConfig
from shotline.providers.contracts import (
    Output,
    PerCall,
    Provider,
    Request,
    RunContext,
)
from shotline.providers.errors import ProviderFailed, Refused
from shotline.providers.offline import (
    DraftWriter,
    EspeakSpeech,
    OfflineInterpolate,
    OfflineSketch,
    no_lipsync,
)
from shotline.providers.registry import ProviderRegistry
from shotline.story.script import Script, load_script, save_script

SIZE = (256, 144)
VARIANTS = 2

# Three segments in two scenes; segment 3 has dialogue (lip sync), Theo appears only in it.
SCRIPT = """\
title: Moon Garden
logline: A stranded astronaut finds a flower on the moon.
style: pencil storyboard
narrator_voice: narrator
characters:
  - id: mara
    name: Mara
    voice: female
    appearance: {clothing: white spacesuit with orange stripes, hair: short black hair}
  - id: theo
    name: Theo
    voice: male
    appearance: {clothing: grey flight jacket, hair: red beard}
environments:
  - {id: crater, name: Shackleton crater rim, lighting: low harsh sunlight, palette: grey}
  - {id: base, name: Lunar base interior, lighting: warm lamps}
props:
  - {id: flower, name: Small blue flower, description: a single blue flower in grey dust}
scenes:
  - id: arrival
    environment: crater
    segments:
      - id: s1
        narration: Mara walks alone along the crater rim.
        action: Mara walks along the rim, dust rising at her boots.
        characters: [mara]
        camera: wide
      - id: s2
        narration: Something blue catches her eye.
        action: Mara kneels beside a small blue flower.
        characters: [mara]
        props: [flower]
        camera: close-up
  - id: home
    environment: base
    segments:
      - id: s3
        narration: Back at the base, she shows Theo.
        action: Mara hands the flower to Theo in the lamplight.
        dialogue:
          - {speaker: mara, text: Look what I found.}
          - {speaker: theo, text: That is impossible.}
        characters: [mara, theo]
        props: [flower]
        camera: medium
"""

FAST = {
    "queue_poll_seconds": 0.02,
    "progress_interval": 0.0,
    "heartbeat_seconds": 0.2,
    "reconcile_grace_seconds": 0.0,
}


def write_script_file(path: Path) -> Path:
    path.write_text(SCRIPT)
    return path


# -- counting providers --------------------------------------------------------------------------


class Calls:
    """Provider calls by provider id (thread-safe: DBOS runs steps on worker threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_id: Counter[str] = Counter()
        self.prompts: list[tuple[str, str]] = []

    def add(self, provider: str, request: Request) -> None:
        with self.lock:
            self.by_id[provider] += 1
            self.prompts.append((provider, str(getattr(request, "prompt", ""))))

    def snapshot(self) -> Counter[str]:
        with self.lock:
            return Counter(self.by_id)

    def since(self, before: Counter[str]) -> dict[str, int]:
        now = self.snapshot()
        return {k: now[k] - before[k] for k in now if now[k] - before[k]}


def counting(provider: Any, calls: Calls) -> Provider:
    """The same provider (same id, model, output), counting each ``generate``."""
    inner = provider.generate

    def generate(request: Request, ctx: RunContext) -> Output:
        calls.add(provider.info.id, request)
        result: Output = inner(request, ctx)
        return result

    provider.generate = generate
    return provider  # type: ignore[no-any-return]


def offline_counting(calls: Calls) -> list[Provider]:
    made = [OfflineSketch(), OfflineInterpolate(), EspeakSpeech(), DraftWriter(), no_lipsync()]
    return [counting(p, calls) for p in made]


class FailingLipsync:
    """A lip-sync provider whose every job fails at the provider."""

    def __init__(self, calls: Calls) -> None:
        self.info = dataclasses.replace(no_lipsync().info, id="broken.lipsync", model="broken")
        self.calls = calls

    def generate(self, request: Request, ctx: RunContext) -> Output:
        self.calls.add(self.info.id, request)
        raise ProviderFailed("the sync model crashed", provider=self.info.id)


class RefusingImages:
    """An image provider that refuses everything on safety grounds."""

    def __init__(self, calls: Calls) -> None:
        self.info = dataclasses.replace(OfflineSketch().info, id="strict.image", model="strict")
        self.calls = calls

    def generate(self, request: Request, ctx: RunContext) -> Output:
        self.calls.add(self.info.id, request)
        raise Refused("flagged by the safety filter", provider=self.info.id)


class PricedVideo:
    """``offline.interpolate``'s output at a price per call, under another id."""

    def __init__(self, calls: Calls, price: str = "0.10") -> None:
        self.inner = OfflineInterpolate()
        self.info = dataclasses.replace(
            self.inner.info, id="paid.video", model="paid", pricing=PerCall(Decimal(price))
        )
        self.calls = calls

    def generate(self, request: Request, ctx: RunContext) -> Output:
        self.calls.add(self.info.id, request)
        return self.inner.generate(request, ctx)


# -- studio and runs -----------------------------------------------------------------------------


@contextmanager
def studio_with(data: Path, providers: Sequence[Provider]) -> Iterator[Studio]:
    """A started studio over SQLite in ``data`` with exactly these providers."""
    settings = Settings(data_dir=data)
    config = dataclasses.replace(JobsConfig.from_settings(settings), **FAST)
    registry = ProviderRegistry(providers)
    engine = build_engine(config, registry, daily_frames=100_000)
    engine.start()
    try:
        yield Studio(settings, registry, engine)
    finally:
        engine.close()
        engine.engine.dispose()


def new_run(data: Path, script: Path, **options: Any) -> Run:
    settings = dict(variants=VARIANTS, width=SIZE[0], height=SIZE[1], yolo=True) | options
    run = Run.create(data, RunOptions(**settings), "test film")
    save_script(load_script(script), run.script_path)
    return run


def execute(studio: Studio, run: Run, scorer: Scorer | None = None) -> RunState:
    return FilmPipeline(studio.engine, run, scorer=scorer).execute()


def edit_script(run: Run, change: Any) -> Script:
    """Apply ``change(script) -> script`` to the run's script.yaml, as a person editing it."""
    edited: Script = change(load_script(run.script_path))
    save_script(edited, run.script_path)
    return edited


def segment(script: Script, index: int, **changes: Any) -> Script:
    """``script`` with ``changes`` made to segment ``index`` (0-based, across scenes)."""
    scenes = []
    for scene in script.scenes:
        segments = []
        for seg in scene.segments:
            if seg is script.segments[index]:
                seg = seg.model_copy(update=changes)
            segments.append(seg)
        scenes.append(scene.model_copy(update={"segments": tuple(segments)}))
    return script.model_copy(update={"scenes": tuple(scenes)})
