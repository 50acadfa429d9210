"""CSRF protection by double submit: every POST/PUT/PATCH/DELETE must carry the ``shotline_csrf``
cookie's value in the ``X-CSRF-Token`` header. Another site can make a browser send our cookies
but cannot read them, so it cannot copy the value into a header. Login is covered too (it would
otherwise let a site log a victim into the attacker's account).

Any response to a request without the cookie sets one; the token is random and not secret from
the page itself (not HttpOnly: the page's script reads it).
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "shotline_csrf"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def cookies_of(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header: treat as no cookies
                continue
    return {name: morsel.value for name, morsel in jar.items()}


def header_of(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode()
    for key, value in scope.get("headers", ()):
        if key == wanted:
            return str(value.decode("latin-1"))
    return None


def csrf_cookie(token: str, secure: bool) -> str:
    flags = "; Secure" if secure else ""
    return f"{CSRF_COOKIE}={token}; Path=/; SameSite=Lax; Max-Age=31536000{flags}"


class CSRFMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = cookies_of(scope).get(CSRF_COOKIE)
        if scope["method"] in UNSAFE:
            sent = header_of(scope, CSRF_HEADER)
            if not cookie or not sent or not secrets.compare_digest(cookie, sent):
                refusal = JSONResponse(
                    {
                        "detail": f"missing or wrong CSRF token: send the {CSRF_COOKIE} "
                        f"cookie's value in the {CSRF_HEADER} header"
                    },
                    status_code=403,
                )
                await refusal(scope, receive, send)
                return
        token = cookie or secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_token"] = token
        if cookie:
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", csrf_cookie(token, secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
