"""Generate from in/out through the real engine and the live timeline service (no HTTP): the
exact frames, a gap sending none, linking and group moves, refunds on failure, prompt limits."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shotline.app import Studio
from shotline.assets.catalog import AssetKind
from shotline.jobs.status import JobStatus
from shotline.media.testcard import TestCard, read_frame_index, write_testcard
from shotline.providers.contracts import Output, PerCall, Request, RunContext
from shotline.providers.errors import ProviderFailed
from shotline.providers.offline import OfflineInterpolate
from shotline.studio.collab.commands import COMMAND
from shotline.studio.collab.service import TimelineService
from shotline.studio.derivatives import asset_of_url, media_url
from shotline.studio.generation import GenerationError, Generator, JobFollower, JobNotice
from shotline.timeline.model import Clip, ClipStatus, SourceType, Timeline
from tests.film.pipeline_support import studio_with

PROJECT = "p1"


class BrokenPaidVideo:
    """A paid video model whose every job fails at the provider."""

    def __init__(self) -> None:
        price = PerCall(Decimal("0.05"))
        base = OfflineInterpolate().info
        self.info = dataclasses.replace(base, id="broken.video", model="broken", pricing=price)
        self.calls = 0

    def generate(self, request: Request, ctx: RunContext) -> Output:
        self.calls += 1
        raise ProviderFailed("the model ran out of memory", provider=self.info.id)


@dataclasses.dataclass
class Rig:
    studio: Studio
    timelines: TimelineService
    generator: Generator
    follower: JobFollower
    notices: list[JobNotice]
    broken: BrokenPaidVideo


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    broken = BrokenPaidVideo()
    with studio_with(tmp_path / "data", [OfflineInterpolate(), broken]) as studio:
        timelines = TimelineService(tmp_path / "data")
        notices: list[JobNotice] = []
        follower = JobFollower(studio, timelines, notices.append, poll_seconds=0.02)
        follower.start()
        generator = Generator(studio, timelines, follower, tmp_path / "data" / "generation")
        try:
            yield Rig(studio, timelines, generator, follower, notices, broken)
        finally:
            follower.close()
            timelines.close()


def _shot(rig: Rig, tmp: Path, clip_id: str, fps: Fraction, start: float, seconds: float) -> Clip:
    card = TestCard(fps, seconds, gop=12, label=clip_id)
    path = write_testcard(card, tmp / f"{clip_id}.mp4")
    asset = rig.studio.engine.catalog.add_file(path, kind=AssetKind.VIDEO, mime="video/mp4",
                                               duration=seconds, fps=fps)  # fmt: skip
    return Clip(id=clip_id, name=f"{clip_id}.mp4", start=start, duration=seconds,
                source=media_url(PROJECT, asset.sha256), source_duration=seconds,
                source_fps=fps, width=320, height=180)  # fmt: skip


def _load(rig: Rig, *clips: Clip, in_point: float, out_point: float) -> None:
    rig.timelines.replace(PROJECT, Timeline(clips=clips))
    rig.timelines.select(PROJECT, in_point=in_point, out_point=out_point)


def _frame_index(rig: Rig, name: str | None) -> int:
    """The frame index in an input the job recorded (by content hash: ``sha256:<hex>``)."""
    assert name is not None and name.startswith("sha256:")
    path = rig.studio.engine.asset_path(name.removeprefix("sha256:"))
    return read_frame_index(np.asarray(Image.open(path).convert("RGB")))


def _wait_notice(rig: Rig, job_id: str, status: str) -> JobNotice:
    """The follower's notice of ``status`` for the job (it comes right after the clip update)."""
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [n for n in list(rig.notices) if n.job_id == job_id and n.status == status]
        if found:
            return found[-1]
        time.sleep(0.02)
    raise AssertionError(f"no {status} notice for job {job_id}")


def _wait_clip(rig: Rig, clip_id: str, status: ClipStatus) -> Clip:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        clip = rig.timelines.get(PROJECT).clip(clip_id)
        if clip.status is status:
            return clip
        time.sleep(0.02)
    raise AssertionError(f"clip {clip_id} is {clip.status}, not {status}")


def test_the_exact_frames_under_in_and_out_become_a_linked_clip(rig: Rig, tmp_path: Path) -> None:
    wide = _shot(rig, tmp_path, "wide", Fraction(24), 0.0, 4.0)
    close = _shot(rig, tmp_path, "close", Fraction(30000, 1001), 4.0, 4.0)
    # In on the wide's frame 72 (3.0 s), out one second into the close-up (its frame 29).
    _load(rig, wide, close, in_point=3.0, out_point=5.0)
    started = rig.generator.start(PROJECT, "ana", "a jeep drives under the camera")
    assert (started.first_frame and started.first_frame.frame) == 72
    assert (started.last_frame and started.last_frame.frame) == 29
    assert started.track_index == 1 and started.frames == 48
    job = rig.studio.engine.wait(started.job_id)
    assert job.status is JobStatus.SUCCEEDED
    assert _frame_index(rig, job.params["first_frame"]) == 72  # the pixels the model received
    assert _frame_index(rig, job.params["last_frame"]) == 29

    clip = _wait_clip(rig, started.clip_id, ClipStatus.READY)
    assert clip.source_type is SourceType.GENERATED
    assert set(clip.linked_clip_ids) == {"wide", "close"}
    assert (clip.start, clip.duration, clip.track_index) == (3.0, 2.0, 1)
    assert asset_of_url(clip.source or "") == job.result_asset
    assert clip.prompt == "a jeep drives under the camera"
    _wait_notice(rig, job.id, "succeeded")

    # The clip moves with its sources: moving the wide by +1 s moves the whole group.
    move = COMMAND.validate_python({"op": "move", "clipId": "wide", "delta": 1.0})
    rig.timelines.command(PROJECT, "ana", move)
    moved = rig.timelines.get(PROJECT)
    assert moved.clip(started.clip_id).start == pytest.approx(4.0)
    assert moved.clip("close").start == pytest.approx(5.0)


def test_a_gap_at_the_in_point_sends_only_the_out_frame(rig: Rig, tmp_path: Path) -> None:
    first = _shot(rig, tmp_path, "a", Fraction(24), 0.0, 2.0)
    second = _shot(rig, tmp_path, "b", Fraction(25), 4.0, 2.0)
    _load(rig, first, second, in_point=3.0, out_point=4.5)  # 3.0 s is in the gap
    started = rig.generator.start(PROJECT, "ana", "fog rolls in")
    assert started.first_frame is None and started.last_frame is not None
    assert started.last_frame.frame == 12  # 0.5 s into a 25 fps clip
    job = rig.studio.engine.wait(started.job_id)
    assert job.params["first_frame"] is None
    assert _frame_index(rig, job.params["last_frame"]) == 12
    clip = _wait_clip(rig, started.clip_id, ClipStatus.READY)
    assert clip.linked_clip_ids == ("b",)
    assert clip.track_index == 1  # above its source


def test_a_failing_provider_refunds_and_marks_the_clip_failed(rig: Rig, tmp_path: Path) -> None:
    wide = _shot(rig, tmp_path, "wide", Fraction(24), 0.0, 4.0)
    _load(rig, wide, in_point=1.0, out_point=3.0)
    ledger = rig.studio.engine.ledger
    before = ledger.balance("ana").remaining
    started = rig.generator.start(PROJECT, "ana", "a storm", provider="broken.video")
    assert started.credits == 48 and started.estimated_cost == Decimal("0.05")
    clip = _wait_clip(rig, started.clip_id, ClipStatus.FAILED)
    assert "ran out of memory" in (clip.extra.get("error") or "")
    assert ledger.balance("ana").remaining == before  # the credits came back
    assert rig.broken.calls >= 1
    failed = _wait_notice(rig, started.job_id, "failed")
    assert "ran out of memory" in (failed.error or "") and failed.clip_id == started.clip_id


def test_prompts_long_empty_and_non_latin(rig: Rig, tmp_path: Path) -> None:
    wide = _shot(rig, tmp_path, "wide", Fraction(24), 0.0, 4.0)
    _load(rig, wide, in_point=1.0, out_point=2.0)
    before = rig.timelines.get(PROJECT)
    for prompt, reason in (("x" * 10_000, "10000 characters"), ("   ", "empty"),
                           ("a\x00b", "control")):  # fmt: skip
        with pytest.raises(GenerationError, match=reason):
            rig.generator.start(PROJECT, "ana", prompt)
    assert rig.timelines.get(PROJECT) == before and rig.studio.engine.list() == []

    words = "夜の街を走るジープ — джип едет под камерой, שלום, مرحبا 🚙"
    started = rig.generator.start(PROJECT, "ana", words)
    clip = _wait_clip(rig, started.clip_id, ClipStatus.READY)
    assert clip.prompt == words and clip.name == f"AI: {words}"
    assert rig.studio.engine.get(started.job_id).prompt == words


def test_refusals_change_nothing(rig: Rig, tmp_path: Path) -> None:
    wide = _shot(rig, tmp_path, "wide", Fraction(24), 0.0, 4.0)
    local = Clip(id="mine", name="phone.mov", start=4.0, duration=2.0, source_type=SourceType.LOCAL,
                 owner="bo")  # fmt: skip
    _load(rig, wide, local, in_point=3.0, out_point=5.0)
    before = rig.timelines.get(PROJECT)
    with pytest.raises(GenerationError, match="only on bo's machine"):
        rig.generator.start(PROJECT, "ana", "x")
    with pytest.raises(GenerationError, match="must come after"):
        rig.generator.start(PROJECT, "ana", "x", in_point=2.0, out_point=1.0)
    with pytest.raises(GenerationError, match="finite"):
        rig.generator.start(PROJECT, "ana", "x", in_point=float("nan"), out_point=1.0)
    rig.timelines.select(PROJECT, clear=True)
    with pytest.raises(GenerationError, match="in point and an out point"):
        rig.generator.start(PROJECT, "ana", "x")
    after = rig.timelines.get(PROJECT)
    assert after.clips == before.clips and rig.studio.engine.list() == []


def test_a_job_that_finishes_before_its_clip_is_placed_still_lands(
    rig: Rig, tmp_path: Path
) -> None:
    from shotline.providers.contracts import VideoRequest

    _load(rig, _shot(rig, tmp_path, "wide", Fraction(24), 0.0, 4.0), in_point=1.0, out_point=2.0)
    engine = rig.studio.engine
    job_id = engine.submit(VideoRequest("quick", frames=12, width=320, height=180),
                           "offline.interpolate", user="ana")  # fmt: skip
    assert engine.wait(job_id).status is JobStatus.SUCCEEDED
    rig.follower.track(job_id, PROJECT, "late-clip", "ana")
    rig.follower.sync(job_id)  # the follower got there first: no clip yet, not done
    assert not rig.follower.generations(PROJECT)[0].done
    late = Clip(id="late-clip", name="AI: quick", start=1.0, duration=0.5,
                status=ClipStatus.PROCESSING, source_type=SourceType.GENERATED)  # fmt: skip
    rig.timelines.add_clip_system(PROJECT, late, link_to=("wide",))
    rig.follower.sync(job_id)  # what the generator does right after placing
    clip = rig.timelines.get(PROJECT).clip("late-clip")
    assert clip.status is ClipStatus.READY and asset_of_url(clip.source or "")
    assert rig.follower.generations(PROJECT)[0].done
