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
from playwright.sync_api import (
    Browser,
    BrowserContext,
    FloatRect,
    Locator,
    Page,
    WebSocketRoute,
    expect,
)

from tests.web.conftest import PASSWORD, PROJECT, Person, Studio, command, fresh, until

WIDE = (2560, 1440)

# Every box of these that shows must not overflow the page nor overlap a sibling.
INTERACTIVE = (
    "button, a[href], input:not([type=hidden]), select, textarea, [role=button], [role=slider],"
    " label.button"
)


@pytest.fixture(scope="module")
def ana_api(studio: Studio) -> httpx.Client:
    return studio.api("ana")


@pytest.fixture
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
              el.matches('input[type=file]') ? el.closest('label') ?? el : el))].map((target) => {
              const el = target.querySelector('input[type=file]') ?? target;
              const r = target.getBoundingClientRect();
              const s = getComputedStyle(target);
              const name = el.getAttribute('aria-label') || el.textContent || el.tagName;
              return { name: name.trim().slice(0, 60), x: r.x, y: r.y, w: r.width,
                       h: r.height, exempt: el.matches('.clip, .ruler-row'),
                       shown: r.width > 0 && r.height > 0 && s.visibility !== 'hidden' };
            }).filter((b) => b.shown))""",
        [within, INTERACTIVE],
    )
    return found


def inside_window(page: Page, found: list[dict[str, Any]]) -> list[str]:
    width, height = page.evaluate("[innerWidth, innerHeight]")
    return [
        f"{b['name']} at {b['x']:.0f},{b['y']:.0f} {b['w']:.0f}×{b['h']:.0f}"
        for b in found
        if b["x"] < -0.5
        or b["y"] < -0.5
        or b["x"] + b["w"] > width + 0.5
        or b["y"] + b["h"] > height + 0.5
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


def hidden_parts(page: Page, selector: str) -> list[str]:
    """Controls under `selector` whose middle or ends are covered or cut off by something else
    (a scrolling panel's edge, another element): what the eye would see as cut off."""
    found: list[str] = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].flatMap((el) => {
              el.scrollIntoView({ block: 'nearest' }); // below the fold of a page that scrolls
              const r = el.getBoundingClientRect();
              if (!r.width || !r.height) return [];
              const y = r.top + r.height / 2;
              const name = (el.getAttribute('aria-label') || el.textContent || '').trim();
              const top = (x) => document.elementFromPoint(x, y)?.className ?? 'nothing';
              const covered = (x) => {
                const top = document.elementFromPoint(x, y);
                return !top || !(el === top || el.contains(top));
              };
              return [r.left + 3, r.left + r.width / 2, r.right - 3]
                .filter(covered)
                .map((x) => `${name.slice(0, 40)} at x=${Math.round(x)} under ${top(x)}`);
            })""",
        selector,
    )
    return found


def region_box(page: Page, selector: str) -> FloatRect:
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
    assert not hidden_parts(page, "[role=menuitem]"), hidden_parts(page, "[role=menuitem]")
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
    cut = hidden_parts(page, "[role=dialog] button")
    assert not cut, cut
    ana.shot("the film wizard")
    page.keyboard.press("Escape")
    expect(wizard).to_be_hidden()
    assert page_overflow(page) <= 0


def touch_person(studio: Studio, browser: Browser, viewport: tuple[int, int]) -> Iterator[Page]:
    context = browser.new_context(
        base_url=studio.url,
        viewport={"width": viewport[0], "height": viewport[1]},
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Name").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    page.get_by_role("heading", name="Projects").wait_for()
    page.goto(f"/projects/{PROJECT}")
    yield page
    context.close()


def small_targets(page: Page, within: str = "body") -> list[str]:
    """Controls smaller than 44 × 44 CSS px (clips and the ruler are time, not targets)."""
    return [
        f"{b['name']} {b['w']:.0f}×{b['h']:.0f}"
        for b in boxes(page, within)
        if (b["w"] < 43.5 or b["h"] < 43.5) and not b["exempt"]
    ]


def linked_pair(studio: Studio, card: Path, client: httpx.Client) -> None:
    """wide.mp4 on V1 and a generated clip on V2 linked to it (a finished link: a lock)."""
    fresh(studio, client)
    wide = studio.shot(client, card, "wide.mp4", start=0.0)
    command(client, {"op": "addTrack", "kind": "video"})
    gen = {
        "id": "gen-usable",
        "name": "AI jeep",
        "type": "video",
        "startTime": 0.5,
        "duration": 1.0,
        "trackIndex": 1,
        "sourceType": "generated",
        "cloudUrl": None,
        "status": "ready",
        "hasAudio": False,
        "linkedClipIds": [],
    }
    command(client, {"op": "add", "clip": gen})
    command(client, {"op": "link", "clipId": "gen-usable", "sourceIds": [wide]})


def test_on_a_touch_screen_every_control_is_44_px_and_nothing_needs_hover(
    studio: Studio, browser: Browser, card: Path, ana_api: httpx.Client, artifacts: Path
) -> None:
    linked_pair(studio, card, ana_api)
    for size in ((1024, 768), (820, 1180)):  # a tablet, landscape and portrait
        for page in touch_person(studio, browser, size):
            name = f"{size[0]}x{size[1]}"
            assert page.evaluate("matchMedia('(pointer: coarse)').matches")
            assert page.evaluate("matchMedia('(hover: none)').matches")
            expect(clip_button(page, "wide.mp4")).to_be_visible()
            # Unlink shows on a finished link without hovering (there is no hover here).
            expect(page.get_by_role("button", name="Unlink AI jeep")).to_be_visible()
            # The asset preview has its own play button (hover only adds a quicker way).
            expect(
                page.get_by_role("button", name=re.compile("^Play the preview of"))
            ).not_to_have_count(0)
            # Window-sized shots: a full-page one resizes the view and drops the touch emulation.
            page.screenshot(path=str(artifacts / f"{name}-01-studio.png"))
            assert page_overflow(page) <= 0
            assert not small_targets(page), small_targets(page)

            page.get_by_role("button", name="Export the timeline").tap()
            expect(page.get_by_role("menu", name="Export formats")).to_be_visible()
            assert not small_targets(page, "[role=menu]"), small_targets(page, "[role=menu]")
            assert not hidden_parts(page, "[role=menuitem]"), hidden_parts(page, "[role=menuitem]")
            page.screenshot(path=str(artifacts / f"{name}-02-export-menu.png"))
            page.keyboard.press("Escape")

            page.get_by_role("button", name="Film from an idea").tap()
            wizard = page.get_by_role("dialog", name="Film from an idea")
            expect(wizard).to_be_visible()
            assert not small_targets(page, "[role=dialog]"), small_targets(page, "[role=dialog]")
            assert not inside_window(page, boxes(page, "[role=dialog]"))
            page.screenshot(path=str(artifacts / f"{name}-03-film-wizard.png"))
            page.get_by_role("button", name="Close", exact=True).tap()
            expect(wizard).to_be_hidden()


def test_the_main_actions_are_44_px_tall_on_a_desktop(
    studio: Studio,
    browser: Browser,
    card: Path,
    ana_api: httpx.Client,
    person: Callable[..., Person],
) -> None:
    fresh(studio, ana_api)
    studio.shot(ana_api, card, "wide.mp4", start=0.0)
    ana_api.post(f"/api/projects/{PROJECT}/saves", json={"name": "First cut"}).raise_for_status()

    context: BrowserContext = browser.new_context(base_url=studio.url)
    login = context.new_page()
    login.goto("/")
    heights = {"Sign in": login.get_by_role("button", name="Sign in").bounding_box()}
    context.close()

    ana = person("ana")
    page = ana.page
    page.get_by_label("Import a file").set_input_files(str(card))
    main = {
        "Save": page.get_by_role("button", name="Save", exact=True),
        "Export": page.get_by_role("button", name="Export the timeline"),
        "Import": page.locator("label.button", has=page.get_by_label("Import a file")),
        "Upload": page.get_by_role("button", name="Upload"),
        "Load": page.get_by_role("button", name="Load First cut"),
        "Film from an idea": page.get_by_role("button", name="Film from an idea"),
    }
    if page.get_by_role("form", name="Generate").count():  # the generation panel, once it lands
        main["Generate"] = page.get_by_role("form", name="Generate").locator("button[type=submit]")
    for name, locator in main.items():
        # Upload appears once the browser has read the imported file's header (slow when the
        # machine is busy).
        expect(locator).to_be_visible(timeout=30_000)
        heights[name] = locator.bounding_box()
    page.get_by_role("button", name="Film from an idea").click()
    heights["Write the film"] = page.get_by_role("button", name="Write the film").bounding_box()
    ana.shot("the film wizard's first step")
    tall = {name: box["height"] if box else 0.0 for name, box in heights.items()}
    small = {name: height for name, height in tall.items() if height < 43.5}
    assert not small, small


def focus_ring(page: Page) -> dict[str, Any]:
    """The focused control, and whether it shows a ring (an outline or a box shadow, on it or on
    the label that wraps it, as for the file picker)."""
    found: dict[str, Any] = page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return { name: null, ring: false, visible: false };
          const ringed = [el, el.closest('label')].filter(Boolean).some((x) => {
            const s = getComputedStyle(x);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            return outline || s.boxShadow !== 'none';
          });
          const name = el.getAttribute('aria-label') || el.textContent || el.tagName;
          return { name: name.trim().slice(0, 60), ring: ringed,
                   visible: el.matches(':focus-visible') };
        }"""
    )
    return found


def test_the_keyboard_reaches_the_main_actions_with_a_visible_focus_ring(
    two_shots: tuple[str, str], studio: Studio, person: Callable[..., Person]
) -> None:
    ana = person("ana")
    page = ana.page
    expect(clip_button(page, "close.mp4")).to_be_visible()
    wanted = {
        "Film from an idea",
        "Import a file",
        "Save",
        "Export the timeline",
        "Zoom out",
        "Split",
        "+ Video track",
        "Playhead",
    }
    reached: list[dict[str, Any]] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        now = focus_ring(page)
        reached.append(now)
        if now["name"] and now["name"].startswith("close.mp4,"):
            break
    names = [r["name"] for r in reached]
    assert wanted <= set(names), names
    assert names[-1].startswith("close.mp4,"), names  # a clip is reached with Tab
    unringed = [r["name"] for r in reached if not (r["ring"] and r["visible"])]
    assert not unringed, unringed
    ana.shot("a clip focused with the keyboard")

    # The focused clip: Enter selects it, , and . nudge it a frame, Delete deletes it.
    close = two_shots[1]
    page.keyboard.press("Enter")
    expect(clip_button(page, "close.mp4")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press(",")  # onto wide.mp4 (0–2 s): refused, in names, not ids
    alert = page.locator(".timeline-toast")
    expect(alert).to_contain_text("“wide.mp4”")
    expect(alert).to_contain_text("“close.mp4”")
    assert "clip-local" not in alert.inner_text()
    ana.shot("a refused nudge names the clips")
    page.keyboard.press(".")
    until(
        lambda: abs(studio.clip(close)["startTime"] - (2 + 1 / 24)) < 1e-3, "nudged one frame later"
    )
    page.keyboard.press("Delete")
    until(lambda: close not in [c["id"] for c in studio.timeline()["timeline"]["clips"]], "deleted")
    page.keyboard.press("Control+z")
    until(
        lambda: close in [c["id"] for c in studio.timeline()["timeline"]["clips"]],
        "back after undo",
    )


@pytest.mark.parametrize(
    ("opener", "surface"),
    [
        ("Save", "dialog"),
        ("Film from an idea", "dialog"),
        ("Export the timeline", "menu"),
    ],
)
def test_dialogs_keep_focus_inside_and_escape_returns_it_to_the_opener(
    opener: str, surface: str, person: Callable[..., Person]
) -> None:
    ana = person("ana")
    page = ana.page
    button = page.get_by_role("button", name=opener, exact=True)
    button.focus()
    page.keyboard.press("Enter")
    box = page.get_by_role(surface).first  # type: ignore[arg-type]
    expect(box).to_be_visible()
    if surface == "dialog":
        for _ in range(12):
            page.keyboard.press("Tab")
            assert box.evaluate("(box) => box.contains(document.activeElement)"), focus_ring(page)
            assert focus_ring(page)["ring"], focus_ring(page)
        page.keyboard.press("Shift+Tab")
        assert box.evaluate("(box) => box.contains(document.activeElement)")
    else:
        expect(page.get_by_role("menuitem").first).to_be_focused()
    ana.shot(f"{opener} open from the keyboard")
    page.keyboard.press("Escape")
    expect(box).to_be_hidden()
    expect(button).to_be_focused()


def test_an_empty_project_says_how_to_start_and_errors_are_the_servers_sentences(
    studio: Studio, ana_api: httpx.Client, person: Callable[..., Person]
) -> None:
    studio.admin.post("/api/projects", json={"id": "empty", "name": "Empty"}).raise_for_status()
    studio.admin.post("/api/projects/empty/members", json={"name": "ana"}).raise_for_status()
    ana = person("ana", project="empty")
    page = ana.page
    empty = page.get_by_role("region", name="Timeline")
    expect(empty).to_contain_text("The timeline is empty")
    expect(empty).to_contain_text("Import file")
    expect(empty).to_contain_text("Film from an idea")
    expect(page.get_by_text("No assets yet")).to_be_visible()
    ana.shot("an empty project")

    # The server's own sentence, as it is: creating a project that exists.
    refused = ana_api.post("/api/projects", json={"id": PROJECT, "name": "Again"})
    assert refused.status_code >= 400
    sentence = refused.json()["detail"]
    page.goto("/")
    page.get_by_label("Project id").fill(PROJECT)
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("alert")).to_have_text(sentence)
    ana.shot("the server's reason")


class Network:
    """The page's live sockets (the document and the event stream) through a switch: `drop()`
    closes them and refuses new ones, as a lost network does; `restore()` lets them reconnect."""

    LIVE = re.compile(r"/yjs/|/events")

    def __init__(self, page: Page) -> None:
        self.down = False
        self.open: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        page.route_web_socket(self.LIVE, self._route)
        page.reload()  # the sockets of the page as loaded bypass the switch

    def _route(self, socket: WebSocketRoute) -> None:
        if self.down:
            socket.close()
            return
        self.open.append((socket, socket.connect_to_server()))

    def drop(self) -> None:
        self.down = True
        for page_side, server_side in self.open:
            page_side.close()
            server_side.close()
        self.open.clear()

    def restore(self) -> None:
        self.down = False


def test_a_dropped_connection_shows_reconnecting_and_edits_say_they_were_not_sent(
    two_shots: tuple[str, str], studio: Studio, person: Callable[..., Person]
) -> None:
    ana = person("ana")
    page = ana.page
    network = Network(page)
    expect(clip_button(page, "close.mp4")).to_be_visible()
    network.drop()
    status = page.get_by_role("banner").get_by_role("status")
    expect(status).to_have_text(re.compile("reconnecting"))
    tracks = len(studio.timeline()["timeline"]["tracks"])
    page.get_by_role("button", name="+ Video track").click()
    expect(page.locator(".timeline-toast")).to_contain_text("not connected")
    # Nothing was sent, and the page says so: no edit is lost without a word.
    assert len(studio.timeline()["timeline"]["tracks"]) == tracks
    ana.shot("offline: reconnecting, and the edit was not sent")
    network.restore()
    expect(status).to_have_count(0, timeout=30_000)
    page.get_by_role("button", name="+ Video track").click()
    until(
        lambda: len(studio.timeline()["timeline"]["tracks"]) == tracks + 1,
        "the edit after reconnecting",
    )
    ana.shot("back online")
