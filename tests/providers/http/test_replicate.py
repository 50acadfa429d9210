"""Replicate predictions against the fake: WAN 2.2, Kling lip sync and its sync fallback."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from shotline.providers.contracts import (
    LipsyncRequest,
    Output,
    PollState,
    RemoteProvider,
    SimpleContext,
    VideoRequest,
)
from shotline.providers.errors import (
    CapabilityError,
    NotConfigured,
    ProviderError,
    ProviderFailed,
    RateLimited,
    Refused,
    TransientError,
)
from shotline.providers.http.replicate import (
    LIPSYNC_FALLBACK,
    WAN_22,
    ReplicateModel,
    ReplicateProvider,
)
from tests.providers.http.conftest import drive, poll_until_final, quick
from tests.providers.http.fakes import ReplicateFake

Make = Callable[..., ReplicateProvider]


@pytest.fixture
def make(replicate_fake: ReplicateFake) -> Make:
    def build(model: ReplicateModel | str = WAN_22, **kwargs: object) -> ReplicateProvider:
        options = quick(sleep=lambda s: None)
        options.update(kwargs)
        return ReplicateProvider(model, api_token="r8_test", base_url=replicate_fake.url, **options)

    return build


@pytest.fixture
def clip(tmp_path: Path) -> LipsyncRequest:
    video, audio = tmp_path / "shot.mp4", tmp_path / "line.wav"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42 shot")
    audio.write_bytes(b"RIFF....WAVEfmt line")
    return LipsyncRequest(video=video, audio=audio, duration=4.5)


def _wan(first: Path, seconds: Fraction = Fraction(9, 2)) -> VideoRequest:
    frames = int(seconds * 24)
    return VideoRequest(prompt="a walk", frames=frames, first_frame=first, seed=11)


@pytest.fixture(autouse=True)
def _schema_followed(replicate_fake: ReplicateFake) -> Iterator[None]:
    yield
    assert not replicate_fake.rejected  # every body followed the model's published inputs


def test_info() -> None:
    provider = ReplicateProvider(WAN_22, api_token="t", base_url="http://127.0.0.1:1")
    assert isinstance(provider, RemoteProvider)
    assert provider.info.queue == "cloud-replicate"
    caps = provider.info.capabilities
    assert (caps.min_frames, caps.max_frames, caps.duration_driven) == (81, 121, False)
    assert provider.info.endpoints == ("wan-video/wan-2.2-i2v-fast",)
    kling = ReplicateProvider("replicate.kling-lip-sync", api_token="t", base_url="http://x")
    request = LipsyncRequest(video=Path("v"), audio=Path("a"), duration=22)
    assert kling.info.pricing.estimate(request) == Decimal("0.308")
    sync = ReplicateProvider("replicate.sync-lipsync-2", api_token="t", base_url="http://x")
    assert sync.info.pricing.estimate(request) == Decimal("1.1")


def test_wan_end_to_end(
    replicate_fake: ReplicateFake, make: Make, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    provider = make()
    request_id, polls, output = drive(provider, _wan(frames[0]), ctx)

    (create,) = replicate_fake.requests("POST")
    assert create.path == "/v1/models/wan-video/wan-2.2-i2v-fast/predictions"
    assert create.headers["authorization"] == "Bearer r8_test"
    body = create.json["input"]
    assert "duration" not in body  # the model takes frames: num_frames at frames_per_second
    assert (body["num_frames"], body["frames_per_second"]) == (108, 24)
    assert body["resolution"] == "720p"
    assert body["seed"] == 11
    header, _, payload = body["image"].partition(",")
    assert header == "data:image/png;base64"
    assert base64.b64decode(payload) == frames[0].read_bytes()

    assert [p.state for p in polls] == [
        PollState.QUEUED,
        PollState.RUNNING,
        PollState.RUNNING,
        PollState.DONE,
    ]
    assert polls[1].logs[-1].endswith("15/30")
    gets = replicate_fake.requests("GET", rf"/v1/predictions/{request_id}")
    assert len(gets) == 5  # four polls and the fetch
    assert output.path is not None and output.path.read_bytes() == replicate_fake.video
    assert output.path.parent == ctx.workdir
    assert output.duration == 4.5
    assert (output.width, output.height) == (1280, 720)
    assert output.metadata["model"] == "wan-video/wan-2.2-i2v-fast"


@pytest.mark.parametrize(("count", "sent"), [(24, 81), (81, 81), (100, 100), (121, 121)])
def test_wan_frames_round_up_to_its_minimum(
    replicate_fake: ReplicateFake,
    make: Make,
    ctx: SimpleContext,
    frames: tuple[Path, Path],
    count: int,
    sent: int,
) -> None:
    request = VideoRequest(prompt="x", frames=count, first_frame=frames[0], last_frame=frames[1])
    make().submit(request, ctx)
    body = replicate_fake.requests("POST")[0].json["input"]
    assert body["num_frames"] == sent
    assert base64.b64decode(body["last_image"].partition(",")[2]) == frames[1].read_bytes()


def test_wan_needs_a_first_frame_and_at_most_ten_seconds(
    replicate_fake: ReplicateFake, make: Make, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    with pytest.raises(CapabilityError, match="first frame"):
        make().submit(VideoRequest(prompt="x", frames=48), ctx)
    with pytest.raises(CapabilityError, match="more than the 121 this model makes"):
        make().submit(_wan(frames[0], Fraction(11)), ctx)
    assert replicate_fake.requests("POST") == []


def test_pinned_version_uses_predictions_endpoint(
    replicate_fake: ReplicateFake, make: Make, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    pinned = ReplicateModel(
        id="replicate.wan-pinned",
        name=WAN_22.name,
        kind=WAN_22.kind,
        label="pinned",
        pricing=WAN_22.pricing,
        capabilities=WAN_22.capabilities,
        version="abc123",
    )
    make(pinned).submit(_wan(frames[0]), ctx)
    (create,) = replicate_fake.requests("POST")
    assert create.path == "/v1/predictions"
    assert create.json["version"] == "abc123"


def test_output_as_list(
    replicate_fake: ReplicateFake, make: Make, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    replicate_fake.outcomes.append("ok-list")
    _, _, output = drive(make(), _wan(frames[0]), ctx)
    assert output.path is not None and output.path.read_bytes() == replicate_fake.video


def test_failed_prediction(
    replicate_fake: ReplicateFake, make: Make, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    replicate_fake.outcomes.append("failed")
    provider = make()
    request = _wan(frames[0])
    request_id = provider.submit(request, ctx)
    final = poll_until_final(provider, request_id)
    assert final.state is PollState.FAILED and final.error == "CUDA out of memory"
    with pytest.raises(ProviderFailed, match="CUDA"):
        provider.fetch(request_id, request, ctx)


@pytest.mark.parametrize("outcome", ["nsfw", "flagged"])
def test_safety_failures_are_refused(
    replicate_fake: ReplicateFake,
    make: Make,
    ctx: SimpleContext,
    frames: tuple[Path, Path],
    outcome: str,
) -> None:
    replicate_fake.outcomes.append(outcome)
    provider = make()
    request_id = provider.submit(_wan(frames[0]), ctx)
    with pytest.raises(Refused):
        poll_until_final(provider, request_id)


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        ("validation", CapabilityError),
        ("402", ProviderFailed),
        ("401", NotConfigured),
        ("429", RateLimited),
        ("503", TransientError),
        ("drop", TransientError),
        ("hang", TransientError),
        ("malformed", TransientError),
        ("wrong-shape", TransientError),
    ],
)
def test_create_failures_are_mapped_and_not_retried(
    replicate_fake: ReplicateFake,
    make: Make,
    ctx: SimpleContext,
    frames: tuple[Path, Path],
    behaviour: str,
    error: type,
) -> None:
    replicate_fake.push("create", behaviour)
    with pytest.raises(error):
        make().submit(_wan(frames[0]), ctx)
    assert len(replicate_fake.requests("POST")) == 1


def test_cancel(
    replicate_fake: ReplicateFake, make: Make, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    provider = make()
    request_id = provider.submit(_wan(frames[0]), ctx)
    provider.cancel(request_id)
    cancels = replicate_fake.requests("POST", rf"/v1/predictions/{request_id}/cancel")
    assert len(cancels) == 1 and cancels[0].headers["authorization"] == "Bearer r8_test"
    assert provider.poll(request_id).state is PollState.CANCELED


def test_kling_lipsync_payload(
    replicate_fake: ReplicateFake, make: Make, ctx: SimpleContext, clip: LipsyncRequest
) -> None:
    _, _, output = drive(make("replicate.kling-lip-sync"), clip, ctx)
    (create,) = replicate_fake.requests("POST")
    assert create.path == "/v1/models/kwaivgi/kling-lip-sync/predictions"
    body = create.json["input"]
    assert body["video_url"].startswith("data:video/mp4;base64,")
    assert body["audio_file"].startswith("data:audio/wav;base64,")
    assert output.metadata["model"] == "kwaivgi/kling-lip-sync"
    assert output.duration == 4.5


def test_kling_refuses_clips_outside_two_to_ten_seconds(
    make: Make, ctx: SimpleContext, clip: LipsyncRequest
) -> None:
    short = LipsyncRequest(video=clip.video, audio=clip.audio, duration=1.0)
    with pytest.raises(CapabilityError, match="shorter"):
        make("replicate.kling-lip-sync").submit(short, ctx)


def test_large_inputs_are_uploaded_once(
    replicate_fake: ReplicateFake, make: Make, ctx: SimpleContext, clip: LipsyncRequest
) -> None:
    clip.video.write_bytes(b"V" * 4096)
    make("replicate.sync-lipsync-2", data_uri_limit=1024).submit(clip, ctx)
    (upload,) = replicate_fake.requests("POST", "/v1/files")
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert b"V" * 4096 in upload.body
    (create,) = replicate_fake.requests("POST", r"/v1/models/.*")
    assert create.path == "/v1/models/sync/lipsync-2/predictions"
    assert create.json["input"]["video"] == f"{replicate_fake.url}/v1/files/file-1/download"
    assert create.json["input"]["audio"].startswith("data:audio/wav;base64,")


def test_lipsync_fallback_order_kling_then_sync(
    replicate_fake: ReplicateFake, make: Make, ctx: SimpleContext, clip: LipsyncRequest
) -> None:
    """What the engine does with LIPSYNC_FALLBACK: Kling refuses, sync produces the clip."""
    assert LIPSYNC_FALLBACK == ("replicate.kling-lip-sync", "replicate.sync-lipsync-2")
    replicate_fake.outcomes.extend(["flagged", "ok"])
    produced: Output | None = None
    errors: list[ProviderError] = []
    for provider_id in LIPSYNC_FALLBACK:
        provider = make(provider_id)
        try:
            produced = drive(provider, clip, ctx)[2]
            break
        except (Refused, ProviderFailed) as exc:
            errors.append(exc)
    assert produced is not None and produced.metadata["model"] == "sync/lipsync-2"
    assert isinstance(errors[0], Refused)
    assert [c.path for c in replicate_fake.requests("POST")] == [
        "/v1/models/kwaivgi/kling-lip-sync/predictions",
        "/v1/models/sync/lipsync-2/predictions",
    ]
