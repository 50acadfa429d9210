"""A priced copy of the offline video model, loaded into a browser test's server through
``SHOTLINE_PLUGINS=tests.web.paid_video:providers``, so generations take frame credits."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from shotline.providers.contracts import PerCall
from shotline.providers.offline import OfflineInterpolate


class PaidInterpolate(OfflineInterpolate):
    def __init__(self) -> None:
        super().__init__()
        self.info = dataclasses.replace(
            self.info,
            id="test.paid",
            model="paid-interpolate",
            label="Paid test model",
            pricing=PerCall(Decimal("0.05")),
            offline=False,
        )


def providers() -> list[OfflineInterpolate]:
    return [PaidInterpolate()]
