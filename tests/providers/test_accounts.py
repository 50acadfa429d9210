"""Provider accounts against local fakes of fal's billing and Replicate's account endpoints:
a balance only when the service reports one, and the exact reason when it does not."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from shotline.app import build_registry_for, provider_accounts
from shotline.config import Settings
from shotline.providers.accounts import ProviderAccounts
from tests.providers.http.fakes import Call, FakeServer, Reply

ADMIN_KEY = "fal-admin-key"
INFERENCE_KEY = "fal-inference-key"
TOKEN = "r8_token"


def fal_billing(call: Call, _params: dict[str, str], behaviour: str) -> Reply:
    # As documented: only admin keys may read billing; others get 403.
    if call.headers.get("authorization") != f"Key {ADMIN_KEY}":
        return Reply(403, {"detail": "Admin API key required"})
    body: dict[str, object] = {"username": "my-team"}
    if call.query.get("expand") == ["credits"]:
        body["credits"] = {"current_balance": 24.5, "currency": "USD"}
    if behaviour == "string-balance":
        body["credits"] = {"current_balance": "7.25", "currency": "EUR"}
    if behaviour == "nan-balance":
        body["credits"] = {"current_balance": "NaN"}
    return Reply(200, body)


def replicate_account(call: Call, _params: dict[str, str], _behaviour: str) -> Reply:
    if call.headers.get("authorization") != f"Bearer {TOKEN}":
        return Reply(401, {"detail": "Unauthenticated"})
    return Reply(200, {"type": "user", "username": "jp", "name": "JP", "github_url": None})


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    server = FakeServer()
    server.route("GET", r"/v1/account/billing", "billing", fal_billing)
    server.route("GET", r"/v1/account", "account", replicate_account)
    with server:
        yield server


def accounts(tmp_path: Path, fake: FakeServer, **keys: str) -> ProviderAccounts:
    settings = Settings.model_validate(
        {"SHOTLINE_DATA": str(tmp_path), "SHOTLINE_FAL_API_URL": fake.url,
         "SHOTLINE_REPLICATE_URL": fake.url, **keys}
    )  # fmt: skip
    return provider_accounts(settings, build_registry_for(settings))


def by_family(checker: ProviderAccounts) -> dict[str, object]:
    return {a.family: a for a in checker.all()}


def test_fal_admin_key_reports_the_balance(tmp_path: Path, fake: FakeServer) -> None:
    fal = accounts(tmp_path, fake, FAL_KEY=ADMIN_KEY).account("fal")
    assert (fal.configured, fal.identity, fal.balance, fal.currency) == (
        True, "my-team", Decimal("24.5"), "USD",
    )  # fmt: skip
    (call,) = fake.requests("GET", "/v1/account/billing")
    assert call.query == {"expand": ["credits"]}
    assert call.headers["authorization"] == f"Key {ADMIN_KEY}"


def test_fal_inference_key_gets_403_and_no_number(tmp_path: Path, fake: FakeServer) -> None:
    fal = accounts(tmp_path, fake, FAL_KEY=INFERENCE_KEY).account("fal")
    assert fal.configured and fal.checked
    assert fal.balance is None and fal.currency is None
    assert "only admin keys" in fal.note and "403" in fal.note


def test_fal_odd_answers_give_no_number(tmp_path: Path, fake: FakeServer) -> None:
    checker = accounts(tmp_path, fake, FAL_KEY=ADMIN_KEY)
    fake.push("billing", "string-balance")
    assert (checker.account("fal").balance, checker.account("fal").currency) == (
        Decimal("7.25"),
        "EUR",
    )  # fmt: skip  (the second call is served from the cache)
    assert len(fake.requests("GET", "/v1/account/billing")) == 1
    for behaviour, note in [
        ("nan-balance", "without a usable credit balance"),
        ("malformed", "not JSON"),
        ("500", "answered 500"),
        ("401", "not valid"),
    ]:
        fake.push("billing", behaviour)
        fal = checker.account("fal", refresh=True)
        assert fal.balance is None and note in fal.note, (behaviour, fal)


def test_fal_unreachable_says_so(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"SHOTLINE_DATA": str(tmp_path), "FAL_KEY": ADMIN_KEY,
         "SHOTLINE_FAL_API_URL": "http://127.0.0.1:9"}
    )  # fmt: skip
    fal = provider_accounts(settings, build_registry_for(settings)).account("fal")
    assert fal.balance is None and "could not be asked" in fal.note


def test_replicate_reports_identity_but_no_balance(tmp_path: Path, fake: FakeServer) -> None:
    replicate = accounts(tmp_path, fake, REPLICATE_API_TOKEN=TOKEN).account("replicate")
    assert (replicate.identity, replicate.balance) == ("jp", None)
    assert replicate.note == "Replicate's API reports the account's identity but no balance"
    bad = accounts(tmp_path, fake, REPLICATE_API_TOKEN="wrong").account("replicate")
    assert bad.identity is None and "401" in bad.note


def test_unconfigured_families_say_what_to_set(tmp_path: Path, fake: FakeServer) -> None:
    families = {a.family: a for a in accounts(tmp_path, fake).all()}
    assert not families["fal"].configured and "FAL_KEY" in families["fal"].note
    assert not families["replicate"].configured
    assert families["offline"].configured and families["offline"].providers
    assert not fake.requests()  # nothing configured, nothing asked
