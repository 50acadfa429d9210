"""``create_app(services)``: the FastAPI app. One line per area router; errors become
``{"detail": "<one sentence>"}`` with the status their kind calls for."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shotline import __version__
from shotline.assets.errors import AssetNotFound
from shotline.costs.errors import CreditError, InsufficientCredits
from shotline.interchange.errors import InterchangeError
from shotline.jobs.status import IllegalTransition, JobNotFound
from shotline.media.errors import MediaError
from shotline.providers.errors import NotConfigured
from shotline.studio.csrf import CSRFMiddleware
from shotline.studio.errors import StudioError
from shotline.studio.routes import (
    assets,
    auth,
    credits,
    events,
    exports,
    films,
    generate,
    media,
    projects,
    providers,
    saves,
    timeline,
    uploads,
    users,
)  # fmt: skip
from shotline.studio.services import StudioServices
from shotline.studio.web import bundle
from shotline.timeline import ClipNotFound, OverlapError, TimelineError

# Errors of the layers below, as HTTP statuses (the message is the reason, shown as it is).
DOMAIN_ERRORS: dict[type[Exception], int] = {
    AssetNotFound: 404,
    JobNotFound: 404,
    InsufficientCredits: 409,
    CreditError: 409,
    IllegalTransition: 409,
    NotConfigured: 409,
    ClipNotFound: 404,  # before TimelineError: the first matching kind wins
    OverlapError: 409,
    TimelineError: 422,
    InterchangeError: 422,
    MediaError: 422,
}


def create_app(services: StudioServices | None) -> FastAPI:
    """The app over ``services`` (None: only the routes, for the OpenAPI description)."""
    app = FastAPI(
        title="shotline studio",
        version=__version__,
        description="A timeline-aware AI film studio: accounts, projects, the live timeline, "
        "generation, uploads, saves, assets, credits, film runs and events.",
    )
    app.state.services = services
    app.add_middleware(CSRFMiddleware)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StudioError, _studio_error)
    for kind in DOMAIN_ERRORS:
        app.add_exception_handler(kind, _domain_error)

    app.include_router(auth.router)
    app.include_router(projects.router)
    app.include_router(events.router)
    app.include_router(timeline.router)
    app.include_router(saves.router)
    app.include_router(users.router)
    app.include_router(credits.router)
    app.include_router(providers.router)
    app.include_router(assets.router)
    app.include_router(exports.router)
    app.include_router(uploads.router)
    app.include_router(media.router)
    app.include_router(generate.router)
    app.include_router(films.router)
    web = bundle(services.settings.web_dist) if services is not None else None
    if web is not None:
        app.mount("/", web, name="web")  # last: every route above wins over the bundle
    return app


def openapi_schema() -> dict[str, Any]:
    """The API's description without services (the web client's types are generated from it)."""
    return create_app(None).openapi()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


async def _studio_error(request: Request, exc: Exception) -> JSONResponse:
    status = exc.status if isinstance(exc, StudioError) else 400
    return JSONResponse({"detail": _first_line(exc)}, status_code=status)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    status = next((s for kind, s in DOMAIN_ERRORS.items() if isinstance(exc, kind)), 400)
    return JSONResponse({"detail": _first_line(exc)}, status_code=status)


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "the request body"


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """Malformed JSON is a 400; a well-formed body that does not fit is a 422. Either way one
    readable sentence, plus the field errors (without echoing the input back)."""
    errors = list(exc.errors()) if isinstance(exc, RequestValidationError) else []
    broken = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if broken is not None:
        reason = broken.get("ctx", {}).get("error", "not valid JSON")
        return JSONResponse({"detail": f"malformed JSON: {reason}"}, status_code=400)
    fields = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
         "type": str(e.get("type", ""))}
        for e in errors
    ]  # fmt: skip
    sentence = "; ".join(f"{_where(tuple(e['loc']))}: {e['msg']}" for e in fields[:5])
    return JSONResponse({"detail": sentence, "errors": fields}, status_code=422)
