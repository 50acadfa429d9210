"""Every route in the app refuses an anonymous request; every admin route refuses a member;
every project route refuses a non-member. Routes are discovered from the app (the OpenAPI
description and the dependency tree), so routes added later are covered without listing them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute, RouteContext, iter_route_contexts
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from shotline.studio.deps import SESSION_COOKIE, admin_user, current_user, project_member
from tests.studio.conftest import PROJECT, LiveServer

METHODS = ("get", "post", "put", "patch", "delete")
# Routes an anonymous client must reach: logging in, and the CSRF token needed to do so.
EXPECTED_PUBLIC = {("post", "/api/auth/login"), ("get", "/api/auth/csrf")}


def calls(dependant: Dependant) -> Iterator[Any]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from calls(dep)


def app_routes(server: LiveServer, kind: type[Any] = APIRoute) -> list[RouteContext]:
    """The app's routes of ``kind`` with the paths and dependencies their routers give them."""
    from shotline.studio.app import create_app

    routes = iter_route_contexts(create_app(server.services).routes)
    return [r for r in routes if isinstance(r.original_route, kind)]


def api_routes(server: LiveServer) -> list[RouteContext]:
    return app_routes(server)


def concrete(path: str) -> str:
    """A real URL for a route path: the test project, and 'x' for any other parameter."""
    return re.sub(r"\{[^}]+\}", "x", path.replace("{project}", PROJECT))


def operations(server: LiveServer) -> list[tuple[str, str, dict[str, Any]]]:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def send(client: httpx.Client, method: str, path: str) -> httpx.Response:
    body = {"json": {}} if method in ("post", "put", "patch") else {}
    return client.request(method.upper(), concrete(path), **body)


def test_the_description_covers_the_app(server: LiveServer) -> None:
    described = {(m, p) for m, p, _ in operations(server)}
    routed = {
        (method.lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", r.path))  # {path:path} -> {path}
        for r in api_routes(server) for method in r.methods if method != "HEAD"
    }  # fmt: skip
    assert len(routed) >= 10
    assert described == routed
    public = {(m, p) for m, p, op in operations(server) if op.get("x-shotline-public")}
    assert public == EXPECTED_PUBLIC


def test_every_route_refuses_anonymous_requests(
    server: LiveServer, anonymous: httpx.Client
) -> None:
    checked = 0
    for method, path, op in operations(server):
        if op.get("x-shotline-public"):
            continue
        answer = send(anonymous, method, path)
        assert answer.status_code == 401, (method, path, answer.status_code, answer.text)
        assert answer.json()["detail"]
        checked += 1
    assert checked >= 8
    # Every non-public route says so in code too: it depends on the session.
    for route in api_routes(server):
        if route.openapi_extra and route.openapi_extra.get("x-shotline-public"):
            continue
        assert current_user in set(calls(route.dependant)), route.path


def test_admin_routes_refuse_members(server: LiveServer, member: httpx.Client) -> None:
    admin_routes = [
        (method.lower(), r.path)
        for r in api_routes(server)
        if admin_user in set(calls(r.dependant))
        for method in r.methods
    ]
    assert ("delete", "/api/projects/{project}") in admin_routes
    for method, path in admin_routes:
        answer = send(member, method, path)
        assert answer.status_code == 403, (method, path, answer.status_code, answer.text)
    assert server.services.projects.exists(PROJECT)


def test_project_routes_refuse_non_members_and_unknown_projects(
    server: LiveServer, outsider: httpx.Client, member: httpx.Client
) -> None:
    project_routes = [
        (method.lower(), r.path)
        for r in api_routes(server)
        if project_member in set(calls(r.dependant)) and admin_user not in set(calls(r.dependant))
        for method in r.methods
    ]
    assert len(project_routes) >= 4
    for method, path in project_routes:
        answer = send(outsider, method, path)
        assert answer.status_code == 403, (method, path, answer.status_code, answer.text)
        # Another project's id does not get a member in either.
        wrong = member.request(
            method.upper(),
            concrete(path.replace("{project}", "nope")),
            **({"json": {}} if method in ("post", "put", "patch") else {}),
        )
        assert wrong.status_code == 404, (method, path, wrong.status_code, wrong.text)


def test_every_websocket_route_refuses_anonymous_and_non_members(
    server: LiveServer, outsider: httpx.Client
) -> None:
    sockets = app_routes(server, APIWebSocketRoute)
    assert sockets
    for route in sockets:
        url = server.ws_url + concrete(route.path)
        for cookie in ("", f"{SESSION_COOKIE}={outsider.cookies[SESSION_COOKIE]}"):
            try:
                with connect(url, additional_headers={"Cookie": cookie}, open_timeout=10):
                    raise AssertionError(f"{route.path} accepted {cookie or 'anonymous'}")
            except InvalidStatus as refused:
                assert refused.response.status_code == 403
