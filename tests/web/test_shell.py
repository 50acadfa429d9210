"""Signing in, choosing a project, and seeing who else is there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.web.conftest import Person, Studio


def test_a_wrong_password_is_refused_with_the_reason(
    studio: Studio, browser: Browser, artifacts: Path
) -> None:
    context = browser.new_context(base_url=studio.url)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Name").fill("ana")
    page.get_by_label("Password").fill("not it")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("name or password")
    page.screenshot(path=str(artifacts / "01-refused.png"))
    context.close()


def test_two_people_on_one_project_see_each_other(person: Callable[..., Person]) -> None:
    ana = person("ana")
    ben = person("ben")
    for someone in (ana, ben):
        expect(someone.page.get_by_role("heading", name="Street chase")).to_be_visible()
        people = someone.page.get_by_role("list", name="Who is here")
        expect(people.get_by_title("ana")).to_be_visible()
        expect(people.get_by_title("ben")).to_be_visible()
    ana.shot("both here")


def test_a_deep_link_reload_comes_back_to_the_project(person: Callable[..., Person]) -> None:
    ana = person("ana")
    ana.page.reload()
    expect(ana.page.get_by_role("heading", name="Street chase")).to_be_visible()
    assert ana.page.url.endswith("/projects/p1")


def test_a_shot_set_up_over_http_is_on_the_timeline(studio: Studio, card: Path) -> None:
    ana = studio.api("ana")
    clip_id = studio.shot(ana, card, "wide.mp4", start=0.0)
    clip = studio.clip(clip_id)
    assert clip["sourceType"] == "cloud" and clip["cloudUrl"] and clip["duration"] == 2.0
