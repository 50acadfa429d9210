"""The browser studio's bundle (``web/dist``, built by ``npm run build``), served from ``/``.

Paths that are not files of the bundle get ``index.html`` so that a reload on a deep link
(``/projects/p1``) opens the app; ``/api`` and ``/yjs`` never fall through to it. Hashed
assets are cached for good; ``index.html`` and the service worker are revalidated every time so
that a new deploy takes over at once.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

NOT_THE_APP = ("/api/", "/yjs/", "/openapi.json", "/docs", "/redoc")


class Bundle(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith(NOT_THE_APP):
            # No route matched (any method): the API's own 404, never the app's page.
            await JSONResponse({"detail": "Not Found"}, status_code=404)(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or "." in Path(path).name:
                raise
            response = await super().get_response("index.html", scope)
        if path.startswith("assets/"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


def bundle(dist: Path) -> Bundle | None:
    """The app's files, or None when the bundle has not been built (the API still works)."""
    return Bundle(directory=dist, html=True) if (dist / "index.html").is_file() else None
