"""The film wizard (issue 8 §6): a film from an idea with the offline providers, through every
step with picks made in the page (a non-default variant, a guide image), checked on the server;
a reload mid-run comes back to the same step; the cost is confirmed, the clip grid watched, and
the finished film opened on the timeline, which the other person sees."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

from tests.web.conftest import PROJECT, Person, Studio, until

API = f"/api/projects/{PROJECT}"


def _status(client: httpx.Client, run: str) -> dict[str, Any]:
    answer = client.get(f"{API}/films/{run}")
    answer.raise_for_status()
    return dict(answer.json())


def _run_in_url(page: Page) -> str:
    found = re.search(r"[?&]film=([^&#]+)", page.url)
    assert found and found[1] != "new", page.url
    return found[1]


def _current_step(page: Page) -> str:
    return page.get_by_role("list", name="Steps").locator("[aria-current=step]").inner_text()


def test_a_film_from_an_idea_with_picks_opens_on_the_timeline(
    studio: Studio, person: Callable[..., Person], tmp_path: Path
) -> None:
    ana, ben = person("ana"), person("ben")
    api = studio.api("ana")
    page = ana.page

    page.get_by_role("button", name="Film from an idea").click()
    wizard = page.get_by_role("dialog", name="Film from an idea")
    expect(wizard).to_be_visible()
    wizard.get_by_label("Film idea").fill("A fox finds a lantern in the open country")
    wizard.get_by_label("Segments").fill("2")
    wizard.get_by_label("Variants").fill("2")
    wizard.get_by_label("Size").select_option("256x144")
    ana.shot("idea")
    wizard.get_by_role("button", name="Write the film").click()

    # The live log while the script and references are made, then the reference checkpoint.
    expect(wizard.get_by_role("radiogroup").first).to_be_visible(timeout=60_000)
    run = _run_in_url(page)
    assert _status(api, run)["phase"] == "awaiting_pick_refs"
    wizard.get_by_role("button", name="Show log").click()
    log = wizard.get_by_role("log", name="Pipeline log")
    expect(log).to_contain_text("run created by ana")
    expect(log).to_contain_text("Phase 1 - write and reference")
    ana.shot("pipeline log")
    wizard.get_by_role("button", name="Hide log").click()

    refs = api.get(f"{API}/films/{run}/checkpoints").json()["refs"]
    assert len(refs) >= 2 and all(len(r["variants"]) == 2 for r in refs)
    first, second = refs[0], refs[1]
    expect(wizard.get_by_role("radio", name=f"{first['label']} variant 1")).to_be_checked()
    wizard.get_by_role("radio", name=f"{first['label']} variant 2").click()
    expect(wizard.get_by_role("radio", name=f"{first['label']} variant 2")).to_be_checked()

    guide = tmp_path / "guide.png"
    picture = io.BytesIO()
    Image.new("RGB", (160, 90), (230, 120, 30)).save(picture, format="PNG")
    guide.write_bytes(picture.getvalue())
    wizard.get_by_label(f"Upload a guide image for {second['label']}").set_input_files(guide)
    expect(wizard.get_by_role("radio", name=f"{second['label']} guide image")).to_be_checked()
    ana.shot("reference picker")
    wizard.get_by_role("button", name="Continue with these references").click()

    # The keyframe strip, in film order: K0..K2 for two segments.
    expect(wizard.get_by_role("radiogroup", name="K2 variants")).to_be_visible(timeout=60_000)
    picks = _status(api, run)["picks"]["refs"]
    assert picks[first["key"]] == 1  # the non-default variant reached the server
    assert str(picks[second["key"]]).startswith("references/guides/")
    strip = wizard.get_by_role("list", name="Keyframes in film order")
    assert strip.get_by_role("heading").all_inner_texts() == ["K0 · opening", "K1", "K2 · closing"]
    expect(wizard.get_by_role("list", name="K0 references")).to_contain_text(first["label"])
    ana.shot("keyframe picker")

    # A reload mid-run comes back to the same step, on the same run.
    page.reload()
    wizard = page.get_by_role("dialog", name="Film from an idea")
    expect(wizard.get_by_role("radiogroup", name="K1 variants")).to_be_visible()
    assert _run_in_url(page) == run and _current_step(page).endswith("Keyframes")
    wizard.get_by_role("radio", name="K1 variant 2").click()
    ana.shot("keyframe picked after reload")
    wizard.get_by_role("button", name="Continue with these keyframes").click()

    # Cost confirmation: the estimate and the user's credits.
    estimate = wizard.get_by_role("region", name="Estimate")
    expect(estimate).to_contain_text("Free")
    expect(estimate).to_contain_text("to generate")
    expect(wizard.get_by_role("region", name="Your credits")).to_contain_text("of ")
    assert _status(api, run)["picks"]["keyframes"] == {"0": 0, "1": 1, "2": 0}
    ana.shot("cost confirmation")
    page.reload()  # still asking for the cost after a reload
    wizard = page.get_by_role("dialog", name="Film from an idea")
    expect(wizard.get_by_role("region", name="Estimate")).to_contain_text("Free")
    wizard.get_by_role("button", name="Confirm and render").click()

    # The clip grid: one tile per segment, then the finished film.
    grid = wizard.get_by_role("list", name="Clip progress")
    expect(grid).to_be_visible()
    expect(grid.get_by_role("listitem")).to_have_count(2)
    ana.shot("clip grid")
    expect(wizard.get_by_label("The finished film")).to_be_visible(timeout=90_000)
    done = _status(api, run)
    assert done["phase"] == "done", done["message"]
    assert [s["status"] for s in done["segments"]] == ["succeeded", "succeeded"]
    download = wizard.get_by_role("link", name="Download MP4")
    href = download.get_attribute("href")
    assert href and api.get(href).headers["content-type"] == "video/mp4"
    until(lambda: page.evaluate("document.querySelector('video').readyState") >= 2, "film loads")
    ana.shot("finished film")

    wizard.get_by_role("button", name="Open on the timeline").click()
    expect(page.get_by_role("dialog", name="Film from an idea")).to_be_hidden()
    assert "film=" not in page.url
    clips = until(lambda: studio.timeline()["timeline"]["clips"], "the film on the timeline")
    videos = [c for c in clips if c["type"] == "video"]
    assert len(videos) >= 2 and all(c["sourceType"] == "cloud" for c in clips)
    ana.shot("opened on the timeline")
    _sees_clips(ben.page, videos)
    ben.shot("the film's clips for ben")

    # The wizard reopens on an earlier run from the project's list.
    page.get_by_role("button", name="Film from an idea").click()
    wizard = page.get_by_role("dialog", name="Film from an idea")
    wizard.get_by_role("button", name=f"Open run {run}").click()
    expect(wizard.get_by_label("The finished film")).to_be_visible()
    ana.shot("reopened run")


def _sees_clips(page: Page, clips: list[dict[str, Any]]) -> None:
    """The other person's timeline shows the film's first clips (it draws only what is in
    view, so the ones at the start)."""
    timeline = page.get_by_role("region", name="Timeline")
    first = sorted(clips, key=lambda c: float(c["startTime"]))[:2]
    for clip in first:
        expect(timeline.locator(f"[data-clip-id='{clip['id']}']")).to_be_visible()


def test_a_run_is_canceled_and_resumed_and_refusals_read_as_the_server_says(
    person: Callable[..., Person], studio: Studio, tmp_path: Path
) -> None:
    ana = person("ana")
    page = ana.page
    page.get_by_role("button", name="Film from an idea").click()
    wizard = page.get_by_role("dialog", name="Film from an idea")
    wizard.get_by_label("Film idea").fill("A lighthouse keeper counts the ships that never come")
    wizard.get_by_label("Segments").fill("3")
    wizard.get_by_label("Variants").fill("3")
    wizard.get_by_label("Size").select_option("640x360")
    wizard.get_by_role("button", name="Write the film").click()

    wizard.get_by_role("button", name="Cancel run").click()
    stopped = wizard.get_by_role("alert")
    expect(stopped).to_contain_text("canceled")
    expect(wizard.get_by_role("button", name="Resume")).to_be_visible()
    run = _run_in_url(page)
    assert _status(studio.api("ana"), run)["phase"] == "failed"
    ana.shot("canceled")

    wizard.get_by_role("button", name="Resume").click()
    expect(wizard.get_by_role("radiogroup").first).to_be_visible(timeout=60_000)
    assert _status(studio.api("ana"), run)["phase"] == "awaiting_pick_refs"

    bad = tmp_path / "not-a-picture.png"
    bad.write_text("this is text")
    label = studio.api("ana").get(f"{API}/films/{run}/checkpoints").json()["refs"][0]["label"]
    wizard.get_by_label(f"Upload a guide image for {label}").set_input_files(bad)
    expect(wizard.get_by_role("alert")).to_contain_text("the guide is not a readable image")
    ana.shot("refused guide")
