"""Fetching a URL someone else named (a provider's result, a timeline's media) under one set of
rules, so a reply or a project file cannot turn us into a client of whatever it points at.

- **Scheme.** https only; plain http only when the rules allow local addresses (a provider whose
  configured base URL is itself local: a ComfyUI on this machine or the LAN, a test fake).
- **Address.** The host is resolved first and every address it resolves to must be public:
  loopback, private, link-local (169.254.169.254, the cloud metadata service), multicast,
  reserved and unspecified addresses are refused unless local addresses are allowed. The
  address the connection really reached is checked again (DNS can answer differently twice).
- **Redirects** are followed by hand, at most ``max_redirects``, each hop under the same rules.
- **Size.** A declared ``Content-Length`` over ``max_bytes`` is refused before reading; a body
  that grows past it is cut off and its partial file removed.
- **Time.** ``deadline`` bounds the whole fetch (redirects and every read), not each read.

The file is written to ``<dest>.part`` and renamed into place only when complete.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

MiB = 1024 * 1024


class DownloadRefused(ValueError):
    """A URL, a redirect, a size or a duration the download rules do not allow."""


@dataclass(frozen=True)
class DownloadRules:
    allow_local: bool = False  # http and private/loopback addresses (a local provider)
    max_bytes: int = 2048 * MiB
    deadline: float = 600.0  # seconds for the whole fetch
    max_redirects: int = 5
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)


Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (a literal address is itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _port(parts: Any) -> int:
    return int(parts.port or (443 if parts.scheme == "https" else 80))


def is_local_url(url: str, resolver: Resolver | None = None) -> bool:
    """Whether ``url``'s host is this machine or a private network (a configured local service).
    A host that does not resolve counts as not local."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        addresses = (resolver or resolve)(host, _port(parts))
    except (OSError, ValueError):
        return False
    return bool(addresses) and not all(is_public(a) for a in addresses)


def check_url(url: str, rules: DownloadRules, resolver: Resolver | None = None) -> list[str]:
    """Refuse ``url`` unless the rules allow it; returns the addresses its host resolved to."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise DownloadRefused(f"{url}: only https URLs are fetched")
    if parts.scheme == "http" and not rules.allow_local:
        raise DownloadRefused(f"{url}: plain http is refused (https only)")
    if parts.username or parts.password:
        raise DownloadRefused(f"{_safe(url)}: URLs with credentials are refused")
    host = parts.hostname
    if not host:
        raise DownloadRefused(f"{url}: no host")
    try:
        addresses = (resolver or resolve)(host, _port(parts))
    except (OSError, ValueError) as exc:
        raise DownloadRefused(f"{url}: {host} does not resolve ({exc})") from None
    if not rules.allow_local:
        private = [a for a in addresses if not is_public(a)]
        if private:
            raise DownloadRefused(
                f"{url}: {host} resolves to a non-public address ({', '.join(private)}); "
                "only a provider configured on a local address may hand out local URLs"
            )
    return addresses


def _safe(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return parts._replace(netloc=netloc).geturl()


def _peer(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:  # an in-memory transport (tests)
        return None
    peer = stream.get_extra_info("server_addr")
    return str(peer[0]) if peer else None


def fetch(
    client: httpx.Client,
    url: str,
    dest: Path,
    rules: DownloadRules,
    *,
    headers_for: Callable[[str], Mapping[str, str]] = lambda _: {},
    params: Mapping[str, Any] | None = None,
    resolver: Resolver | None = None,
    trusted: Callable[[str], bool] = lambda _: False,
) -> str:
    """Stream ``url`` into ``dest`` under ``rules``; returns the response's MIME type.

    ``headers_for(url)`` gives the headers for a hop (credentials only for their own origin);
    ``trusted(url)`` exempts the configured service's own URLs from the address rules. Transport
    errors (``httpx.HTTPError``) and non-success statuses (``httpx.HTTPStatusError``) propagate
    for the caller to map."""
    start = rules.clock()

    def remaining() -> float:
        left = rules.deadline - (rules.clock() - start)
        if left <= 0:
            raise DownloadRefused(f"{_safe(url)}: not complete within {rules.deadline:g} s")
        return left

    current = url
    query = params
    for _ in range(rules.max_redirects + 1):
        if not trusted(current):
            check_url(current, rules, resolver)
        timeout = httpx.Timeout(min(remaining(), 60.0), connect=min(remaining(), 10.0))
        with client.stream(
            "GET", current, params=query, headers=dict(headers_for(current)),
            timeout=timeout, follow_redirects=False,
        ) as response:  # fmt: skip
            peer = _peer(response)
            checked = not rules.allow_local and not trusted(current)
            if peer is not None and checked and not is_public(peer):
                raise DownloadRefused(f"{_safe(current)}: connected to {peer}, not public")
            if response.is_redirect:
                location = response.headers.get("location", "")
                current, query = urljoin(current, location), None
                continue
            if not response.is_success:
                response.read()
                response.raise_for_status()
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > rules.max_bytes:
                raise DownloadRefused(
                    f"{_safe(current)}: {int(declared)} bytes is over the limit of "
                    f"{rules.max_bytes} bytes"
                )
            part = dest.with_name(dest.name + ".part")
            try:
                size = 0
                with part.open("wb") as out:
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > rules.max_bytes:
                            raise DownloadRefused(
                                f"{_safe(current)}: more than the limit of {rules.max_bytes} bytes"
                            )
                        remaining()
                        out.write(chunk)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            os.replace(part, dest)
            header = str(response.headers.get("content-type", ""))
            return header.split(";")[0].strip()
    raise DownloadRefused(f"{_safe(url)}: more than {rules.max_redirects} redirects")
