"""Browser tests: the built web bundle served by a real ``shotline serve`` (a subprocess on a
free port), driven with Playwright in Debian's Chromium (``/usr/bin/chromium``; the Makefile
installs it: ``playwright install`` cannot download here).

Each test module gets its own server and data folder, with an admin, two members (``ana`` and
``ben``) and a project ``p1`` they share. ``person(name)`` is a signed-in browser context of
its own (cookies apart, as two people on two machines). Every ``shot(...)`` writes a PNG under
``out/e2e/<test>/`` (the test's artifacts: look at them).
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest

from shotline.config import WEB_DIST
from shotline.media.testcard import TestCard, write_testcard
from shotline.studio.csrf import CSRF_HEADER
from shotline.studio.inprocess import CHROMIUM, CHROMIUM_ARGS
from tests.polling import until
from tests.studio.serving import PASSWORD_LINE, serve

sync_api = pytest.importorskip("playwright.sync_api")
# What a page shows may lag on a loaded 2-core machine (the whole suite runs beside it).
sync_api.expect.set_options(timeout=15_000)

PASSWORD = "correct horse battery"
PROJECT = "p1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "e2e"

if not CHROMIUM.exists() or not (WEB_DIST / "index.html").exists():
    pytest.fail(
        f"browser tests need {CHROMIUM} and the built bundle {WEB_DIST}: run `make test`",
        pytrace=False,
    )


@dataclass
class Studio:
    url: str
    data: Path
    admin: httpx.Client
    printed: str
    clients: list[httpx.Client] = field(default_factory=list)

    def api(self, name: str, password: str = PASSWORD) -> httpx.Client:
        """An HTTP client signed in as ``name`` (for setting up what a test is not about)."""
        client = httpx.Client(base_url=self.url, timeout=30)
        client.headers[CSRF_HEADER] = client.get("/api/auth/csrf").json()["csrf"]
        client.post("/api/auth/login", json={"name": name, "password": password}).raise_for_status()
        self.clients.append(client)
        return client

    def timeline(self, project: str = PROJECT) -> dict[str, Any]:
        answer = self.admin.get(f"/api/projects/{project}/timeline")
        answer.raise_for_status()
        return dict(answer.json())

    def clip(self, clip_id: str, project: str = PROJECT) -> dict[str, Any]:
        clips = self.timeline(project)["timeline"]["clips"]
        found = [c for c in clips if c["id"] == clip_id]
        assert found, f"no clip {clip_id} on {project}"
        return dict(found[0])

    def shot(
        self,
        owner: httpx.Client,
        media: Path,
        name: str,
        start: float,
        duration: float = 2.0,
        project: str = PROJECT,
        track_index: int = 0,
    ) -> str:
        """A ready cloud clip of ``media`` at ``start`` (set up over HTTP as an upload is):
        its id."""
        api = f"/api/projects/{project}"
        body = {"filename": name, "duration": duration, "startTime": start, "hasAudio": True,
                "trackIndex": track_index}  # fmt: skip
        created = owner.post(f"{api}/local-clips", json=body)
        assert created.status_code == 201, created.text
        clip_id = str(created.json()["clip_id"])
        data = media.read_bytes()
        upload = owner.post(
            f"{api}/uploads", json={"filename": name, "size": len(data), "clip_id": clip_id}
        ).json()
        owner.put(f"{api}/uploads/{upload['id']}", content=data).raise_for_status()
        until(lambda: self.clip(clip_id, project)["status"] == "ready", f"{name} ready")
        return clip_id


def command(client: httpx.Client, body: dict[str, Any], project: str = PROJECT) -> dict[str, Any]:
    """One timeline edit over HTTP (setting up what a test is not about); it must be accepted."""
    answer = client.post(f"/api/projects/{project}/timeline/commands", json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def fresh(studio: Studio, client: httpx.Client, project: str = PROJECT) -> None:
    """An empty timeline with one video and one audio track and nothing selected (the tests of
    a module share its project)."""
    state = studio.timeline(project)["timeline"]
    for clip in state["clips"]:
        command(client, {"op": "delete", "clipId": clip["id"]}, project)
    for kind, key in (("video", "tracks"), ("audio", "audioTracks")):
        for index in range(len(state[key]) - 1, 0, -1):
            command(client, {"op": "removeTrack", "kind": kind, "index": index}, project)
    selection = {"playhead": 0, "clear": True}
    client.put(f"/api/projects/{project}/timeline/selection", json=selection).raise_for_status()


@pytest.fixture(scope="session")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s of 24 fps H.264 + AAC whose frames carry their index in the pixels."""
    folder = tmp_path_factory.mktemp("web-media")
    return write_testcard(TestCard(Fraction(24), 2.0, gop=24, tone=330.0), folder / "card.mp4")


@pytest.fixture(scope="module")
def studio_env() -> dict[str, str]:
    """Environment for this module's server (a module overrides it, e.g. small daily credits)."""
    return {}


@pytest.fixture(scope="module")
def studio(
    tmp_path_factory: pytest.TempPathFactory, studio_env: dict[str, str]
) -> Iterator[Studio]:
    data = tmp_path_factory.mktemp("studio")
    with contextlib.ExitStack() as stack:
        with pytest.MonkeyPatch.context() as env:  # only the server's start sees it
            for key, value in studio_env.items():
                env.setenv(key, value)
            url, printed = stack.enter_context(serve(data))
        found = PASSWORD_LINE.search(" ".join(printed.split()))
        assert found is not None, printed
        admin = httpx.Client(base_url=url, timeout=30)
        admin.headers[CSRF_HEADER] = admin.get("/api/auth/csrf").json()["csrf"]
        name, password = found.groups()
        admin.post("/api/auth/login", json={"name": name, "password": password}).raise_for_status()
        admin.post("/api/auth/password", json={"current": password, "new": PASSWORD})
        for user in ("ana", "ben"):
            body = {"name": user, "password": PASSWORD, "is_admin": False}
            admin.post("/api/users", json=body).raise_for_status()
        admin.post("/api/projects", json={"id": PROJECT, "name": "Street chase"}).raise_for_status()
        for user in ("ana", "ben"):
            admin.post(f"/api/projects/{PROJECT}/members", json={"name": user}).raise_for_status()
        studio = Studio(url=url, data=data, admin=admin, printed=printed)
        yield studio
        for client in [admin, *studio.clients]:
            client.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Module scope, not session: while Playwright's sync API is running, its event loop counts
    # as running in this thread, and tests of other modules in the same worker that call
    # asyncio.run() would fail.
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:80]


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = ARTIFACTS / _slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@dataclass
class Person:
    name: str
    page: sync_api.Page
    folder: Path
    shots: list[Path] = field(default_factory=list)

    def shot(self, step: str) -> Path:
        path = self.folder / f"{len(self.shots) + 1:02d}-{self.name}-{_slug(step)}.png"
        self.page.screenshot(path=str(path))
        self.shots.append(path)
        return path


@pytest.fixture
def person(
    studio: Studio, browser: sync_api.Browser, artifacts: Path
) -> Iterator[Callable[..., Person]]:
    """``person("ana")``: a browser context signed in as ana, on the project's page."""
    contexts: list[sync_api.BrowserContext] = []

    def make(
        name: str, project: str | None = PROJECT, viewport: tuple[int, int] = (1280, 720)
    ) -> Person:
        context = browser.new_context(
            base_url=studio.url, viewport={"width": viewport[0], "height": viewport[1]}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/")
        page.get_by_label("Name").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Projects").wait_for()  # signed in: the cookie is set
        if project is not None:
            page.goto(f"/projects/{project}")
        return Person(name=name, page=page, folder=artifacts)

    yield make
    for context in contexts:
        context.close()
