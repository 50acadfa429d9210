"""fal queue API against the fake: LTX-2 19B and Pro video, image models, reference caps; the fake
holds each endpoint's published schema and answers 422 to anything else."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from shotline.providers.contracts import (
    ImageRequest,
    Kind,
    PollState,
    RemoteProvider,
    SimpleContext,
    VideoRequest,
)
from shotline.providers.errors import (
    CapabilityError,
    NotConfigured,
    ProviderFailed,
    RateLimited,
    Refused,
    TransientError,
)
from shotline.providers.http.fal import (
    IMAGE_MODELS,
    LTX_2,
    LTX_2_PRO,
    MODELS,
    FalProvider,
    app_id,
    passthrough_model,
)
from tests.providers.http.conftest import drive, poll_until_final, quick
from tests.providers.http.fakes import FalFake


def _decode(uri: str) -> bytes:
    header, _, payload = uri.partition(",")
    assert header == "data:image/png;base64"
    return base64.b64decode(payload)


@pytest.fixture
def ltx(fal_fake: FalFake) -> Iterator[FalProvider]:
    provider = FalProvider(
        LTX_2, api_key="fal-test-key", base_url=fal_fake.url, sleep=lambda s: None, **quick()
    )
    yield provider
    provider.close()


def _image(fal_fake: FalFake, model_id: str) -> FalProvider:
    return FalProvider(
        model_id, api_key="fal-test-key", base_url=fal_fake.url, sleep=lambda s: None, **quick()
    )


def test_app_id_drops_the_subpath() -> None:
    assert app_id("fal-ai/ltx-2/image-to-video") == "fal-ai/ltx-2"
    assert app_id("fal-ai/ltx-2-19b/distilled/image-to-video") == "fal-ai/ltx-2-19b"
    assert app_id("fal-ai/flux-pro/kontext/text-to-image") == "fal-ai/flux-pro"
    assert app_id("fal-ai/qwen-image-edit") == "fal-ai/qwen-image-edit"


def test_info_and_pricing() -> None:
    provider = FalProvider(LTX_2, api_key="k", base_url="http://127.0.0.1:1")
    assert isinstance(provider, RemoteProvider)
    assert provider.info.queue == "cloud-fal"
    assert provider.info.endpoints == (
        "fal-ai/ltx-2-19b/distilled/image-to-video",
        "fal-ai/ltx-2-19b/distilled/text-to-video",
    )
    # per megapixel of width x height x frames, rounded up: 1280x720x121 = 111.5 -> 112 MP
    request = VideoRequest(prompt="x", frames=121, width=1280, height=720)
    assert provider.info.pricing.estimate(request) == Decimal("0.0896")
    # LTX-2 Pro bills the seconds it is asked for, by resolution: 6 s at 1080p = $0.36
    pro = FalProvider(LTX_2_PRO, api_key="k", base_url="http://127.0.0.1:1")
    six = VideoRequest(prompt="x", frames=150, fps=Fraction(25), width=1920, height=1080)
    assert pro.info.pricing.estimate(six) == Decimal("0.36")
    assert pro.info.pricing.estimate(replace(six, height=2160, width=3840)) == Decimal("1.44")
    caps = {m.id: m.max_references for m in IMAGE_MODELS}
    assert caps["fal.flux-2-edit"] == 9
    assert caps["fal.qwen-image-edit-pro"] == 3
    assert caps["fal.nano-banana"] == 4
    assert caps["fal.kontext"] == caps["fal.reve"] == caps["fal.pulid"] == 1


def test_ltx_end_to_end(
    fal_fake: FalFake, ltx: FalProvider, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    first, last = frames
    request = VideoRequest(
        prompt="jeep drives under camera",
        frames=120,
        first_frame=first,
        last_frame=last,
        audio=True,
        seed=3,
    )
    request_id, polls, output = drive(ltx, request, ctx)

    (submit,) = fal_fake.requests("POST")
    assert submit.path == "/fal-ai/ltx-2-19b/distilled/image-to-video"
    assert submit.headers["authorization"] == "Key fal-test-key"
    body = submit.json
    assert body["num_frames"] == 121  # conformed to 8n+1
    assert body["video_size"] == {"width": 1280, "height": 736}  # multiples of 32
    assert body["fps"] == 24.0
    assert body["generate_audio"] is True
    assert body["seed"] == 3
    assert _decode(body["image_url"]) == first.read_bytes()
    assert _decode(body["end_image_url"]) == last.read_bytes()

    status_calls = fal_fake.requests("GET", rf"/fal-ai/ltx-2-19b/requests/{request_id}/status")
    assert len(status_calls) == len(polls) == 4
    assert all(c.query == {"logs": ["1"]} for c in status_calls)
    assert [p.state for p in polls] == [
        PollState.QUEUED,
        PollState.QUEUED,
        PollState.RUNNING,
        PollState.DONE,
    ]
    assert polls[0].queue_position == 1
    assert polls[2].logs == ("loading model",)

    assert output.path is not None and output.path.parent == ctx.workdir
    assert output.path.read_bytes() == fal_fake.video
    assert output.mime == "video/mp4"
    assert (output.width, output.height, output.fps) == (1280, 736, Fraction(24))
    assert output.duration == pytest.approx(121 / 24)
    assert output.metadata["seed"] == 7
    assert len(fal_fake.requests("POST")) == 1


def test_ltx_without_frames_uses_text_to_video(
    fal_fake: FalFake, ltx: FalProvider, ctx: SimpleContext
) -> None:
    drive(ltx, VideoRequest(prompt="sunrise", frames=49), ctx)
    (submit,) = fal_fake.requests("POST")
    assert submit.path == "/fal-ai/ltx-2-19b/distilled/text-to-video"
    assert "image_url" not in submit.json


def test_ltx_pro_is_asked_for_seconds_resolution_and_fps(
    fal_fake: FalFake, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    """LTX-2 Pro takes duration 6/8/10 s, resolution and fps 25/50: 7 s at 1280x720 becomes
    8 s at 1080p (rounding up loses nothing), and the fake, holding the published schema,
    accepts the body."""
    pro = FalProvider(LTX_2_PRO, api_key="fal-test-key", base_url=fal_fake.url, **quick())
    request = VideoRequest(prompt="x", frames=175, fps=Fraction(25), width=1280, height=720,
                           first_frame=frames[0], seed=5)  # fmt: skip
    _, _, output = drive(pro, request, ctx)
    (submit,) = fal_fake.requests("POST")
    assert submit.path == "/fal-ai/ltx-2/image-to-video"
    assert set(submit.json) == {"prompt", "image_url", "duration", "resolution", "fps",
                                "generate_audio"}  # fmt: skip
    assert (submit.json["duration"], submit.json["resolution"], submit.json["fps"]) == (
        8, "1080p", 25)  # fmt: skip
    assert (output.width, output.height, output.duration) == (1920, 1080, 8.0)
    with pytest.raises(CapabilityError, match="cannot end on a given last frame"):
        pro.submit(replace(request, last_frame=frames[1]), ctx)
    with pytest.raises(CapabilityError, match="longer than the 10 s"):
        pro.submit(replace(request, frames=11 * 25), ctx)
    with pytest.raises(CapabilityError, match="24 fps is not one of 25, 50"):
        pro.submit(replace(request, fps=Fraction(24)), ctx)
    pro.close()


def test_the_fake_rejects_what_the_published_schema_does_not_name(
    fal_fake: FalFake, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    """The drift the issue found: 19B-style fields sent to the Pro endpoint answer 422."""
    wrong = replace(LTX_2, path=LTX_2_PRO.path, text_path=LTX_2_PRO.text_path)
    provider = FalProvider(wrong, api_key="fal-test-key", base_url=fal_fake.url, **quick())
    with pytest.raises(CapabilityError, match="Extra inputs are not permitted"):
        provider.submit(VideoRequest(prompt="x", frames=121, first_frame=frames[0]), ctx)
    ((path, errors),) = fal_fake.rejected
    assert path == LTX_2_PRO.path
    assert {e["loc"][1] for e in errors} >= {"num_frames", "video_size"}
    provider.close()


def test_an_endpoint_without_a_table_passes_through(
    fal_fake: FalFake, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    model = passthrough_model(Kind.VIDEO, "fal-ai/some-new-model/image-to-video")
    provider = FalProvider(model, api_key="fal-test-key", base_url=fal_fake.url, **quick())
    assert provider.info.pricing.estimate(VideoRequest("x")) is None
    assert "unknown" in provider.info.pricing.describe()
    request = VideoRequest(prompt="x", frames=49, first_frame=frames[0], seed=4)
    _, _, output = drive(provider, request, ctx)
    (submit,) = fal_fake.requests("POST")
    assert submit.path == "/fal-ai/some-new-model/image-to-video"
    assert set(submit.json) == {"prompt", "image_url", "seed"}  # only what the user gave
    assert output.duration is None and output.path is not None
    provider.close()


def test_ltx_last_frame_alone_is_refused(
    ltx: FalProvider, ctx: SimpleContext, frames: tuple[Path, Path]
) -> None:
    with pytest.raises(CapabilityError, match="first frame"):
        ltx.submit(VideoRequest(prompt="x", last_frame=frames[1]), ctx)


@pytest.mark.parametrize(
    ("model_id", "style", "cap"),
    [
        ("fal.flux-2-edit", "image_urls", 9),
        ("fal.qwen-image-edit", "image_url", 1),
        ("fal.qwen-image-edit-pro", "image_urls", 3),
        ("fal.nano-banana", "image_urls", 4),
        ("fal.kontext", "image_url", 1),
        ("fal.reve", "image_url", 1),
        ("fal.pulid", "reference_image_url", 1),
    ],
)
def test_image_models_send_only_kept_references(
    fal_fake: FalFake,
    ctx: SimpleContext,
    refs: list[Path],
    model_id: str,
    style: str,
    cap: int,
) -> None:
    provider = _image(fal_fake, model_id)
    request = ImageRequest(prompt="a set", width=1024, height=768, references=tuple(refs), seed=2)
    _, _, output = drive(provider, request, ctx)
    assert not fal_fake.rejected  # every body followed the endpoint's published schema

    (submit,) = fal_fake.requests("POST")
    assert submit.path == "/" + MODELS[model_id].path
    body = submit.json
    if style == "image_urls":
        assert "image_url" not in body
        sent = [_decode(u) for u in body["image_urls"]]
    else:
        assert "image_urls" not in body
        sent = [_decode(body[style])]
    assert sent == [p.read_bytes() for p in refs[:cap]]
    assert output.dropped_references == tuple(refs[cap:])
    assert output.path is not None and output.path.read_bytes() == fal_fake.image
    assert (output.width, output.height) == (1024, 768)
    provider.close()


def test_image_without_references_uses_text_path(fal_fake: FalFake, ctx: SimpleContext) -> None:
    provider = _image(fal_fake, "fal.flux-2-edit")
    drive(provider, ImageRequest(prompt="a set"), ctx)
    assert fal_fake.requests("POST")[0].path == "/fal-ai/flux-2"
    for model_id in ("fal.nano-banana", "fal.kontext", "fal.reve"):
        drive(_image(fal_fake, model_id), ImageRequest(prompt="a set", seed=1), ctx)
        assert fal_fake.requests("POST")[-1].json["aspect_ratio"] == "16:9"
    assert not fal_fake.rejected
    with pytest.raises(CapabilityError, match="not one of the shapes"):
        _image(fal_fake, "fal.nano-banana").submit(ImageRequest("x", width=1000, height=700), ctx)
    pulid = _image(fal_fake, "fal.pulid")
    with pytest.raises(CapabilityError, match="reference"):
        pulid.submit(ImageRequest(prompt="a face"), ctx)


def test_completed_with_error_fails(
    fal_fake: FalFake, ltx: FalProvider, ctx: SimpleContext
) -> None:
    fal_fake.outcomes.append("completed-with-error")
    request = VideoRequest(prompt="x", frames=9)
    request_id = ltx.submit(request, ctx)
    final = poll_until_final(ltx, request_id)
    assert final.state is PollState.FAILED
    assert final.error is not None and "Internal error" in final.error
    with pytest.raises(TransientError):  # the result URL answers 500
        ltx.fetch(request_id, request, ctx)


def test_content_policy_is_refused(fal_fake: FalFake, ltx: FalProvider, ctx: SimpleContext) -> None:
    fal_fake.outcomes.append("moderation")
    request = VideoRequest(prompt="x", frames=9)
    request_id = ltx.submit(request, ctx)
    with pytest.raises(Refused):
        poll_until_final(ltx, request_id)
    with pytest.raises(Refused):
        ltx.fetch(request_id, request, ctx)


def test_submit_moderation_and_validation(
    fal_fake: FalFake, ctx: SimpleContext, refs: list[Path]
) -> None:
    provider = _image(fal_fake, "fal.qwen-image-edit-pro")
    request = ImageRequest(prompt="x", references=tuple(refs[:2]))
    fal_fake.push("submit", "moderation", "validation")
    with pytest.raises(Refused):
        provider.submit(request, ctx)
    with pytest.raises(CapabilityError, match="Maximum 3 reference images"):
        provider.submit(request, ctx)


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        ("429", RateLimited),
        ("500", TransientError),
        ("drop", TransientError),
        ("hang", TransientError),
        ("malformed", TransientError),
        ("wrong-shape", TransientError),
        ("403", NotConfigured),
    ],
)
def test_submit_failures_are_mapped_and_not_retried(
    fal_fake: FalFake, ltx: FalProvider, ctx: SimpleContext, behaviour: str, error: type
) -> None:
    fal_fake.push("submit", behaviour)
    with pytest.raises(error):
        ltx.submit(VideoRequest(prompt="x", frames=9), ctx)
    assert len(fal_fake.requests("POST")) == 1


def test_bad_key_is_not_configured(fal_fake: FalFake, ctx: SimpleContext) -> None:
    provider = FalProvider(LTX_2, api_key="wrong", base_url=fal_fake.url, **quick())
    with pytest.raises(NotConfigured):
        provider.submit(VideoRequest(prompt="x", frames=9), ctx)


def test_poll_survives_a_flaky_status_read(
    fal_fake: FalFake, ltx: FalProvider, ctx: SimpleContext
) -> None:
    request_id = ltx.submit(VideoRequest(prompt="x", frames=9), ctx)
    fal_fake.push("status", "503", "drop")
    assert ltx.poll(request_id).state is PollState.QUEUED
    fal_fake.push("status", "malformed", "malformed", "malformed")
    with pytest.raises(TransientError, match="malformed"):
        ltx.poll(request_id)


def test_unknown_request_fails(ltx: FalProvider) -> None:
    with pytest.raises(ProviderFailed, match="404"):
        ltx.poll("nope")


def test_cancel(fal_fake: FalFake, ltx: FalProvider, ctx: SimpleContext) -> None:
    request_id = ltx.submit(VideoRequest(prompt="x", frames=9), ctx)
    ltx.cancel(request_id)
    (call,) = fal_fake.requests("PUT")
    assert call.path == f"/fal-ai/ltx-2-19b/requests/{request_id}/cancel"
    assert call.headers["authorization"] == "Key fal-test-key"
    assert ltx.poll(request_id).state is PollState.CANCELED


def test_cancel_after_completion_is_quiet(
    fal_fake: FalFake, ltx: FalProvider, ctx: SimpleContext
) -> None:
    request_id, _, _ = drive(ltx, VideoRequest(prompt="x", frames=9), ctx)
    ltx.cancel(request_id)  # 400 ALREADY_COMPLETED: nothing to do
    assert len(fal_fake.requests("PUT")) == 1


def test_result_file_is_fetched_without_the_key(
    fal_fake: FalFake, ltx: FalProvider, ctx: SimpleContext
) -> None:
    drive(ltx, VideoRequest(prompt="x", frames=9), ctx)
    (download,) = fal_fake.files.requests("GET")
    assert "authorization" not in download.headers
