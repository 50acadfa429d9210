"""Shared HTTP plumbing for the real services: one synchronous ``httpx`` client per provider.

Every response that is not a success becomes one of our errors (see ``errors.py``), so the engine
can decide what to retry:

=====================================  ==============================================
what came back                         error
=====================================  ==============================================
401, 403 (bad or missing key)          ``NotConfigured``
402, 403 (balance, locked account)     ``ProviderFailed``
400, 422 (validation)                  ``CapabilityError`` with the server's message
any 4xx that reads as moderation       ``Refused``
404, 409 and other 4xx                 ``ProviderFailed``
408, 429                               ``TransientError``, ``RateLimited(retry_after)``
never sent (refused, DNS, connect)     ``NotDelivered`` (a ``TransientError``)
5xx, read/write timeouts, drops        ``TransientError``
non-JSON or wrong-shape bodies         ``TransientError("malformed ...")``
=====================================  ==============================================

Reads (``GET``) are idempotent and are retried a few times inside the client with small, bounded
delays. Creates are never retried here: a connection dropped after a ``POST`` may have created a
paid job, so the error goes to the engine, which sends it again only after a ``RateLimited`` or
a ``NotDelivered`` (the request never left: safe to send again).

Credentials are sent only to the service's own origin: a result file on another host (a CDN) is
downloaded without them.
"""

from __future__ import annotations

import base64
import dataclasses
import email.utils
import json
import mimetypes
import re
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import SecretStr

from shotline import net
from shotline.providers.errors import (
    CapabilityError,
    NotConfigured,
    NotDelivered,
    ProviderError,
    ProviderFailed,
    RateLimited,
    Refused,
    TransientError,
    UnsafeResult,
)

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

# Words services use when a safety or moderation system refused the input or the output.
_MODERATION = re.compile(
    r"content[_ ]?policy|nsfw|flagged|content[_ ]filter|moderation|safety (?:system|filter|check)"
    r"|unsafe content|sensitive content|\bE005\b",
    re.IGNORECASE,
)
_BILLING = re.compile(r"balance|credit|billing|payment|locked|quota|suspended", re.IGNORECASE)

_MIME_FALLBACK = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".gif": "image/gif",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
}


@cache
def _tls() -> ssl.SSLContext:
    """One verified TLS context for every client (loading the CA bundle costs ~40 ms)."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def mime_of(path: Path | str, default: str = "application/octet-stream") -> str:
    suffix = Path(str(path)).suffix.lower()
    return _MIME_FALLBACK.get(suffix) or mimetypes.guess_type(str(path))[0] or default


def extension_for(mime: str) -> str:
    for suffix, known in _MIME_FALLBACK.items():
        if known == mime:
            return suffix
    return mimetypes.guess_extension(mime) or ""


def authorization(scheme: str, key: str | SecretStr) -> SecretStr:
    """An ``Authorization`` header value, kept secret like the key it carries."""
    secret = key.get_secret_value() if isinstance(key, SecretStr) else key
    return SecretStr(f"{scheme} {secret}")


def data_uri(path: Path) -> str:
    """A file as a ``data:`` URI (how fal, Replicate and Runway accept small inline inputs)."""
    payload = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{mime_of(path)};base64,{payload}"


def is_moderation(text: str) -> bool:
    return bool(_MODERATION.search(text))


def retry_after_seconds(value: str | None, *, default: float = 1.0) -> float:
    """``Retry-After`` as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return default
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _message_from(data: Any) -> str | None:
    """The human part of the error bodies the services send (fal, Replicate, OpenAI, Runway)."""
    if isinstance(data, str):
        return data or None
    if isinstance(data, list):
        parts = [m for m in (_message_from(item) for item in data) if m]
        return "; ".join(parts) or None
    if isinstance(data, Mapping):
        for key in ("detail", "error", "message", "msg", "title", "failure"):
            if key in data:
                found = _message_from(data[key])
                if found:
                    return found
    return None


def server_message(response: httpx.Response, limit: int = 500) -> str:
    try:
        text = response.text
    except (httpx.HTTPError, UnicodeDecodeError):
        return f"HTTP {response.status_code}"
    try:
        message = _message_from(json.loads(text)) or text
    except ValueError:
        message = text
    message = " ".join(message.split())
    return (message[:limit] or f"HTTP {response.status_code}").strip()


def error_for_status(response: httpx.Response, provider: str) -> ProviderError:
    """Map an unsuccessful response to the error class that decides what happens next."""
    status = response.status_code
    message = f"HTTP {status}: {server_message(response)}"
    raw = response.text if status < 500 else ""
    if status == 429:
        wait = retry_after_seconds(response.headers.get("retry-after"))
        return RateLimited(message, provider=provider, retry_after=wait)
    if status >= 500 or status == 408:
        return TransientError(message, provider=provider)
    if 400 <= status < 500 and status != 401 and is_moderation(raw):
        return Refused(message, provider=provider)
    if status == 401:
        return NotConfigured(f"the key was rejected ({message})", provider=provider)
    if status == 403:
        if _BILLING.search(raw):
            return ProviderFailed(message, provider=provider)
        return NotConfigured(f"the key is not allowed here ({message})", provider=provider)
    if status in (400, 422):
        return CapabilityError(message, provider=provider)
    return ProviderFailed(message, provider=provider)


def malformed(what: str, provider: str) -> TransientError:
    return TransientError(f"malformed {what}", provider=provider)


def require(data: Any, *path: str | int, provider: str, kind: type | tuple[type, ...] = str) -> Any:
    """``data[path...]`` checked for shape; a missing or mistyped value is a malformed body."""
    value = data
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            where = ".".join(str(p) for p in path)
            raise malformed(f"response: no {where}", provider) from None
    if not isinstance(value, kind):
        where = ".".join(str(p) for p in path)
        raise malformed(f"response: {where} is {type(value).__name__}", provider)
    return value


# Failures before any byte of the request was sent: connecting (refused, DNS, TLS handshake),
# timing out while connecting, or waiting for a free connection in the pool.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, parts.hostname or "", port


class HttpClient:
    """One service's HTTP client: base URL, credentials, timeouts, error mapping, bounded retries.

    ``read_retries`` extra attempts are made for idempotent reads, with ``backoff`` doubling up to
    ``max_backoff`` seconds between them (a 429 is waited out only if its ``Retry-After`` fits in
    ``max_backoff``; otherwise it goes up as ``RateLimited``). ``sleep`` is injectable for tests.
    """

    def __init__(
        self,
        base_url: str,
        *,
        provider: str,
        headers: Mapping[str, str | SecretStr] | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        read_retries: int = 3,
        backoff: float = 0.25,
        max_backoff: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        rules: net.DownloadRules | None = None,
    ) -> None:
        if not base_url:
            raise NotConfigured("no base URL", provider=provider)
        self.base_url = base_url.rstrip("/")
        self.provider = provider
        # Held as secrets: never in a repr, a log line or an error (only sent, to our origin).
        self._auth = {k: v if isinstance(v, SecretStr) else SecretStr(v)
                      for k, v in (headers or {}).items()}  # fmt: skip
        self.rules = rules or net.DownloadRules()
        self._local: bool | None = None  # whether base_url is local: resolved on first download
        self.read_retries = max(0, read_retries)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=True,
            verify=_tls(),
        )

    # -- plumbing ----------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return urljoin(self.base_url + "/", path_or_url.lstrip("/"))

    def _headers_for(self, url: str) -> dict[str, str]:
        """Credentials only for this service's own origin, never for a CDN or a redirect."""
        if not self._same_origin(url):
            return {}
        return {name: value.get_secret_value() for name, value in self._auth.items()}

    def __repr__(self) -> str:
        return f"HttpClient({self.base_url!r}, provider={self.provider!r})"

    def _send(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        create: bool,
    ) -> httpx.Response:
        note = " (not retried: the job may have been created)" if create else ""
        try:
            response = self._http.request(
                method,
                url,
                json=json_body,
                params=params,
                files=files,
                headers=self._headers_for(url),
            )
        except _NOT_SENT as exc:
            raise NotDelivered(
                f"{method} {url} was not sent: {type(exc).__name__}: {exc}", provider=self.provider
            ) from exc
        except httpx.TimeoutException as exc:
            raise TransientError(f"{method} {url} timed out{note}", provider=self.provider) from exc
        except httpx.TransportError as exc:  # connect errors, RemoteProtocolError, resets
            raise TransientError(
                f"{method} {url} failed: {type(exc).__name__}: {exc}{note}", provider=self.provider
            ) from exc
        if response.is_success:
            return response
        raise error_for_status(response, self.provider)

    def _decode(self, response: httpx.Response) -> Any:
        if not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            snippet = " ".join(response.text[:80].split())
            raise malformed(f"response (not JSON: {snippet!r})", self.provider) from None

    def _with_retries(self, call: Callable[[], Any]) -> Any:
        delay = self.backoff
        for attempt in range(self.read_retries + 1):
            try:
                return call()
            except RateLimited as exc:
                if attempt == self.read_retries or exc.retry_after > self.max_backoff:
                    raise
                self._sleep(exc.retry_after)
            except TransientError:
                if attempt == self.read_retries:
                    raise
                self._sleep(min(delay, self.max_backoff))
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    # -- verbs -------------------------------------------------------------------------------

    def create(
        self, path: str, json_body: Any = None, *, files: Mapping[str, Any] | None = None
    ) -> Any:
        """A ``POST`` that starts (and may bill) something: sent once, never retried here."""
        return self._decode(
            self._send("POST", self.url(path), json_body=json_body, files=files, create=True)
        )

    def read(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """An idempotent ``GET`` returning JSON, retried on transient failures."""
        url = self.url(path)
        return self._with_retries(
            lambda: self._decode(self._send("GET", url, params=params, create=False))
        )

    def command(self, method: str, path: str, json_body: Any = None) -> Any:
        """A control call (cancel, free memory): sent once; the answer is JSON or empty."""
        return self._decode(self._send(method, self.url(path), json_body=json_body, create=False))

    def download(self, url: str, dest: Path, params: Mapping[str, Any] | None = None) -> str:
        """Fetch a result ``url`` into ``dest`` under ``shotline.net``'s rules (https, public
        addresses unless this service is itself local, size cap, one deadline for every attempt)
        atomically; returns its MIME type. The key goes only to this service's own origin."""
        full = self.url(url)
        rules = self.download_rules()
        start = rules.clock()

        def attempt() -> str:
            spent = rules.clock() - start
            left = dataclasses.replace(rules, deadline=rules.deadline - spent)
            try:
                return net.fetch(
                    self._http, full, dest, left, headers_for=self._headers_for, params=params,
                    trusted=self._same_origin,
                )  # fmt: skip
            except net.DownloadRefused as exc:
                raise UnsafeResult(str(exc), provider=self.provider) from None
            except httpx.HTTPStatusError as exc:
                raise error_for_status(exc.response, self.provider) from None
            except _NOT_SENT as exc:
                raise NotDelivered(
                    f"download {full} was not sent: {type(exc).__name__}: {exc}",
                    provider=self.provider,
                ) from exc
            except httpx.TimeoutException as exc:
                raise TransientError(f"download {full} timed out", provider=self.provider) from exc
            except httpx.TransportError as exc:
                raise TransientError(
                    f"download {full} failed: {type(exc).__name__}: {exc}", provider=self.provider
                ) from exc

        dest.parent.mkdir(parents=True, exist_ok=True)
        result: str = self._with_retries(attempt)
        return result

    def download_rules(self) -> net.DownloadRules:
        """Local addresses and plain http only when this service's own base URL is local."""
        if self._local is None:
            self._local = net.is_local_url(self.base_url)
        return dataclasses.replace(self.rules, allow_local=self._local)

    def _same_origin(self, url: str) -> bool:
        return _origin(url) == _origin(self.base_url)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def output_path(workdir: Path, stem: str, url: str, mime: str = "") -> Path:
    """Where a downloaded result goes: ``<workdir>/<stem><ext>``, the extension from the URL."""
    suffix = Path(urlsplit(url).path).suffix.lower()
    if not suffix or len(suffix) > 6:
        suffix = extension_for(mime) if mime else ""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "output"
    return workdir / f"{safe}{suffix}"
