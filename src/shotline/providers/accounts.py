"""Provider accounts: which services are configured, who the key belongs to, and the balance
where the service exposes it. Never a guessed number: when a service does not tell, the balance
is None and ``note`` says why.

- fal: ``GET {api}/v1/account/billing?expand=credits`` with ``Authorization: Key <key>`` answers
  ``{"username", "credits": {"current_balance", "currency"}}``. Only admin keys may call it; any
  other key gets 403 (fal.ai/docs/platform-apis/v1/account/billing).
- Replicate: ``GET {api}/v1/account`` with ``Authorization: Bearer <token>`` answers the account's
  ``type``, ``username``, ``name`` and ``github_url``, and nothing about money
  (replicate-python ``replicate/account.py``).
- The others (Runway, the LLM writers, ComfyUI) are reported as configured or not; shotline reads
  no balance from them. Offline providers cost nothing.

Answers are cached for ``cache_seconds`` so a page that polls does not hammer the services.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from pydantic import SecretStr

FAL_BILLING = "/v1/account/billing"
REPLICATE_ACCOUNT = "/v1/account"


@dataclass(frozen=True)
class ProviderAccount:
    family: str  # "fal", "replicate", "runway", "llm", "comfyui", "offline", ...
    configured: bool
    providers: tuple[str, ...] = ()  # registry ids of this family
    identity: str | None = None  # the account name the service reports for the key
    balance: Decimal | None = None  # only when the service reported one
    currency: str | None = None
    note: str = ""  # why there is no balance, or what went wrong asking
    checked: bool = False  # True when the service was asked (now or within the cache time)


@dataclass(frozen=True)
class AccountKeys:
    fal_key: SecretStr | None = None  # secrets: never in this dataclass's repr
    fal_api_url: str = "https://api.fal.ai"
    replicate_token: SecretStr | None = None
    replicate_url: str = "https://api.replicate.com"
    needs: tuple[tuple[str, str], ...] = ()  # (family, setting) for unconfigured families


def _reveal(key: SecretStr | None) -> str:
    """A key's value, only where it goes into a request header."""
    return key.get_secret_value() if key is not None else ""


def _balance(value: Any) -> Decimal | None:
    """A finite number (or numeric string) as a Decimal; anything else is no balance."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None  # NaN and infinities are no balance


def _unreachable(service: str, exc: Exception) -> str:
    return f"{service} could not be asked: {type(exc).__name__}: {exc}"[:300]


class ProviderAccounts:
    def __init__(
        self,
        keys: AccountKeys,
        families: Callable[[], dict[str, tuple[str, ...]]],
        *,
        timeout: float = 10.0,
        cache_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keys = keys
        self.families = families  # family -> registry ids, from the live registry
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, ProviderAccount]] = {}

    def all(self, refresh: bool = False) -> list[ProviderAccount]:
        families = self.families()
        known = {"fal", "replicate", *families, *(f for f, _ in self.keys.needs)}
        return [self.account(f, families.get(f, ()), refresh) for f in sorted(known)]

    def account(
        self, family: str, providers: tuple[str, ...] = (), refresh: bool = False
    ) -> ProviderAccount:
        if family == "fal" and self.keys.fal_key:
            return replace(self._cached("fal", self._fal, refresh), providers=providers)
        if family == "replicate" and self.keys.replicate_token:
            return replace(self._cached("replicate", self._replicate, refresh), providers=providers)
        if family == "offline":
            return ProviderAccount(family, True, providers, note="offline providers cost nothing")
        need = dict(self.keys.needs).get(family)
        if not providers:
            note = f"not configured: set {need}" if need else "not configured"
            return ProviderAccount(family, False, (), note=note)
        return ProviderAccount(
            family, True, providers, note=f"shotline reads no balance from {family}"
        )

    def _cached(
        self, family: str, ask: Callable[[], ProviderAccount], refresh: bool
    ) -> ProviderAccount:
        now = self.clock()
        with self._lock:
            hit = self._cache.get(family)
        if hit is not None and not refresh and now - hit[0] < self.cache_seconds:
            return hit[1]
        account = ask()
        with self._lock:
            self._cache[family] = (now, account)
        return account

    def _get(self, url: str, headers: dict[str, str], **params: str) -> httpx.Response:
        with httpx.Client(timeout=self.timeout) as client:
            return client.get(url, headers=headers, params=params)

    def _fal(self) -> ProviderAccount:
        base = ProviderAccount("fal", True, checked=True)
        try:
            answer = self._get(
                self.keys.fal_api_url.rstrip("/") + FAL_BILLING,
                {"Authorization": f"Key {_reveal(self.keys.fal_key)}"},
                expand="credits",
            )
        except httpx.HTTPError as exc:
            return replace(base, note=_unreachable("fal's billing endpoint", exc))
        if answer.status_code == 403:
            return replace(
                base,
                note="fal's billing endpoint answers only admin keys; this key is not one "
                "(403), so the balance is unknown",
            )
        if answer.status_code == 401:
            return replace(base, note="fal refused the key (401): it is not valid")
        if answer.status_code != 200:
            return replace(base, note=f"fal's billing endpoint answered {answer.status_code}")
        try:
            body = answer.json()
        except ValueError:
            return replace(base, note="fal's billing endpoint answered something not JSON")
        if not isinstance(body, dict):
            return replace(base, note="fal's billing endpoint answered an unexpected shape")
        identity = body.get("username") if isinstance(body.get("username"), str) else None
        credits = body.get("credits")
        amount = _balance(credits.get("current_balance")) if isinstance(credits, dict) else None
        if amount is None:
            return replace(
                base, identity=identity, note="fal answered without a usable credit balance"
            )
        currency = credits.get("currency") if isinstance(credits, dict) else None
        return replace(
            base,
            identity=identity,
            balance=amount,
            currency=currency if isinstance(currency, str) and currency else "USD",
        )

    def _replicate(self) -> ProviderAccount:
        base = ProviderAccount(
            "replicate",
            True,
            checked=True,
            note="Replicate's API reports the account's identity but no balance",
        )
        try:
            answer = self._get(
                self.keys.replicate_url.rstrip("/") + REPLICATE_ACCOUNT,
                {"Authorization": f"Bearer {_reveal(self.keys.replicate_token)}"},
            )
        except httpx.HTTPError as exc:
            return replace(base, note=_unreachable("Replicate's account endpoint", exc))
        if answer.status_code == 401:
            return replace(base, note="Replicate refused the token (401): it is not valid")
        if answer.status_code != 200:
            return replace(base, note=f"Replicate's account endpoint answered {answer.status_code}")
        try:
            body = answer.json()
        except ValueError:
            body = None
        username = body.get("username") if isinstance(body, dict) else None
        if not isinstance(username, str):
            return replace(base, note="Replicate's account endpoint answered an unexpected shape")
        return replace(base, identity=username)
