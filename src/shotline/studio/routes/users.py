"""User management (admin only): list, add, change role or password, end sessions, remove."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shotline.studio.accounts import User, check_password
from shotline.studio.deps import AdminUser, Services
from shotline.studio.errors import Conflict
from shotline.studio.schemas import Body

router = APIRouter(prefix="/api/users", tags=["users"])


class UserDetail(BaseModel):
    name: str
    is_admin: bool
    created_at: datetime
    sessions: int

    @classmethod
    def of(cls, user: User, sessions: int) -> UserDetail:
        return cls(
            name=user.name, is_admin=user.is_admin, created_at=user.created_at, sessions=sessions
        )


class NewUser(Body):
    name: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    is_admin: bool = False


class UserChange(Body):
    is_admin: bool | None = None
    password: str | None = Field(None, max_length=1024, description="ends the user's sessions")


class SessionsEnded(BaseModel):
    ended: int


def _detail(services: Services, user: User) -> UserDetail:
    return UserDetail.of(user, services.accounts.session_count(user.name))


@router.get("")
def list_users(admin: AdminUser, services: Services) -> list[UserDetail]:
    return [_detail(services, u) for u in services.accounts.list()]


@router.post("", status_code=201, responses={409: {}, 422: {}})
def add_user(body: NewUser, admin: AdminUser, services: Services) -> UserDetail:
    user = services.accounts.add(body.name, body.password, admin=body.is_admin)
    return _detail(services, user)


@router.patch("/{name}", responses={404: {}, 409: {}})
def change_user(name: str, body: UserChange, admin: AdminUser, services: Services) -> UserDetail:
    accounts = services.accounts
    accounts.get(name)  # 404 before any change
    if body.password is not None:
        check_password(body.password)  # refused before the role changes
    if body.is_admin is not None:
        accounts.set_admin(name, body.is_admin)  # may refuse: the last admin stays one
    if body.password is not None:
        accounts.set_password(name, body.password)
    return _detail(services, accounts.get(name))


@router.post("/{name}/logout", responses={404: {}})
def end_sessions(name: str, admin: AdminUser, services: Services) -> SessionsEnded:
    """End every session of the user (they must log in again)."""
    services.accounts.get(name)
    return SessionsEnded(ended=services.accounts.close_sessions(name))


@router.delete("/{name}", status_code=204, responses={404: {}, 409: {}})
def remove_user(name: str, admin: AdminUser, services: Services) -> None:
    if name == admin.name:
        raise Conflict("you cannot remove yourself: ask another admin")
    services.accounts.remove(name)
