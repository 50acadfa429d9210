"""The studio installs as a PWA: a manifest with icons, and a service worker that takes over at
once when a new deploy changes it (no tab left running the old bundle)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
from playwright.sync_api import Browser

from shotline.config import WEB_DIST
from tests.studio.serving import serve


def test_manifest_and_a_new_deploy_takes_over_at_once(
    tmp_path: Path, browser: Browser, artifacts: Path
) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(WEB_DIST, dist)
    with serve(tmp_path / "data", env={"SHOTLINE_WEB_DIST": str(dist)}) as (url, _printed):
        manifest = httpx.get(f"{url}/manifest.webmanifest").json()
        assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
        for icon in manifest["icons"]:
            assert httpx.get(url + icon["src"]).status_code == 200

        context = browser.new_context(base_url=url)
        page = context.new_page()
        page.goto("/")
        assert page.locator("link[rel=manifest]").get_attribute("href") == "/manifest.webmanifest"
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        assert page.evaluate("caches.keys()") == ["shotline-shell-v1"]
        page.screenshot(path=str(artifacts / "01-installed.png"))

        # A new deploy: the worker's bytes change. The next visit installs it, it skips waiting,
        # claims the page, and the page reloads itself onto the new bundle.
        worker = dist / "sw.js"
        worker.write_text(worker.read_text().replace("shotline-shell-v1", "shotline-shell-v2"))
        with page.expect_event("load", timeout=20_000):
            page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        page.wait_for_function("caches.keys().then(k => k.join() === 'shotline-shell-v2')")
        assert page.evaluate("navigator.serviceWorker.controller.state") == "activated"
        page.screenshot(path=str(artifacts / "02-new-deploy.png"))
        context.close()
