"""Admin user management and frame credits over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.studio.conftest import PASSWORD, LiveServer


def test_admin_manages_users(server: LiveServer, admin: httpx.Client) -> None:
    made = admin.post("/api/users", json={"name": "cutter", "password": "long enough pw"})
    assert made.status_code == 201 and made.json()["is_admin"] is False
    assert admin.post("/api/users", json={"name": "cutter", "password": "x" * 9}).status_code == 409
    cutter = server.login("cutter", "long enough pw")
    listed = {u["name"]: u for u in admin.get("/api/users").json()}
    assert set(listed) == {"admin", "member", "outsider", "cutter"}
    assert listed["cutter"]["sessions"] == 1
    # A new password ends the user's sessions; so does an explicit logout of everyone.
    changed = admin.patch("/api/users/cutter", json={"password": "another long pw"})
    assert changed.status_code == 200 and changed.json()["sessions"] == 0
    assert cutter.get("/api/auth/me").status_code == 401
    cutter = server.login("cutter", "another long pw")
    assert admin.post("/api/users/cutter/logout").json() == {"ended": 1}
    assert cutter.get("/api/auth/me").status_code == 401
    promoted = admin.patch("/api/users/cutter", json={"is_admin": True})
    assert promoted.json()["is_admin"] is True
    assert admin.delete("/api/users/cutter").status_code == 204
    assert admin.delete("/api/users/cutter").status_code == 404
    assert "cutter" not in {u["name"] for u in admin.get("/api/users").json()}


def test_the_last_admin_stays(server: LiveServer, admin: httpx.Client) -> None:
    demote = admin.patch("/api/users/admin", json={"is_admin": False, "password": "new long pw"})
    assert demote.status_code == 409 and "last admin" in demote.json()["detail"]
    assert admin.delete("/api/users/admin").status_code == 409
    # Refused as a whole: the password did not change either.
    assert admin.get("/api/auth/me").json()["is_admin"] is True
    server.login("admin", PASSWORD)


def test_credits_show_remaining_limit_and_reset(
    server: LiveServer, member: httpx.Client, admin: httpx.Client
) -> None:
    ledger = server.services.studio.engine.ledger
    ledger.reserve("member", 100, "job-a")
    ledger.reserve("member", 30, "job-b")
    ledger.settle("job-a", 100)
    mine = member.get("/api/credits").json()
    assert (mine["daily_limit"], mine["used"], mine["reserved"], mine["remaining"]) == (
        250, 130, 30, 120,
    )  # fmt: skip
    resets = datetime.fromisoformat(mine["resets_at"])
    now = datetime.now(UTC)
    assert resets.time() == datetime.min.time() and now < resets <= now + timedelta(days=1)
    assert 0 < mine["seconds_until_reset"] <= 86400
    # Admins see everyone and reset: spent frames come back, running ones stay held.
    everyone = {c["user"]: c["remaining"] for c in admin.get("/api/credits/users").json()}
    assert everyone == {"admin": 250, "member": 120, "outsider": 250}
    reset = admin.post("/api/credits/users/member/reset").json()
    assert (reset["used"], reset["remaining"]) == (30, 220)
    assert member.get("/api/credits").json()["remaining"] == 220
    assert admin.post("/api/credits/users/ghost/reset").status_code == 404
    assert member.post("/api/credits/users/member/reset").status_code == 403
