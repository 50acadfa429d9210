"""Result downloads under the rules of ``shotline.net``: a provider's JSON cannot send us to a
private address, over plain http, through endless redirects, into an endless body or forever."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from shotline import net
from shotline.providers.errors import ProviderFailed, UnsafeResult
from shotline.providers.http.client import HttpClient
from tests.providers.http.conftest import quick
from tests.providers.http.fakes import FileHost

PUBLIC = "93.184.216.34"
ADDRESSES = {
    "api.svc.test": [PUBLIC],
    "cdn.svc.test": [PUBLIC],
    "internal.svc.test": ["10.0.0.7"],
    "mixed.svc.test": [PUBLIC, "127.0.0.1"],
    "metadata.svc.test": ["169.254.169.254"],
    "v6.svc.test": ["::ffff:192.168.1.4"],
}


def fake_resolve(host: str, port: int) -> list[str]:
    if host in ADDRESSES:
        return ADDRESSES[host]
    if host.replace(".", "").isdigit() or ":" in host:
        return [host]
    raise OSError(f"no such host {host}")


@pytest.fixture(autouse=True)
def _dns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(net, "resolve", fake_resolve)


Handler = Callable[[httpx.Request], httpx.Response]


def public_client(handler: Handler, **rules: object) -> tuple[HttpClient, list[httpx.Request]]:
    """A provider whose configured base URL is public (https://api.svc.test)."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = HttpClient(
        "https://api.svc.test", provider="svc", headers={"Authorization": "Key sekrit"},
        transport=httpx.MockTransport(record), rules=net.DownloadRules(**rules),  # type: ignore[arg-type]
        sleep=lambda s: None, **quick(),
    )  # fmt: skip
    return client, seen


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"VIDEO", headers={"content-type": "video/mp4"})


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://cdn.svc.test/a.mp4", "plain http is refused"),
        ("https://internal.svc.test/a.mp4", "non-public address (10.0.0.7)"),
        ("https://mixed.svc.test/a.mp4", "non-public address (127.0.0.1)"),
        ("https://metadata.svc.test/latest/meta-data", "169.254.169.254"),
        ("https://127.0.0.1:8443/a.mp4", "non-public address (127.0.0.1)"),
        ("https://v6.svc.test/a.mp4", "::ffff:192.168.1.4"),
        ("https://nowhere.svc.test/a.mp4", "does not resolve"),
        ("ftp://cdn.svc.test/a.mp4", "only https"),
        ("https://user:pw@cdn.svc.test/a.mp4", "credentials are refused"),
    ],
)
def test_unsafe_result_urls_are_refused_before_any_request(
    tmp_path: Path, url: str, why: str
) -> None:
    client, seen = public_client(ok)
    with pytest.raises(UnsafeResult, match=re.escape(why)) as caught:
        client.download(url, tmp_path / "out.mp4")
    assert isinstance(caught.value, ProviderFailed)  # the job ran; not retried, not cancelled
    assert seen == [] and list(tmp_path.iterdir()) == []
    assert "pw" not in str(caught.value)


def test_a_public_https_result_is_fetched_without_the_key(tmp_path: Path) -> None:
    client, seen = public_client(ok)
    assert client.download("https://cdn.svc.test/a.mp4", tmp_path / "a.mp4") == "video/mp4"
    assert (tmp_path / "a.mp4").read_bytes() == b"VIDEO"
    assert "authorization" not in seen[0].headers


def test_each_redirect_hop_is_checked_and_keys_stay_home(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        hops = {
            "/start": "https://cdn.svc.test/next",  # our origin -> a CDN
            "/next": "https://internal.svc.test/secret",  # the CDN -> a private address
        }
        return httpx.Response(302, headers={"location": hops[request.url.path]})

    client, seen = public_client(handler)
    with pytest.raises(UnsafeResult, match="internal.svc.test resolves to a non-public"):
        client.download("https://api.svc.test/start", tmp_path / "x.mp4")
    assert [str(r.url) for r in seen] == ["https://api.svc.test/start", "https://cdn.svc.test/next"]
    assert seen[0].headers["authorization"] == "Key sekrit"  # our own origin
    assert "authorization" not in seen[1].headers  # never to the CDN the redirect named


def test_redirect_loops_end(tmp_path: Path) -> None:
    counter = itertools.count()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": f"/hop{next(counter)}"})

    client, seen = public_client(handler, max_redirects=3)
    with pytest.raises(UnsafeResult, match="more than 3 redirects"):
        client.download("https://cdn.svc.test/hop", tmp_path / "x.mp4")
    assert len(seen) == 4


def test_a_declared_size_over_the_cap_is_not_read(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 64, headers={"content-length": "64"})

    client, _ = public_client(handler, max_bytes=32)
    with pytest.raises(UnsafeResult, match="64 bytes is over the limit of 32"):
        client.download("https://cdn.svc.test/big.mp4", tmp_path / "big.mp4")
    assert list(tmp_path.iterdir()) == []


def test_an_endless_body_is_cut_off_and_its_part_removed(tmp_path: Path) -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 1024

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())  # chunked: no length declared

    client, _ = public_client(handler, max_bytes=10_000)
    with pytest.raises(UnsafeResult, match="more than the limit of 10000 bytes"):
        client.download("https://cdn.svc.test/endless.mp4", tmp_path / "e.mp4")
    assert list(tmp_path.iterdir()) == []


def test_the_deadline_bounds_the_whole_download(tmp_path: Path) -> None:
    """A server trickling bytes never trips a per-read timeout; the total deadline ends it."""
    now = itertools.count(step=2)  # every look at the clock: two more seconds

    def trickle() -> Iterator[bytes]:
        while True:
            yield b"x"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=trickle())

    client, _ = public_client(handler, deadline=30.0, clock=lambda: float(next(now)))
    with pytest.raises(UnsafeResult, match="not complete within"):
        client.download("https://cdn.svc.test/slow.mp4", tmp_path / "s.mp4")
    assert list(tmp_path.iterdir()) == []


def test_a_local_provider_may_hand_out_local_http_urls(files: FileHost, tmp_path: Path) -> None:
    """The fakes (and a ComfyUI on the LAN) live on local addresses over http: allowed only
    because the provider's own base URL is local."""
    url = files.add("clip.mp4", b"LOCAL")
    local = HttpClient("http://127.0.0.1:9", provider="local", **quick())
    assert local.download(url, tmp_path / "clip.mp4") == "video/mp4"
    public = HttpClient("https://api.svc.test", provider="svc", **quick())
    with pytest.raises(UnsafeResult, match="plain http is refused"):
        public.download(url, tmp_path / "again.mp4")
    assert len(files.requests("GET")) == 1


def test_the_peer_address_is_checked_after_connecting(
    files: FileHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS may answer 'public' to the check and 'loopback' to the connection (rebinding): the
    address the socket really reached is checked before the body is read."""
    url = files.add("clip.mp4", b"X")
    monkeypatch.setattr(net, "check_url", lambda u, r, resolver=None: [PUBLIC])  # DNS lied
    with (
        httpx.Client() as client,
        pytest.raises(net.DownloadRefused, match="connected to 127.0.0.1, not public"),
    ):
        net.fetch(client, url, tmp_path / "x.mp4", net.DownloadRules())
    assert list(tmp_path.iterdir()) == []


def test_an_api_redirect_to_another_origin_does_not_carry_the_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.svc.test":
            return httpx.Response(307, headers={"location": "https://cdn.svc.test/status"})
        return httpx.Response(200, json={"status": "ok"})

    client, seen = public_client(handler)
    assert client.read("requests/1/status") == {"status": "ok"}
    assert [r.url.host for r in seen] == ["api.svc.test", "cdn.svc.test"]
    assert seen[0].headers["authorization"] == "Key sekrit"
    assert "authorization" not in seen[1].headers
