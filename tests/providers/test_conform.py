from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from shotline.providers.conform import conform
from shotline.providers.contracts import (
    Capabilities,
    FrameRule,
    ImageRequest,
    Kind,
    Message,
    PerMegapixel,
    PerSecond,
    ProviderInfo,
    SpeechRequest,
    VideoRequest,
    WriterRequest,
    request_from_params,
    request_params,
)
from shotline.providers.errors import CapabilityError

LTX = ProviderInfo(
    "fal.ltx-2", Kind.VIDEO, "fal-ai/ltx-2",
    capabilities=Capabilities(first_frame=True, last_frame=True, frame_rule=FrameRule(8, 1),
                              max_frames=121, fps=(Fraction(24),), size_multiple=32, audio=True),
)  # fmt: skip


def test_video_frames_round_to_8n_plus_1_and_sizes_to_32() -> None:
    result = conform(VideoRequest("p", frames=120, width=1280, height=720), LTX)
    assert isinstance(result.request, VideoRequest)
    assert (result.request.frames, result.request.width, result.request.height) == (121, 1280, 736)
    assert result.changes == ("frames 120 -> 121", "size 1280x720 -> 1280x736")


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (VideoRequest("p", frames=200), r"200 frames \(8.33333 s at 24 fps\) is more than the 121"),
        (VideoRequest("p", fps=Fraction(30)), "30 fps is not one of 24"),
        (ImageRequest("p"), "is a video provider, not image"),
    ],
)
def test_lossy_requests_are_refused(request_: VideoRequest | ImageRequest, message: str) -> None:
    with pytest.raises(CapabilityError, match=message):
        conform(request_, LTX)


def test_last_frame_needs_support() -> None:
    first_only = ProviderInfo("x", Kind.VIDEO, "x", capabilities=Capabilities(first_frame=True))
    with pytest.raises(CapabilityError, match="cannot end on a given last frame"):
        conform(VideoRequest("p", last_frame=Path("b.png")), first_only)


def test_duration_models_round_up_to_their_next_step() -> None:
    wan = ProviderInfo("r.wan", Kind.VIDEO, "wan", capabilities=Capabilities(
        first_frame=True, duration_step=Fraction(1, 2), min_duration=Fraction(1, 2),
        max_duration=Fraction(10)))  # fmt: skip
    result = conform(VideoRequest("p", frames=77, fps=Fraction(24)), wan)  # 3.208 s -> 3.5 s
    assert isinstance(result.request, VideoRequest) and result.request.frames == 84
    with pytest.raises(CapabilityError, match="longer than the 10 s this model makes at most"):
        conform(VideoRequest("p", frames=24 * 11), wan)


def test_seven_seconds_on_a_five_or_ten_second_model_become_ten() -> None:
    """Rounding to the nearest step made 7 s into 5 s and lost 2 s of the shot; the one rule
    rounds up, and the price follows the seconds the model is asked for."""
    caps = Capabilities(first_frame=True, durations=(Fraction(5), Fraction(10)))
    runway = ProviderInfo("rw", Kind.VIDEO, "gen4_turbo", capabilities=caps,
                          pricing=PerSecond({0: Decimal("0.05")}, capabilities=caps))  # fmt: skip
    result = conform(VideoRequest("p", frames=7 * 24, fps=Fraction(24)), runway)
    assert isinstance(result.request, VideoRequest)
    assert result.request.frames == 240 and caps.length(168, Fraction(24)).seconds == 10
    assert runway.pricing.estimate(result.request) == Decimal("0.50")
    with pytest.raises(CapabilityError, match=r"11 s at 24 fps\) is longer than the 10 s"):
        conform(VideoRequest("p", frames=11 * 24, fps=Fraction(24)), runway)


def test_one_rule_everywhere_conform_and_film_timing_agree() -> None:
    """What the film plans for a slot is what conform sends: never rounded a second time."""
    from shotline.film.timing import generation_length

    caps = Capabilities(durations=(Fraction(6), Fraction(8), Fraction(10)))
    info = ProviderInfo("pro", Kind.VIDEO, "pro", capabilities=caps)
    for slot in (Fraction(1, 3), Fraction(6), Fraction(61, 10), Fraction(7), Fraction(9)):
        planned = generation_length(slot, Fraction(25), caps)
        sent = conform(VideoRequest("p", frames=planned.frames, fps=Fraction(25)), info).request
        assert isinstance(sent, VideoRequest) and sent.frames == planned.frames >= slot * 25
    assert generation_length(Fraction(12), Fraction(25), caps).capped  # longer than 10 s: held


def test_references_over_the_cap_are_dropped_and_reported() -> None:
    qwen_pro = ProviderInfo(
        "fal.qwen-pro", Kind.IMAGE, "q", capabilities=Capabilities(max_references=3)
    )
    refs = tuple(Path(f"r{i}.png") for i in range(5))
    result = conform(ImageRequest("p", references=refs), qwen_pro)
    assert isinstance(result.request, ImageRequest)
    assert result.request.references == refs[:3]
    assert result.dropped_references == refs[3:]


def test_unknown_voice_is_refused() -> None:
    tts = ProviderInfo("tts", Kind.SPEECH, "e", capabilities=Capabilities(voices=("narrator",)))
    with pytest.raises(CapabilityError, match="no voice 'robot'"):
        conform(SpeechRequest("hi", voice="robot"), tts)


def test_fal_megapixel_pricing_rounds_up() -> None:
    price = PerMegapixel(Decimal("0.0008"))
    # 1280 x 720 x 120 = 110.6 MP -> 111 MP (the seed's $0.0885 skipped the rounding)
    assert price.estimate(VideoRequest("p", frames=120, width=1280, height=720)) == Decimal(
        "0.0888"
    )


def test_per_second_by_resolution() -> None:
    table = PerSecond({1080: Decimal("0.06"), 1440: Decimal("0.12"), 2160: Decimal("0.24")})
    five_seconds = {"frames": 120, "fps": Fraction(24)}
    assert table.estimate(VideoRequest("p", height=1080, **five_seconds)) == Decimal("0.30")  # type: ignore[arg-type]
    assert table.estimate(VideoRequest("p", height=1440, **five_seconds)) == Decimal("0.60")  # type: ignore[arg-type]
    assert table.estimate(VideoRequest("p", height=2160, **five_seconds)) == Decimal("1.20")  # type: ignore[arg-type]


def test_params_round_trip() -> None:
    requests = [
        VideoRequest("p", frames=49, fps=Fraction(24000, 1001), first_frame=Path("/a.png")),
        ImageRequest("p", references=(Path("a.png"), Path("b.png")), seed=3),
        WriterRequest((Message("user", "idea"),), {"type": "object"}),
    ]
    for request in requests:
        assert request_from_params(request_params(request)) == request
