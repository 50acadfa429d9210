"""What routes depend on: the services, the logged-in user, admin rights, project membership.

Every route but the few public ones (marked ``PUBLIC`` in the OpenAPI description) depends on
``CurrentUser``, ``AdminUser`` or ``Member``; FastAPI resolves these before the body is validated,
so an anonymous or non-member request is refused before anything else is looked at.
WebSockets use ``user_from_scope`` and ``member_of`` (a browser sends cookies with a WebSocket
handshake from any site, so the Origin must match the Host too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from starlette.requests import HTTPConnection
from starlette.types import Scope

from shotline.studio.accounts import User
from shotline.studio.csrf import cookies_of, header_of
from shotline.studio.services import StudioServices

SESSION_COOKIE = "shotline_session"
# ``openapi_extra`` of the routes an anonymous client may call (login, the CSRF cookie, health).
PUBLIC: dict[str, Any] = {"x-shotline-public": True}


def get_services(connection: HTTPConnection) -> StudioServices:
    services: StudioServices = connection.app.state.services
    return services


async def _services(connection: HTTPConnection) -> StudioServices:
    # async: a plain attribute read, not worth a hop to the thread pool as a sync dependency
    return get_services(connection)


Services = Annotated[StudioServices, Depends(_services)]


def current_user(request: Request, services: Services) -> User:
    user = services.accounts.session_user(request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise HTTPException(401, "log in first: no valid session")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise HTTPException(403, "only an admin may do this")
    return user


AdminUser = Annotated[User, Depends(admin_user)]


@dataclass(frozen=True)
class ProjectAccess:
    user: User
    project: str  # the project id


def project_member(project: str, user: CurrentUser, services: Services) -> ProjectAccess:
    exists, member = services.projects.access(project, user)
    if not exists:
        raise HTTPException(404, f"no project {project[:80]!r}")
    if not member:
        raise HTTPException(403, f"you are not a member of project {project!r}")
    return ProjectAccess(user, project)


Member = Annotated[ProjectAccess, Depends(project_member)]


def same_origin(scope: Scope) -> bool:
    """True unless a browser says the page came from another origin than this server."""
    origin = header_of(scope, "origin")
    if origin is None:  # not a browser (Python and Node clients send none)
        return True
    host = header_of(scope, "host")
    return host is not None and urlsplit(origin).netloc.lower() == host.lower()


def user_from_scope(services: StudioServices, scope: Scope) -> User | None:
    """The logged-in user of a WebSocket handshake (or any ASGI scope), else None."""
    if not same_origin(scope):
        return None
    return services.accounts.session_user(cookies_of(scope).get(SESSION_COOKIE))


def member_of(services: StudioServices, user: User, project: str) -> bool:
    return all(services.projects.access(project, user))
