"""The browser bundle as ``shotline serve`` serves it: deep links open the app, hashed assets
are cached for good, the page and the service worker are revalidated, and unknown API paths
stay the API's 404 (any method), never the app's page."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from shotline.studio.web import bundle


def app_over(dist: Path) -> TestClient:
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<div id=root></div>")
    (dist / "sw.js").write_text("// worker")
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
    app = FastAPI()

    @app.get("/api/ping")
    def ping() -> dict[str, bool]:
        return {"ok": True}

    web = bundle(dist)
    assert web is not None
    app.mount("/", web)
    return TestClient(app)


def test_deep_links_open_the_app_and_caching_follows_the_file(tmp_path: Path) -> None:
    client = app_over(tmp_path / "dist")
    page = client.get("/projects/p1")
    assert page.status_code == 200 and "root" in page.text
    assert page.headers["cache-control"] == "no-cache"
    assert client.get("/sw.js").headers["cache-control"] == "no-cache"
    asset = client.get("/assets/index-abc123.js")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/assets/missing.js").status_code == 404  # a file name: no app page


def test_unknown_api_paths_stay_json_404_for_every_method(tmp_path: Path) -> None:
    client = app_over(tmp_path / "dist")
    assert client.get("/api/ping").json() == {"ok": True}
    for method in ("GET", "POST", "DELETE"):
        response = client.request(method, "/api/nothing/here")
        assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


def test_no_bundle_no_mount(tmp_path: Path) -> None:
    assert bundle(tmp_path / "not-built") is None
