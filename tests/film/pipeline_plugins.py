"""A provider plugin for pipeline runs in other processes (``SHOTLINE_PLUGINS``): the offline
video provider under the id ``counting.video``, logging every call to a file (so calls from a
killed process and from its successor add up) and taking ``SHOTLINE_TEST_VIDEO_DELAY`` seconds
(less when canceled)."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

from shotline.providers.contracts import Output, Request, RunContext
from shotline.providers.offline import OfflineInterpolate

CALLS_ENV = "SHOTLINE_TEST_CALLS"
DELAY_ENV = "SHOTLINE_TEST_VIDEO_DELAY"


class CountingVideo:
    def __init__(self) -> None:
        self.inner = OfflineInterpolate()
        self.info = dataclasses.replace(self.inner.info, id="counting.video", model="counting")

    def generate(self, request: Request, ctx: RunContext) -> Output:
        prompt = str(getattr(request, "prompt", "")).replace("\n", " ")
        with Path(os.environ[CALLS_ENV]).open("a") as log:
            log.write(f"{os.getpid()}\t{prompt}\n")
        deadline = time.monotonic() + float(os.environ.get(DELAY_ENV, "0"))
        while time.monotonic() < deadline and not ctx.cancelled():  # as real providers do
            time.sleep(0.05)
        return self.inner.generate(request, ctx)


def providers() -> list[CountingVideo]:
    return [CountingVideo()]
