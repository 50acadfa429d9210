"""The shared client: status mapping, retries on reads only, downloads, credentials by origin."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shotline.providers.errors import (
    CapabilityError,
    NotConfigured,
    NotDelivered,
    ProviderFailed,
    RateLimited,
    Refused,
    TransientError,
)
from shotline.providers.http.client import (
    HttpClient,
    data_uri,
    error_for_status,
    output_path,
    require,
    retry_after_seconds,
)
from tests.providers.http.conftest import quick
from tests.providers.http.fakes import FakeServer, FileHost, Reply


class EchoFake(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.route("GET", r"/thing", "read", lambda c, g, b: Reply(200, {"ok": True}))
        self.route("POST", r"/thing", "create", lambda c, g, b: Reply(201, {"id": "x"}))
        self.route("GET", r"/file", "file", lambda c, g, b: Reply(200, b"BYTES", {}, "video/mp4"))


@pytest.fixture
def echo() -> Iterator[EchoFake]:
    with EchoFake() as fake:
        yield fake


@pytest.fixture
def client(echo: EchoFake) -> Iterator[HttpClient]:
    sleeps: list[float] = []
    with HttpClient(
        echo.url,
        provider="test",
        headers={"Authorization": "Bearer k"},
        sleep=sleeps.append,
        **quick(),
    ) as c:
        c.sleeps = sleeps  # type: ignore[attr-defined]
        yield c


def _response(
    status: int, body: str = "{}", headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, text=body, headers=headers or {})


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, '{"detail": "Invalid token."}', NotConfigured),
        (403, '{"detail": "Forbidden"}', NotConfigured),
        (403, '{"detail": "User is locked. Reason: Exhausted balance."}', ProviderFailed),
        (402, '{"title": "Insufficient credit"}', ProviderFailed),
        (400, '{"error": "bad ratio"}', CapabilityError),
        (422, '{"detail": [{"msg": "too many images", "type": "value_error"}]}', CapabilityError),
        (422, '{"detail": [{"type": "content_policy_violation", "msg": "x"}]}', Refused),
        (400, '{"error": {"message": "flagged by moderation"}}', Refused),
        (403, '{"error": {"message": "Your input was flagged"}}', Refused),
        (404, '{"detail": "Not found"}', ProviderFailed),
        (408, "", TransientError),
        (429, '{"detail": "slow down"}', RateLimited),
        (500, "oops", TransientError),
        (503, "<html>", TransientError),
    ],
)
def test_status_mapping(status: int, body: str, expected: type[Exception]) -> None:
    error = error_for_status(_response(status, body), "svc")
    assert type(error) is expected
    assert error.provider == "svc"


def test_server_message_is_kept() -> None:
    body = '{"detail": [{"loc": ["body"], "msg": "Maximum 3 reference images allowed"}]}'
    error = error_for_status(_response(422, body), "fal.qwen")
    assert "Maximum 3 reference images allowed" in str(error)


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds("0.5") == 0.5
    assert retry_after_seconds(None) == 1.0
    assert retry_after_seconds("garbage") == 1.0
    soon = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after_seconds(soon) <= 31
    past = email.utils.formatdate(time.time() - 30, usegmt=True)
    assert retry_after_seconds(past) == 0.0
    error = error_for_status(_response(429, "{}", {"Retry-After": "7"}), "svc")
    assert isinstance(error, RateLimited) and error.retry_after == 7.0


def test_read_retries_transient_errors_with_bounded_backoff(
    echo: EchoFake, client: HttpClient
) -> None:
    echo.push("read", "500", "drop")
    assert client.read("thing") == {"ok": True}
    assert len(echo.requests("GET", "/thing")) == 3
    assert client.sleeps == [0.01, 0.02]  # type: ignore[attr-defined]


def test_read_gives_up_after_its_retries(echo: EchoFake, client: HttpClient) -> None:
    echo.push("read", "503", "503", "503", "503")
    with pytest.raises(TransientError, match="503"):
        client.read("thing")
    assert len(echo.requests("GET", "/thing")) == 3  # 1 + read_retries


def test_read_timeout_is_transient_then_recovers(echo: EchoFake, client: HttpClient) -> None:
    echo.push("read", "hang")
    assert client.read("thing") == {"ok": True}
    assert len(echo.requests("GET", "/thing")) == 2


def test_long_rate_limit_goes_up_to_the_engine(echo: EchoFake, client: HttpClient) -> None:
    echo.push("read", "429")
    with pytest.raises(RateLimited) as caught:
        client.read("thing")
    assert caught.value.retry_after == 2.0
    assert len(echo.requests("GET", "/thing")) == 1


def test_rate_limit_with_http_date(echo: EchoFake, client: HttpClient) -> None:
    echo.push("read", "429-date")
    with pytest.raises(RateLimited) as caught:
        client.read("thing")
    assert 1.0 <= caught.value.retry_after <= 3.5


def test_malformed_body_is_transient(echo: EchoFake, client: HttpClient) -> None:
    echo.push("read", "malformed", "malformed", "malformed")
    with pytest.raises(TransientError, match="malformed"):
        client.read("thing")


@pytest.mark.parametrize("behaviour", ["drop", "hang", "500", "malformed"])
def test_create_is_never_retried(echo: EchoFake, client: HttpClient, behaviour: str) -> None:
    echo.push("create", behaviour)
    with pytest.raises(TransientError) as caught:
        client.create("thing", {"a": 1})
    assert len(echo.requests("POST", "/thing")) == 1
    # It reached the server: the job may exist, so it is not safe to send again.
    assert not isinstance(caught.value, NotDelivered)


def test_create_sends_json_and_credentials(echo: EchoFake, client: HttpClient) -> None:
    assert client.create("thing", {"a": 1}) == {"id": "x"}
    (call,) = echo.requests("POST", "/thing")
    assert call.json == {"a": 1}
    assert call.headers["authorization"] == "Bearer k"


def test_connection_refused_is_not_delivered() -> None:
    client = HttpClient("http://127.0.0.1:9", provider="t", sleep=lambda s: None, **quick())
    with client:
        with pytest.raises(NotDelivered) as caught:
            client.create("x", {"a": 1})
        assert isinstance(caught.value, TransientError)  # retried like any transient error
        assert "not sent" in str(caught.value)
        with pytest.raises(NotDelivered):
            client.read("x")


def _raising(exc: Exception) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectTimeout("timed out"),
        httpx.PoolTimeout("no free connection"),
    ],
)
def test_failures_before_sending_are_not_delivered(exc: Exception) -> None:
    client = HttpClient("http://svc.test", provider="t", transport=_raising(exc), **quick())
    with client, pytest.raises(NotDelivered):
        client.create("jobs", {"a": 1})


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("timed out"),
        httpx.WriteTimeout("timed out"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
)
def test_failures_after_sending_are_plain_transient(exc: Exception) -> None:
    client = HttpClient("http://svc.test", provider="t", transport=_raising(exc), **quick())
    with client, pytest.raises(TransientError) as caught:
        client.create("jobs", {"a": 1})
    assert not isinstance(caught.value, NotDelivered)


def test_download_same_origin_carries_credentials(
    echo: EchoFake, client: HttpClient, tmp_path: Path
) -> None:
    echo.push("file", "drop")
    dest = tmp_path / "out.mp4"
    assert client.download("file", dest) == "video/mp4"
    assert dest.read_bytes() == b"BYTES"
    assert not dest.with_name("out.mp4.part").exists()
    assert echo.requests("GET", "/file")[-1].headers["authorization"] == "Bearer k"


def test_download_other_origin_gets_no_credentials(
    files: FileHost, client: HttpClient, tmp_path: Path
) -> None:
    url = files.add("clip.mp4", b"CDN")
    dest = tmp_path / "clip.mp4"
    client.download(url, dest)
    assert dest.read_bytes() == b"CDN"
    (call,) = files.requests("GET")
    assert "authorization" not in call.headers


def test_download_missing_file(files: FileHost, client: HttpClient, tmp_path: Path) -> None:
    with pytest.raises(ProviderFailed):
        client.download(f"{files.url}/files/nope.mp4", tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_helpers(tmp_path: Path) -> None:
    png = tmp_path / "a.png"
    png.write_bytes(b"\x89PNG")
    assert data_uri(png) == "data:image/png;base64,iVBORw=="
    assert output_path(tmp_path, "fal.x/1", "https://cdn/x/y.mp4?sig=1").name == "fal.x_1.mp4"
    assert output_path(tmp_path, "p", "https://cdn/x/y", "image/png").suffix == ".png"
    assert require({"a": [{"b": "c"}]}, "a", 0, "b", provider="p") == "c"
    with pytest.raises(TransientError, match="malformed response: no a.1"):
        require({"a": []}, "a", 1, provider="p")
    with pytest.raises(TransientError, match="malformed"):
        require({"a": 1}, "a", provider="p")


def test_no_base_url_is_not_configured() -> None:
    with pytest.raises(NotConfigured):
        HttpClient("", provider="p")
