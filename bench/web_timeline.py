"""Timeline editor frame rate: 1,000 clips on 8 video tracks, scrolled, zoomed and dragged in
headless Chromium, against the same page with an empty timeline measured in the same run.

Run with ``.venv/bin/python bench/web_timeline.py`` after building the bundle (``make`` or
``cd web && npm run build``). The studio runs in a thread of this process on loopback
(``shotline.studio.inprocess``, a temporary data folder, the built bundle served at /; a
``shotline serve`` subprocess from tests/studio/serving.py stalls here: nobody drains its stdout
pipe and its access log fills it after ~740 requests); one 3 s test card is uploaded and
1,000 clips reusing it (frame strips from the server) are added over HTTP commands, 125 per
track. Debian's Chromium opens the project and a
``requestAnimationFrame`` loop drives each action one step per frame while it records frame
intervals: scroll (30 px a frame), zoom (Ctrl + wheel in then out, anchored at the pointer,
then the frames where it settles: the page previews a wheel zoom as a transform of the track
layer and re-lays the clips out when the wheel pauses or the scale passes 2×) and
a clip drag (pointer events, 8 px a frame, dropped where the server refuses it). Prints the
median and 5th-percentile frame rate of each against the 50 fps target (issue 8) and the ratio
to the empty timeline. Timings are never asserted in tests.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from playwright.sync_api import Page, sync_playwright

from shotline.app import build_server
from shotline.config import Settings
from shotline.media.testcard import TestCard, write_testcard
from shotline.studio.csrf import CSRF_HEADER
from shotline.studio.inprocess import CHROMIUM, CHROMIUM_ARGS, serve_in_thread

PASSWORD = "correct horse battery"
TRACKS = 8
CLIPS = 1_000
CLIP_SECONDS = 3.0
GAP_SECONDS = 0.5
FRAMES = 150  # frames per action
TARGET_FPS = 50.0

# One action per frame from a rAF loop, recording each frame's interval. The page's own
# handlers do the work (scroll events, the wheel listener, pointer handlers).
MEASURE_JS = """
async ([kind, frames]) => {
  const scroller = document.querySelector('.timeline-scroller');
  const box = scroller.getBoundingClientRect();
  const clip = [...document.querySelectorAll('[data-clip-id]')].find((c) => {
    const r = c.getBoundingClientRect();
    return r.left > box.left + 150 && r.right < box.right - 100 && r.width > 20;
  });
  const start = clip ? clip.getBoundingClientRect() : null;
  const at = (dx) => ({
    clientX: start.left + start.width / 2 + dx, clientY: start.top + start.height / 2,
    bubbles: true, cancelable: true, pointerId: 1, button: 0, buttons: 1, isPrimary: true,
  });
  const step = (i) => {
    if (kind === 'scroll') scroller.scrollLeft += 30;
    if (kind === 'zoom' && i < frames - 25) {  // the last frames see the zoom commit
      const dy = i < (frames - 25) / 2 ? -40 : 40;
      scroller.dispatchEvent(new WheelEvent('wheel', {
        deltaY: dy, ctrlKey: true, bubbles: true, cancelable: true,
        clientX: box.left + box.width / 2, clientY: box.top + 60,
      }));
    }
    if (kind === 'drag' && start) {
      if (i === 0) clip.dispatchEvent(new PointerEvent('pointerdown', at(0)));
      else if (i === frames - 1) window.dispatchEvent(new PointerEvent('pointerup', at(8 * i)));
      else window.dispatchEvent(new PointerEvent('pointermove', at(8 * i)));
    }
  };
  if (kind === 'drag' && !start) return { error: 'no clip in view to drag' };
  return await new Promise((resolve) => {
    const times = [];
    let i = 0;
    const tick = (t) => {
      times.push(t);
      if (i < frames) { step(i++); requestAnimationFrame(tick); }
      else resolve({ intervals: times.slice(1).map((x, k) => x - times[k]) });
    };
    requestAnimationFrame(tick);
  });
}
"""


def client(url: str, name: str, password: str) -> httpx.Client:
    """Signed in over HTTP (the cookies are handed to the browser too)."""
    http = httpx.Client(base_url=url, timeout=120)
    http.headers[CSRF_HEADER] = http.get("/api/auth/csrf").json()["csrf"]
    http.post("/api/auth/login", json={"name": name, "password": password}).raise_for_status()
    return http


def fill(editor: httpx.Client, project: str, card: Path) -> None:
    """One uploaded card, then 1,000 clips of it on 8 tracks (HTTP commands)."""
    api = f"/api/projects/{project}"
    body = {"filename": "card.mp4", "duration": CLIP_SECONDS, "startTime": 0, "hasAudio": True}
    clip_id = editor.post(f"{api}/local-clips", json=body).json()["clip_id"]
    data = card.read_bytes()
    upload = editor.post(
        f"{api}/uploads", json={"filename": "card.mp4", "size": len(data), "clip_id": clip_id}
    ).json()
    editor.put(f"{api}/uploads/{upload['id']}", content=data).raise_for_status()
    deadline = time.monotonic() + 120
    while True:
        clips = editor.get(f"{api}/timeline").json()["timeline"]["clips"]
        if clips and clips[0]["status"] == "ready":
            template: dict[str, Any] = clips[0]
            break
        assert time.monotonic() < deadline, "the card never became ready"
        time.sleep(0.2)
    editor.post(f"{api}/timeline/commands", json={"op": "delete", "clipId": clip_id})
    for _ in range(TRACKS - 1):
        editor.post(f"{api}/timeline/commands", json={"op": "addTrack", "kind": "video"})
    per_track = CLIPS // TRACKS
    for i in range(CLIPS):
        track, slot = i % TRACKS, i // TRACKS
        clip = {
            **template,
            "id": f"b{i}",
            "name": f"shot {i}",
            "startTime": slot * (CLIP_SECONDS + GAP_SECONDS) + track * 0.25,
            "trackIndex": track,
            "linkedClipIds": [],
        }
        answer = editor.post(f"{api}/timeline/commands", json={"op": "add", "clip": clip})
        assert answer.status_code == 200, answer.text
    assert per_track * TRACKS == CLIPS


def measure(page: Page, kind: str) -> list[float]:
    result = page.evaluate(MEASURE_JS, [kind, FRAMES])
    assert "error" not in result, result
    page.wait_for_timeout(300)
    return [float(x) for x in result["intervals"]]


def fps(intervals: list[float]) -> tuple[float, float]:
    """(median fps, 5th-percentile fps): the typical frame and the slow ones."""
    ordered = sorted(intervals)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return 1000 / statistics.median(ordered), 1000 / p95


def open_project(page: Page, project: str, clips: int) -> None:
    page.goto(f"/projects/{project}")
    page.get_by_text(f"{clips} clip" + ("" if clips == 1 else "s"), exact=True).wait_for(
        timeout=120_000
    )
    page.wait_for_timeout(1500)  # frame strips arrive, the first layout settles


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="shotline-bench-web-timeline-")
    settings = Settings.model_validate({"SHOTLINE_DATA": tmp, "SHOTLINE_USER": "bench"})
    fast = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    services = build_server(settings, hasher=fast)
    services.accounts.add("editor", PASSWORD)
    for project in ("big", "empty"):
        services.projects.create(project, project, "editor")
    server, thread, url = serve_in_thread(services)
    try:
        run(url, Path(tmp))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.close()


def run(url: str, tmp: Path) -> None:
    editor = client(url, "editor", PASSWORD)
    card = write_testcard(TestCard(Fraction(24), CLIP_SECONDS, gop=24), tmp / "card.mp4")
    began = time.monotonic()
    fill(editor, "big", card)
    print(f"filled: {CLIPS} clips on {TRACKS} tracks in {time.monotonic() - began:.1f} s")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 720})
        context.add_cookies(
            [{"name": k, "value": v, "url": url} for k, v in editor.cookies.items()]
        )
        page = context.new_page()
        results: dict[str, dict[str, tuple[float, float]]] = {}
        for project, clips in (("empty", 0), ("big", CLIPS)):
            open_project(page, project, clips)
            for kind in ("zoom", "scroll", "drag"):
                if kind == "scroll":
                    for _ in range(6):  # from "fit" (everything in view) to ~3 s clips at 90 px
                        page.keyboard.press("+")
                    page.wait_for_timeout(500)
                if clips == 0 and kind == "drag":
                    continue  # nothing to drag: compared with the empty page's scroll
                results.setdefault(kind, {})[project] = fps(measure(page, kind))
                print(f"  {project:5s} {kind:6s} {results[kind][project]}", flush=True)
        browser.close()

    peer = results["scroll"]["empty"]
    print(f"target: {TARGET_FPS:.0f} fps; peer: the same page with an empty timeline")
    for kind, by in results.items():
        median, slow = by["big"]
        base = by.get("empty", peer)
        verdict = "PASS" if median >= TARGET_FPS else "FAIL"
        print(
            f"{kind:6s} 1,000 clips: median {median:5.1f} fps, p5 {slow:5.1f} fps | "
            f"empty: median {base[0]:5.1f} fps | ratio {median / base[0]:.2f} | {verdict}"
        )


if __name__ == "__main__":
    main()
