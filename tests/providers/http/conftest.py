"""Fixtures: one fake server per service (plus a file host on another origin), quick clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shotline.providers.contracts import (
    Output,
    Poll,
    PollState,
    RemoteProvider,
    Request,
    SimpleContext,
)
from tests.providers.http.fakes import (
    ChatFake,
    ComfyFake,
    FakeServer,
    FalFake,
    FileHost,
    ReplicateFake,
    RunwayFake,
)

MAX_POLLS = 20


def quick(**overrides: Any) -> dict[str, Any]:
    """Client options for tests: short timeouts, few retries, tiny backoff."""
    options: dict[str, Any] = {
        "timeout": 0.3,
        "read_retries": 2,
        "backoff": 0.01,
        "max_backoff": 0.05,
    }
    options.update(overrides)
    return options


def drive(
    provider: RemoteProvider, request: Request, ctx: SimpleContext
) -> tuple[str, list[Poll], Output]:
    """Submit, poll until finished (bounded), fetch."""
    request_id = provider.submit(request, ctx)
    polls: list[Poll] = []
    for _ in range(MAX_POLLS):
        poll = provider.poll(request_id)
        polls.append(poll)
        if poll.state is PollState.DONE:
            return request_id, polls, provider.fetch(request_id, request, ctx)
        assert poll.state in (PollState.QUEUED, PollState.RUNNING), poll
    raise AssertionError(f"still running after {MAX_POLLS} polls")


def poll_until_final(provider: RemoteProvider, request_id: str) -> Poll:
    for _ in range(MAX_POLLS):
        poll = provider.poll(request_id)
        if poll.state not in (PollState.QUEUED, PollState.RUNNING):
            return poll
    raise AssertionError(f"still running after {MAX_POLLS} polls")


@pytest.fixture
def ctx(tmp_path: Path) -> SimpleContext:
    workdir = tmp_path / "work"
    workdir.mkdir()
    return SimpleContext(workdir=workdir)


@pytest.fixture
def frames(tmp_path: Path) -> tuple[Path, Path]:
    first, last = tmp_path / "first.png", tmp_path / "last.png"
    first.write_bytes(b"\x89PNG\r\n\x1a\nFIRST")
    last.write_bytes(b"\x89PNG\r\n\x1a\nLAST")
    return first, last


@pytest.fixture
def refs(tmp_path: Path) -> list[Path]:
    paths = []
    for i in range(12):
        path = tmp_path / f"ref{i:02d}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\nREF%02d" % i)
        paths.append(path)
    return paths


def _serve(fake: FakeServer) -> Iterator[Any]:
    with fake:
        yield fake


@pytest.fixture
def files() -> Iterator[FileHost]:
    yield from _serve(FileHost())


@pytest.fixture
def fal_fake(files: FileHost) -> Iterator[FalFake]:
    yield from _serve(FalFake(files))


@pytest.fixture
def replicate_fake(files: FileHost) -> Iterator[ReplicateFake]:
    yield from _serve(ReplicateFake(files))


@pytest.fixture
def runway_fake(files: FileHost) -> Iterator[RunwayFake]:
    yield from _serve(RunwayFake(files))


@pytest.fixture
def chat_fake() -> Iterator[ChatFake]:
    yield from _serve(ChatFake())


@pytest.fixture
def comfy_fake() -> Iterator[ComfyFake]:
    yield from _serve(ComfyFake())
