"""Generation in a real browser, two people: ana marks in and out and generates with the offline
model; both see the job run and the clip become ready (ben's player shows the generated frames).
With a priced model and small daily credits (this module's server: 60 frames a day) ana runs
out: the generation colour turns red, the server's refusal shows, the counter's details count
down to the reset; an administrator resets their own credits with a long press."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.web.conftest import PROJECT, Person, Studio, sync_api, until

expect = sync_api.expect
RED = "rgb(239, 68, 68)"  # var(--danger)
YELLOW = "rgb(245, 197, 24)"  # var(--gen)


@pytest.fixture(scope="module")
def studio_env() -> dict[str, str]:
    return {"SHOTLINE_DAILY_FRAMES": "60", "SHOTLINE_PLUGINS": "tests.web.paid_video:providers"}


@pytest.fixture(scope="module")
def wide(studio: Studio, card: Path) -> str:
    return studio.shot(studio.api("ana"), card, "wide.mp4", 0.0)


def mark(person: Person, start_key: str, then: list[str]) -> None:
    """In at Home (0 s), out after ``then`` keys on the playhead slider."""
    page = person.page
    slider = page.get_by_role("slider", name="Progress")
    slider.focus()
    page.keyboard.press(start_key)
    page.get_by_role("button", name="[ Mark in").click()
    slider.focus()
    for key in then:
        page.keyboard.press(key)
    page.get_by_role("button", name="Mark out ]").click()


def test_generate_from_in_out_seen_by_both(
    studio: Studio, person: Callable[..., Person], wide: str
) -> None:
    ana, ben = person("ana"), person("ben")
    page = ana.page
    mark(ana, "Home", ["PageDown"])  # 0 s to 1 s: 24 frames
    bar = page.get_by_role("form", name="Generate")
    expect(bar.get_by_label("Selected range")).to_contain_text("24 frames")
    expect(
        ben.page.get_by_role("form", name="Generate").get_by_label("Selected range")
    ).to_contain_text("24 frames")  # the selection is shared
    expect(bar.get_by_label("Placement")).to_contain_text("track V2")
    bar.get_by_label("Prompt").fill("the car skids round the corner")
    button = bar.get_by_role("button", name="Generate")
    expect(button).to_contain_text("24 frames · free")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == YELLOW
    ana.shot("ready to generate")
    button.click()
    expect(bar.get_by_role("status")).to_contain_text("Generating 24 frames on track V2")
    ana.shot("generating")
    for who in (ana, ben):
        jobs = who.page.get_by_role("list", name="Generations")
        expect(jobs.get_by_role("listitem").first).to_contain_text("the car skids", timeout=10_000)
    ben.shot("ben sees the job")
    generated = [c for c in studio.timeline()["timeline"]["clips"] if c["id"] != wide]
    assert len(generated) == 1 and generated[0]["linkedClipIds"] == [wide]
    clip_id = generated[0]["id"]
    for who in (ana, ben):
        item = who.page.get_by_role("list", name="Generations").get_by_role("listitem").first
        expect(item).to_contain_text("succeeded", timeout=120_000)
    assert studio.clip(clip_id)["status"] == "ready"
    # Ben's player shows the generated clip (on top) at the shared playhead, as the server does.
    picture = ben.page.get_by_role("img", name="Picture")
    slider = ben.page.get_by_role("slider", name="Progress")
    slider.focus()
    ben.page.keyboard.press("Home")
    expect(picture).to_have_attribute("data-frame", f"{clip_id}#0")
    ben.shot("ben's player shows the generated clip")
    ana.shot("ana sees it succeed")


def test_the_timeline_shows_where_the_generated_clip_lands(
    studio: Studio, person: Callable[..., Person], card: Path
) -> None:
    """Seed 000's suggested new-track area: a free track's span is lit; over a full stack a dashed
    ghost row stands above the top video track, gone once in/out is cleared."""
    ana = person("ana")
    page = ana.page
    client = studio.api("ana")
    studio.shot(client, card, "street.mp4", 6.0)
    selection = f"/api/projects/{PROJECT}/timeline/selection"
    client.put(selection, json={"inPoint": 6.5, "outPoint": 7.5}).raise_for_status()
    timeline = page.get_by_role("region", name="Timeline")
    free = timeline.get_by_role("img", name="The generated clip goes on V2")
    expect(free).to_be_visible()
    ghost = timeline.get_by_role("img", name=re.compile(r"^New track V\d+ for the generated clip"))
    expect(ghost).to_have_count(0)
    ana.shot("a free track lit for the generated clip")

    studio.shot(client, card, "close-up.mp4", 6.0, track_index=1)  # V1 and V2 taken: no free track
    expect(ghost).to_be_visible()
    expect(ghost).to_have_accessible_name("New track V3 for the generated clip")
    expect(timeline.get_by_role("listitem", name="V3, added by the generation")).to_be_visible()
    expect(free).to_have_count(0)
    colour = ghost.evaluate("g => getComputedStyle(g).borderTopColor")
    assert colour == (RED if page.locator(".shell.no-credits").count() else YELLOW), colour
    on_v2 = timeline.get_by_role("button", name=re.compile(r"^close-up\.mp4, V2, "))
    box, top = ghost.bounding_box(), on_v2.bounding_box()  # the ghost row is above the top track
    assert box is not None and top is not None and box["y"] + box["height"] <= top["y"]
    ana.shot("a ghost track above the full stack")

    client.put(selection, json={"clear": True}).raise_for_status()
    expect(ghost).to_have_count(0)
    ana.shot("cleared: no ghost")


def test_running_out_of_credits_turns_generation_red(
    studio: Studio, person: Callable[..., Person], wide: str
) -> None:
    ana = person("ana")
    page = ana.page
    counter = page.get_by_role("button", name="frame credits left")
    expect(counter).to_contain_text("60")
    mark(ana, "Home", ["PageDown", "PageDown", *["ArrowRight"] * 12])  # 0 s to 2.5 s: 60 frames
    bar = page.get_by_role("form", name="Generate")
    bar.get_by_label("Model").select_option(label="Paid test model")
    button = bar.get_by_role("button", name="Generate")
    expect(button).to_contain_text("60 frames · $0.050")
    expect(bar.get_by_label("Placement")).to_contain_text("Takes 60 frame credits")
    bar.get_by_label("Prompt").fill("a long, paid take")
    ana.shot("a paid generation of 60 frames")
    button.click()
    expect(counter).to_contain_text("0")
    expect(page.locator(".shell.no-credits")).to_have_count(1)
    until(lambda: button.evaluate("b => getComputedStyle(b).backgroundColor") == RED, "red")
    ana.shot("no credits: everything generation-coloured is red")

    bar.get_by_label("Prompt").fill("one more")
    button.click()
    refusal = bar.get_by_role("alert")
    expect(refusal).to_contain_text("needs 60 frame credits and ana has 0 left today")
    ana.shot("the server's refusal")

    counter.click()
    dialog = page.get_by_role("dialog", name="Frame credits")
    expect(dialog).to_contain_text("0 of 60 frames left today")
    expect(dialog.get_by_role("timer", name="Resets in")).to_contain_text(" h ")
    assert dialog.get_by_role("button", name="Reset my credits").count() == 0  # not an admin
    ana.shot("credits details with the countdown")
    dialog.get_by_role("button", name="Close").click()


def test_an_admin_resets_credits_with_a_long_press(
    studio: Studio, person: Callable[..., Person], wide: str
) -> None:
    admin_name = studio.admin.get("/api/auth/me").json()["name"]
    studio.admin.post(f"/api/projects/{PROJECT}/members", json={"name": admin_name})
    body = {"prompt": "spend it", "provider": "test.paid", "in_point": 0, "out_point": 2.5}
    spent = studio.admin.post(f"/api/projects/{PROJECT}/generate", json=body)
    assert spent.status_code == 202, spent.text
    job = spent.json()["job_id"]

    def finished() -> bool:  # a reset forgives what was spent, not what running jobs hold
        listed = studio.admin.get(f"/api/projects/{PROJECT}/generations").json()
        return any(g["job_id"] == job and g["status"] == "succeeded" for g in listed)

    until(finished, "the admin's generation")
    admin = person(admin_name)
    page = admin.page
    counter = page.get_by_role("button", name="frame credits left")
    expect(counter).to_contain_text("0")
    expect(page.locator(".shell.no-credits")).to_have_count(1)
    admin.shot("admin without credits")
    box = counter.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(1000)  # a long press
    page.mouse.up()
    expect(counter).to_contain_text("60")
    expect(page.locator(".shell.no-credits")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)  # a long press is not a click
    admin.shot("credits reset by a long press")
    counter.click()
    dialog = page.get_by_role("dialog", name="Frame credits")
    dialog.get_by_role("button", name="Reset my credits").focus()
    page.keyboard.press("Enter")  # the keyboard path to the same reset
    expect(dialog.get_by_role("status")).to_contain_text("Credits reset")
    admin.shot("the reset button in the details")
