"""Usable by people (issue 8 §7): the studio at 1280×720 and on a wide monitor, touch targets,
nothing only on hover, visible focus and keyboard access, empty states, the server's reasons,
and a dropped connection."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.web.conftest import PASSWORD, PROJECT, Person, Studio, until

COMMANDS = f"/api/projects/{PROJECT}/timeline/commands"
WIDE = (2560, 1440)

# Every box of these that shows must not overflow the page nor overlap a sibling.
INTERACTIVE = "button, a[href], input:not([type=hidden]), select, textarea, [role=button], [role=slider], label.button"


def command(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(COMMANDS, json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def fresh(studio: Studio, client: httpx.Client) -> None:
    """An empty timeline with one video and one audio track (the tests share the project)."""
    state = studio.timeline()["timeline"]
    for clip in state["clips"]:
        command(client, {"op": "delete", "clipId": clip["id"]})
    for kind, key in (("video", "tracks"), ("audio", "audioTracks")):
        for index in range(len(state[key]) - 1, 0, -1):
            command(client, {"op": "removeTrack", "kind": kind, "index": index})


@pytest.fixture(scope="module")
def ana_api(studio: Studio) -> httpx.Client:
    return studio.api("ana")


@pytest.fixture(scope="module")
def two_shots(studio: Studio, card: Path, ana_api: httpx.Client) -> tuple[str, str]:
    """Two uploaded clips side by side on V1 (wide.mp4 0–2 s, close.mp4 2–4 s)."""
    fresh(studio, ana_api)
    return (
        studio.shot(ana_api, card, "wide.mp4", start=0.0),
        studio.shot(ana_api, card, "close.mp4", start=2.0),
    )


def clip_button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=re.compile(rf"^{re.escape(name)},"))


def page_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrollbar)."""
    return int(page.evaluate("document.documentElement.scrollWidth - innerWidth"))


def boxes(page: Page, within: str) -> list[dict[str, Any]]:
    """The visible interactive boxes inside `within`, with a name to report them by."""
    found: list[dict[str, Any]] = page.evaluate(
        """([within, selector]) => [...document.querySelectorAll(within)].flatMap((root) =>
            [...new Set([...root.querySelectorAll(selector)].map((el) =>
              el.matches('input[hidden], input[type=file]') ? el.closest('label') ?? el : el))].map((target) => {
              const el = target.querySelector('input[type=file]') ?? target;
              const r = target.getBoundingClientRect();
              const s = getComputedStyle(target);
              return { name: (el.getAttribute('aria-label') || el.textContent || el.outerHTML.slice(0, 60)).trim().slice(0, 60),
                       x: r.x, y: r.y, w: r.width, h: r.height,
                       shown: r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' };
            }).filter((b) => b.shown))""",
        [within, INTERACTIVE],
    )
    return found


def inside_window(page: Page, found: list[dict[str, Any]]) -> list[str]:
    width, height = page.evaluate("[innerWidth, innerHeight]")
    return [
        f"{b['name']} at {b['x']:.0f},{b['y']:.0f} {b['w']:.0f}×{b['h']:.0f}"
        for b in found
        if b["x"] < -0.5 or b["y"] < -0.5 or b["x"] + b["w"] > width + 0.5 or b["y"] + b["h"] > height + 0.5
    ]


def overlapping(found: list[dict[str, Any]]) -> list[str]:
    pairs = []
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > 1 and dy > 1:
                pairs.append(f"{a['name']} / {b['name']}")
    return pairs


def region_box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


@pytest.mark.parametrize("size", [(1280, 720), WIDE], ids=["1280x720", "2560x1440"])
def test_the_studio_fits_the_window_at_both_sizes(
    size: tuple[int, int], two_shots: tuple[str, str], person: Callable[..., Person]
) -> None:
    ana = person("ana", viewport=size)
    page = ana.page
    expect(clip_button(page, "close.mp4")).to_be_visible()
    expect(page.get_by_role("heading", name="Street chase")).to_be_visible()
    ana.shot("the studio")
    assert page_overflow(page) <= 0
    top = boxes(page, ".topbar")
    assert not inside_window(page, top) and not overlapping(top), (top,)
    assert not overlapping(boxes(page, ".assets-actions")), "import, save, export overlap"
    assert not overlapping(boxes(page, ".timeline-bar")), "timeline tools overlap"

    # The wide screen is used: the stage and the timeline grow with the window.
    stage, bottom = region_box(page, ".stage"), region_box(page, ".bottom")
    width, height = size
    assert stage["width"] >= 0.45 * width, stage
    assert bottom["height"] >= 0.3 * height, bottom

    # Dialogs and menus stay inside the window with nothing cut off.
    page.get_by_role("button", name="Export the timeline").click()
    menu = page.get_by_role("menu", name="Export formats")
    expect(menu).to_be_visible()
    assert not inside_window(page, boxes(page, "[role=menu]"))
    ana.shot("the export menu")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    page.get_by_role("button", name="Save", exact=True).click()
    dialog = page.get_by_role("dialog", name="Save the timeline")
    expect(dialog).to_be_visible()
    assert not inside_window(page, boxes(page, "[role=dialog]"))
    ana.shot("the save dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Film from an idea").click()
    wizard = page.get_by_role("dialog", name="Film from an idea")
    expect(wizard).to_be_visible()
    found = boxes(page, "[role=dialog]")
    assert not inside_window(page, found) and not overlapping(found), found
    ana.shot("the film wizard")
    page.keyboard.press("Escape")
    expect(wizard).to_be_hidden()
    assert page_overflow(page) <= 0
