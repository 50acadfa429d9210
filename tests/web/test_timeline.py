"""The timeline editor in two browsers at once: edits made by dragging in one are seen in the
other, the playhead and in/out are shared, linked groups move together, refused moves snap back
with the server's reason, and split, delete, tracks, undo and redo work from the keyboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.web.conftest import PROJECT, Person, Studio, command, fresh, until


def clip_button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=re.compile(rf"^{re.escape(name)},"))


def pixels_per_second(clip: Locator, duration: float) -> float:
    box = clip.bounding_box()
    assert box is not None
    return box["width"] / duration


def drag(page: Page, clip: Locator, dx: float, dy: float = 0.0) -> None:
    box = clip.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=12)
    page.mouse.up()


def start_of(studio: Studio, clip_id: str) -> float:
    return float(studio.clip(clip_id)["startTime"])


def playhead(page: Page) -> float:
    value = page.get_by_role("slider", name="Playhead").get_attribute("aria-valuenow")
    return float(value or "nan")


@pytest.fixture
def ana_api(studio: Studio) -> httpx.Client:
    client = studio.api("ana")
    fresh(studio, client)
    return client


def test_a_drag_and_the_playhead_are_shared(
    studio: Studio, card: Path, ana_api: httpx.Client, person: Callable[..., Person]
) -> None:
    wide = studio.shot(ana_api, card, "wide.mp4", start=0.0)
    ana, ben = person("ana"), person("ben")
    clip = clip_button(ana.page, "wide.mp4")
    expect(clip).to_be_visible()
    expect(clip_button(ben.page, "wide.mp4")).to_have_attribute("data-start", "0.000")
    ana.shot("a shot on the timeline, with its frames")

    pps = pixels_per_second(clip, 2.0)
    drag(ana.page, clip, 3 * pps)
    until(lambda: abs(start_of(studio, wide) - 3.0) < 0.05, "the moved clip on the server")
    expect(clip_button(ben.page, "wide.mp4")).to_have_attribute(
        "data-start", re.compile(r"^(2\.9[5-9]|3\.0[0-5])")
    )
    ben.shot("ben sees ana's move")

    # Clicking the ruler sets the shared playhead; ben sees it move.
    ruler = ana.page.get_by_role("slider", name="Playhead")
    lane = clip_button(ana.page, "wide.mp4").bounding_box()
    assert lane is not None
    ruler_box = ruler.bounding_box()
    assert ruler_box is not None
    ana.page.mouse.click(
        lane["x"] + pps * 1.0, ruler_box["y"] + ruler_box["height"] / 2
    )  # 3 s + 1 s
    expect(ben.page.get_by_role("slider", name="Playhead")).to_have_attribute(
        "aria-valuenow", re.compile(r"^(3\.9\d*|4(\.0\d*)?)$")
    )
    ben.shot("the playhead moved for ben too")

    # Arrows step one frame of the clip under the playhead (24 fps here); I and O mark in and out.
    before = playhead(ben.page)
    ben.page.keyboard.press("ArrowRight")
    until(lambda: abs(playhead(ana.page) - (before + 1 / 24)) < 0.03, "one frame later for ana")
    ben.page.keyboard.press("i")
    ben.page.keyboard.press("ArrowRight")
    ben.page.keyboard.press("ArrowRight")
    ben.page.keyboard.press("o")
    until(
        lambda: studio.timeline()["timeline"].get("selection", {}).get("outPoint"),
        "out on the server",
    )
    ana.shot("in and out marked by ben, seen by ana")


def test_a_linked_group_moves_together_and_a_refused_move_snaps_back(
    studio: Studio, card: Path, ana_api: httpx.Client, person: Callable[..., Person]
) -> None:
    wide = studio.shot(ana_api, card, "wide.mp4", start=0.0)
    close = studio.shot(ana_api, card, "close.mp4", start=4.0)
    other = studio.shot(ana_api, card, "other.mp4", start=9.0)
    command(ana_api, {"op": "addTrack", "kind": "video"})
    gen = {
        "id": "gen-1",
        "name": "AI jeep",
        "type": "video",
        "startTime": 1.0,
        "duration": 4.0,
        "trackIndex": 1,
        "trimStart": 0.0,
        "sourceType": "generated",
        "cloudUrl": None,
        "status": "ready",
        "hasAudio": False,
        "linkedClipIds": [],
    }
    command(ana_api, {"op": "add", "clip": gen})
    command(ana_api, {"op": "link", "clipId": "gen-1", "sourceIds": [wide, close]})
    ana, ben = person("ana"), person("ben")
    expect(ana.page.get_by_role("button", name=re.compile("AI jeep is linked to"))).to_be_visible()

    # Selecting one member highlights the whole group.
    clip_button(ana.page, "close.mp4").click()
    expect(clip_button(ana.page, "close.mp4")).to_have_attribute("aria-pressed", "true")
    ana.shot("close selected: the linked group is highlighted")

    pps = pixels_per_second(clip_button(ana.page, "close.mp4"), 2.0)
    drag(ana.page, clip_button(ana.page, "AI jeep"), 1 * pps)
    until(lambda: abs(start_of(studio, "gen-1") - 2.0) < 0.05, "the group moved on the server")
    for name, start in (("wide.mp4", "1.0"), ("close.mp4", "5.0"), ("AI jeep", "2.0")):
        expect(clip_button(ben.page, name)).to_have_attribute(
            "data-start", re.compile(rf"^{start}")
        )
    ben.shot("ben sees the whole group moved")

    # A move onto an occupied spot: the server refuses, the clip snaps back, the reason shows.
    mover = clip_button(ana.page, "other.mp4")
    before = mover.bounding_box()
    assert before is not None
    drag(ana.page, mover, -4 * pps)  # 9 s → 5 s, onto close.mp4 (5..7)
    alert = ana.page.get_by_role("alert")
    expect(alert).to_contain_text("overlap")
    after = mover.bounding_box()
    assert after is not None and abs(after["x"] - before["x"]) < 2
    assert start_of(studio, other) == 9.0
    ana.shot("a refused move snapped back with the reason")

    # The lock's Unlink is reachable with the keyboard.
    ana.page.get_by_role("button", name=re.compile("AI jeep is linked to")).focus()
    unlink = ana.page.get_by_role("button", name="Unlink AI jeep")
    expect(unlink).to_be_visible()
    ana.shot("the focused lock offers Unlink")
    unlink.press("Enter")
    until(lambda: not studio.clip("gen-1")["linkedClipIds"], "unlinked on the server")
    expect(ben.page.get_by_role("button", name=re.compile("AI jeep is linked to"))).to_have_count(0)


def test_split_delete_tracks_undo_and_redo_from_the_keyboard(
    studio: Studio, card: Path, ana_api: httpx.Client, person: Callable[..., Person]
) -> None:
    studio.shot(ana_api, card, "take.mp4", start=0.0)
    ana_api.put(f"/api/projects/{PROJECT}/timeline/selection", json={"playhead": 1.0})
    ana, ben = person("ana"), person("ben")
    expect(ana.page.get_by_role("slider", name="Playhead")).to_have_attribute("aria-valuenow", "1")
    expect(clip_button(ana.page, "take.mp4")).to_be_visible()

    def count() -> int:
        return len(studio.timeline()["timeline"]["clips"])

    ana.page.keyboard.press("s")
    until(lambda: count() == 2, "split in two")
    expect(ben.page.get_by_role("button", name=re.compile(r"^take\.mp4,"))).to_have_count(2)
    ana.shot("split at the playhead")

    right = ana.page.get_by_role("button", name=re.compile(r"^take\.mp4, V1, 1\.00 s"))
    right.click()
    ana.page.keyboard.press("Delete")
    until(lambda: count() == 1, "the right half deleted")
    expect(ben.page.get_by_role("button", name=re.compile(r"^take\.mp4,"))).to_have_count(1)
    ana.shot("deleted")

    ana.page.keyboard.press("Control+z")
    until(lambda: count() == 2, "undone")
    expect(ben.page.get_by_role("button", name=re.compile(r"^take\.mp4,"))).to_have_count(2)
    ana.page.keyboard.press("Control+Shift+z")
    until(lambda: count() == 1, "redone")
    ben.shot("ben after ana's undo and redo")

    ana.page.get_by_role("button", name="+ Video track").click()
    expect(ben.page.get_by_role("button", name="Remove track V2")).to_be_visible()
    ana.shot("a second video track")
    ana.page.get_by_role("button", name="Remove track V1").click()  # not empty: refused
    expect(ana.page.get_by_role("alert")).to_be_visible()
    ana.page.get_by_role("button", name="Remove track V2").click()
    expect(ben.page.get_by_role("button", name="Remove track V2")).to_have_count(0)
    assert len(studio.timeline()["timeline"]["tracks"]) == 1
    ana.shot("the empty track removed; removing a used one was refused")
