"""Login, logout, the current user, password change, and the CSRF cookie."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from shotline.studio.accounts import SESSION_LIFETIME, User
from shotline.studio.deps import PUBLIC, SESSION_COOKIE, CurrentUser, Services
from shotline.studio.schemas import Body

router = APIRouter(prefix="/api/auth", tags=["auth"])


class UserOut(BaseModel):
    name: str
    is_admin: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(name=user.name, is_admin=user.is_admin, created_at=user.created_at)


class Login(Body):
    name: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class PasswordChange(Body):
    current: str = Field(max_length=1024)
    new: str = Field(max_length=1024)


class CsrfOut(BaseModel):
    csrf: str  # the value to send in the X-CSRF-Token header


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/csrf", openapi_extra=PUBLIC)
def csrf(request: Request) -> CsrfOut:
    """The CSRF token (also set as the ``shotline_csrf`` cookie on any first response)."""
    return CsrfOut(csrf=request.state.csrf_token)


@router.post("/login", openapi_extra=PUBLIC, responses={401: {}, 429: {}})
def login(body: Login, request: Request, response: Response, services: Services) -> UserOut:
    limiter, address = services.login_limiter, client_address(request)
    wait = limiter.retry_after(body.name, address)
    if wait > 0:
        raise HTTPException(
            429,
            f"too many failed logins: try again in {int(wait) + 1} s",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    user = services.accounts.verify(body.name, body.password)
    if user is None:
        limiter.failed(body.name, address)
        raise HTTPException(401, "wrong user name or password")
    limiter.succeeded(body.name)
    services.accounts.close_session(request.cookies.get(SESSION_COOKIE))  # no fixation
    set_session_cookie(request, response, services.accounts.open_session(user))
    return UserOut.of(user)


@router.post("/logout", status_code=204)
def logout(user: CurrentUser, request: Request, response: Response, services: Services) -> None:
    services.accounts.close_session(request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


@router.get("/me")
def me(user: CurrentUser) -> UserOut:
    return UserOut.of(user)


@router.post("/password", responses={403: {}})
def change_password(
    body: PasswordChange,
    user: CurrentUser,
    request: Request,
    response: Response,
    services: Services,
) -> UserOut:
    """Change your password. Every session of yours ends; this client gets a new one."""
    if services.accounts.verify(user.name, body.current) is None:
        raise HTTPException(403, "the current password is wrong")
    services.accounts.set_password(user.name, body.new)
    set_session_cookie(request, response, services.accounts.open_session(user))
    return UserOut.of(user)
