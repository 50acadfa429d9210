"""A timeline's media URL is somebody else's text: ffmpeg never opens it. It is fetched under the
same rules as a provider's result (https, public addresses, size cap, deadline) into a local
cache, and the local file is what gets probed and rendered."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from shotline import net
from shotline.media.errors import MediaNotFound, UnsafeMediaURL
from shotline.media.probe import probe
from shotline.media.render import render_timeline
from shotline.media.sources import resolve_source
from shotline.media.testcard import TestCard, write_testcard
from shotline.timeline.model import Clip, SourceType, Timeline
from tests.providers.http.fakes import FileHost


@pytest.fixture
def hosted(tmp_path: Path) -> tuple[FileHost, str]:
    clip = write_testcard(TestCard(Fraction(24), 1.0), tmp_path / "card.mp4")
    with FileHost() as files:
        yield files, files.add("card.mp4", clip.read_bytes())


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("http://example.com/a.mp4", "plain http is refused"),
        ("https://127.0.0.1/a.mp4", "non-public address"),
        ("https://169.254.169.254/latest/meta-data", "non-public address"),
        ("https://localhost:9/a.mp4", "non-public address"),
        ("s3://bucket/a.mp4", "only https media URLs"),
        ("rtmp://stream.example/live", "only https media URLs"),
    ],
)
def test_unsafe_media_urls_are_refused(source: str, why: str, tmp_path: Path) -> None:
    with pytest.raises(UnsafeMediaURL, match=why):
        resolve_source(source, tmp_path, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_render_refuses_a_timeline_pointing_at_a_local_server(
    hosted: tuple[FileHost, str], tmp_path: Path
) -> None:
    files, url = hosted
    timeline = Timeline(
        name="t",
        clips=[Clip("c1", "remote", start=0, duration=1.0, source=url,
                    source_type=SourceType.CLOUD, source_fps=Fraction(24))],
    )  # fmt: skip
    with pytest.raises(UnsafeMediaURL, match=r"clip 'c1' \(remote\): .*plain http is refused"):
        render_timeline(timeline, tmp_path / "out.mp4", size=(128, 72))
    assert files.requests() == []  # nothing was fetched, nothing handed to ffmpeg
    assert not (tmp_path / "out.mp4").exists()


def test_an_allowed_url_is_fetched_once_and_opened_locally(
    hosted: tuple[FileHost, str], tmp_path: Path
) -> None:
    files, url = hosted
    rules = net.DownloadRules(allow_local=True)  # as a locally configured service may
    cache = tmp_path / "cache"
    path = resolve_source(url, cache_dir=cache, rules=rules)
    assert Path(path).parent == cache and Path(path).suffix == ".mp4"
    assert probe(path).duration == pytest.approx(1.0, abs=0.05)
    assert resolve_source(url, cache_dir=cache, rules=rules) == path
    assert len(files.requests("GET")) == 1  # cached by URL
    small = net.DownloadRules(allow_local=True, max_bytes=100)
    with pytest.raises(UnsafeMediaURL, match="over the limit of 100 bytes"):
        resolve_source(url + "?again", cache_dir=cache, rules=small)
    with pytest.raises(MediaNotFound):
        resolve_source(f"{files.url}/files/missing.mp4", cache_dir=cache, rules=rules)
