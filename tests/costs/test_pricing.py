"""The seed's prices, through the pricing classes of the provider contracts."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from shotline.providers.contracts import (
    LipsyncRequest,
    PerMegapixel,
    PerSecond,
    VideoRequest,
)

LTX_PER_SECOND = PerSecond({1080: Decimal("0.06"), 1440: Decimal("0.12"), 2160: Decimal("0.24")})


def test_per_megapixel_seed_example() -> None:
    # 1280 x 720 x 120 = 110,592,000 px -> 111 MP (rounded up) x $0.0008
    request = VideoRequest(prompt="jeep", frames=120, width=1280, height=720)
    assert PerMegapixel(Decimal("0.0008")).estimate(request) == Decimal("0.0888")


@pytest.mark.parametrize(
    ("height", "price"),
    [(720, "0.30"), (1080, "0.30"), (1440, "0.60"), (2160, "1.20")],
)
def test_per_second_by_resolution(height: int, price: str) -> None:
    width = height * 16 // 9
    request = VideoRequest(prompt="x", frames=120, fps=Fraction(24), width=width, height=height)
    assert request.duration == 5
    assert LTX_PER_SECOND.estimate(request) == Decimal(price)


def test_kling_lipsync_per_second() -> None:
    kling = PerSecond({0: Decimal("0.014")})
    request = LipsyncRequest(video=Path("v.mp4"), audio=Path("a.wav"), duration=5.0)
    assert kling.estimate(request) == Decimal("0.0700")
