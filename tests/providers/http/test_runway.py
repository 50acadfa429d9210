"""Runway image-to-video against the fake."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from shotline.providers.contracts import PollState, RemoteProvider, SimpleContext, VideoRequest
from shotline.providers.errors import (
    CapabilityError,
    NotConfigured,
    ProviderFailed,
    RateLimited,
    Refused,
    TransientError,
)
from shotline.providers.http.runway import RunwayProvider, ratio_for
from tests.providers.http.conftest import drive, poll_until_final, quick
from tests.providers.http.fakes import RunwayFake


@pytest.fixture
def runway(runway_fake: RunwayFake) -> Iterator[RunwayProvider]:
    provider = RunwayProvider(
        api_key="rw-test", base_url=runway_fake.url, sleep=lambda s: None, **quick()
    )
    yield provider
    provider.close()


def _request(first: Path, frames: int = 120, width: int = 1280, height: int = 720) -> VideoRequest:
    return VideoRequest(
        prompt="slow push in", frames=frames, first_frame=first, width=width, height=height
    )


def test_info_and_ratios() -> None:
    provider = RunwayProvider(api_key="k", base_url="http://127.0.0.1:1")
    assert isinstance(provider, RemoteProvider)
    assert provider.info.queue == "cloud-runway"
    assert provider.info.pricing.estimate(VideoRequest(prompt="x", frames=120)) == Decimal("0.25")
    assert ratio_for(1280, 720) == "1280:720"
    assert ratio_for(1920, 1080) == "1280:720"
    assert ratio_for(1080, 1080) == "960:960"
    with pytest.raises(CapabilityError):
        ratio_for(1000, 700)


def test_end_to_end(
    runway_fake: RunwayFake, runway: RunwayProvider, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    request_id, polls, output = drive(runway, _request(frames[0]), ctx)
    (create,) = runway_fake.requests("POST")
    assert create.path == "/v1/image_to_video"
    assert create.headers["authorization"] == "Bearer rw-test"
    assert create.headers["x-runway-version"] == "2024-11-06"
    body = create.json
    assert body["model"] == "gen4_turbo"
    assert body["ratio"] == "1280:720"
    assert body["duration"] == 5
    assert body["promptText"] == "slow push in"
    header, _, payload = body["promptImage"].partition(",")
    assert header == "data:image/png;base64"
    assert base64.b64decode(payload) == frames[0].read_bytes()

    assert [p.state for p in polls] == [
        PollState.QUEUED,
        PollState.QUEUED,
        PollState.RUNNING,
        PollState.DONE,
    ]
    assert polls[2].progress == 0.4
    assert all(
        c.headers["x-runway-version"] == "2024-11-06"
        for c in runway_fake.requests("GET", rf"/v1/tasks/{request_id}")
    )
    assert output.path is not None and output.path.read_bytes() == runway_fake.video
    assert (output.width, output.height, output.duration) == (1280, 720, 5.0)


def test_ten_seconds(
    runway_fake: RunwayFake, runway: RunwayProvider, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    runway.submit(_request(frames[0], frames=240), ctx)
    assert runway_fake.requests("POST")[0].json["duration"] == 10


def test_seven_seconds_round_up_to_ten_not_down_to_five(
    runway_fake: RunwayFake, runway: RunwayProvider, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    """Rounding to the nearest made 7 s into 5 s (2 s of the shot lost); up loses nothing."""
    request = _request(frames[0], frames=7 * 24)
    runway.submit(request, ctx)
    assert runway_fake.requests("POST")[0].json["duration"] == 10
    assert runway.info.pricing.estimate(request) == Decimal("0.50")
    assert not runway_fake.rejected


def test_refuses_what_runway_cannot_do(
    runway_fake: RunwayFake, runway: RunwayProvider, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    with pytest.raises(CapabilityError, match="first frame"):
        runway.submit(VideoRequest(prompt="x"), ctx)
    with pytest.raises(CapabilityError, match="no output size of the same shape"):
        runway.submit(_request(frames[0], width=1000, height=704), ctx)
    with pytest.raises(CapabilityError, match="longer"):
        runway.submit(_request(frames[0], frames=24 * 14), ctx)
    assert runway_fake.requests("POST") == []


def test_safety_failure_is_refused(
    runway_fake: RunwayFake, runway: RunwayProvider, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    runway_fake.outcomes.append("safety")
    request = _request(frames[0])
    task_id = runway.submit(request, ctx)
    with pytest.raises(Refused, match="SAFETY.INPUT.IMAGE"):
        poll_until_final(runway, task_id)
    with pytest.raises(Refused):
        runway.fetch(task_id, request, ctx)


def test_internal_failure(
    runway_fake: RunwayFake, runway: RunwayProvider, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    runway_fake.outcomes.append("failed")
    request = _request(frames[0])
    task_id = runway.submit(request, ctx)
    final = poll_until_final(runway, task_id)
    assert final.state is PollState.FAILED
    assert final.error == "An unexpected error occurred. (INTERNAL.BAD_OUTPUT.CODE01)"
    with pytest.raises(ProviderFailed):
        runway.fetch(task_id, request, ctx)


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        ("moderation", Refused),
        ("400", CapabilityError),
        ("401", NotConfigured),
        ("429", RateLimited),
        ("500", TransientError),
        ("drop", TransientError),
        ("hang", TransientError),
        ("malformed", TransientError),
        ("wrong-shape", TransientError),
    ],
)
def test_create_failures_are_mapped_and_not_retried(
    runway_fake: RunwayFake,
    runway: RunwayProvider,
    ctx: SimpleContext,
    frames: tuple[Path, Path],
    behaviour: str,
    error: type,
) -> None:
    runway_fake.push("create", behaviour)
    with pytest.raises(error):
        runway.submit(_request(frames[0]), ctx)
    assert len(runway_fake.requests("POST")) == 1


def test_poll_retries_a_dropped_read(
    runway_fake: RunwayFake, runway: RunwayProvider, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    task_id = runway.submit(_request(frames[0]), ctx)
    runway_fake.push("task", "drop", "502")
    assert runway.poll(task_id).state is PollState.QUEUED
    assert len(runway_fake.requests("GET")) == 3


def test_cancel(
    runway_fake: RunwayFake, runway: RunwayProvider, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    task_id = runway.submit(_request(frames[0]), ctx)
    runway.cancel(task_id)
    (delete,) = runway_fake.requests("DELETE")
    assert delete.path == f"/v1/tasks/{task_id}"
    assert delete.headers["x-runway-version"] == "2024-11-06"
    assert runway.poll(task_id).state is PollState.CANCELED


def test_oversized_image_is_refused_before_sending(
    runway_fake: RunwayFake, runway: RunwayProvider, ctx: SimpleContext, tmp_path: Path
) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"\x00" * (4 * 1024 * 1024))  # 4 MB -> ~5.3 MB as base64
    with pytest.raises(CapabilityError, match="5 MB"):
        runway.submit(_request(big), ctx)
    assert runway_fake.requests() == []
