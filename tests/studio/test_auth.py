"""Accounts over HTTP: login, sessions in SQL, logout and password change end sessions, CSRF,
login rate limiting."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from shotline.studio.accounts import sessions
from shotline.studio.csrf import CSRF_HEADER
from shotline.studio.deps import SESSION_COOKIE
from tests.studio.conftest import PASSWORD, LiveServer


def session_rows(server: LiveServer, name: str) -> int:
    return server.services.accounts.session_count(name)


def test_login_sets_an_httponly_lax_session_cookie_backed_by_a_row(server: LiveServer) -> None:
    client = server.client()
    answer = client.post("/api/auth/login", json={"name": "member", "password": PASSWORD})
    assert answer.status_code == 200
    assert answer.json()["name"] == "member" and answer.json()["is_admin"] is False
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    token = client.cookies[SESSION_COOKIE]
    # The database holds a digest, never the token itself.
    with server.services.accounts.engine.connect() as conn:
        stored = conn.execute(sa.select(sessions.c.token_hash)).scalars().all()
    assert len(stored) == 1 and token not in stored
    assert client.get("/api/auth/me").json()["name"] == "member"


def test_wrong_password_and_unknown_user_look_the_same(server: LiveServer) -> None:
    client = server.client()
    wrong = client.post("/api/auth/login", json={"name": "member", "password": "nope nope"})
    unknown = client.post("/api/auth/login", json={"name": "ghost", "password": "nope nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "wrong user name or password"}
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/api/auth/me").status_code == 401


def test_logout_ends_the_session_on_the_server(server: LiveServer, member: httpx.Client) -> None:
    stolen = member.cookies[SESSION_COOKIE]
    assert member.post("/api/auth/logout").status_code == 204
    assert member.get("/api/auth/me").status_code == 401
    # Replaying the old cookie does not work either: the row is gone.
    replay = server.client()
    replay.cookies.set(SESSION_COOKIE, stolen)
    assert replay.get("/api/auth/me").status_code == 401
    assert session_rows(server, "member") == 0


def test_password_change_ends_every_session_but_renews_this_one(server: LiveServer) -> None:
    laptop, phone = server.login("member"), server.login("member")
    assert session_rows(server, "member") == 2
    new = "a much better password"
    answer = laptop.post("/api/auth/password", json={"current": PASSWORD, "new": new})
    assert answer.status_code == 200
    assert phone.get("/api/auth/me").status_code == 401
    assert laptop.get("/api/auth/me").status_code == 200  # the new cookie came with the answer
    assert session_rows(server, "member") == 1
    old = server.client().post("/api/auth/login", json={"name": "member", "password": PASSWORD})
    assert old.status_code == 401
    server.login("member", new)


def test_password_change_needs_the_current_password(
    server: LiveServer, member: httpx.Client
) -> None:
    answer = member.post("/api/auth/password", json={"current": "guess guess", "new": "x" * 12})
    assert answer.status_code == 403
    short = member.post("/api/auth/password", json={"current": PASSWORD, "new": "short"})
    assert short.status_code == 422 and "at least 8" in short.json()["detail"]
    assert member.get("/api/auth/me").status_code == 200  # nothing ended
    server.login("member")


def test_every_state_change_needs_the_csrf_header(server: LiveServer, member: httpx.Client) -> None:
    token = member.headers.pop(CSRF_HEADER)
    refused = [
        member.post("/api/projects", json={"id": "p2"}),
        member.post("/api/auth/logout"),
        member.delete("/api/projects/p1/members/member"),
    ]
    assert {r.status_code for r in refused} == {403}
    assert all("CSRF" in r.json()["detail"] for r in refused)
    member.headers[CSRF_HEADER] = "forged-" + token
    assert member.post("/api/projects", json={"id": "p2"}).status_code == 403
    # Nothing happened: no project, the session and the membership are intact.
    assert [p["id"] for p in member.get("/api/projects").json()] == ["p1"]
    # Login is covered too.
    fresh = server.client()
    fresh.headers.pop(CSRF_HEADER)
    login = fresh.post("/api/auth/login", json={"name": "member", "password": PASSWORD})
    assert login.status_code == 403
    member.headers[CSRF_HEADER] = token
    assert member.post("/api/projects", json={"id": "p2"}).status_code == 201


def test_login_is_rate_limited_per_name(server: LiveServer) -> None:
    client = server.client()
    limit = server.services.login_limiter.limits.per_name
    for _ in range(limit):
        bad = client.post("/api/auth/login", json={"name": "member", "password": "guess guess"})
        assert bad.status_code == 401
    blocked = client.post("/api/auth/login", json={"name": "member", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "too many failed logins" in blocked.json()["detail"]
    # Other names from elsewhere are unaffected (the address limit is higher).
    server.login("admin")
