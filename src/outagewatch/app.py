"""create_app(): the one place where the parts of OutageWatch are wired together."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from outagewatch import __version__
from outagewatch.api import v1
from outagewatch.catalog import service as catalog_service
from outagewatch.clock import Clock, SystemClock
from outagewatch.config import Settings
from outagewatch.context import AppContext
from outagewatch.storage.protocol import Store
from outagewatch.storage.sql import SqlStore, make_engine
from outagewatch.web import pages
from outagewatch.web.rendering import STATIC_DIR, make_templates
from outagewatch.web.security import SecurityHeaders


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, clock: Clock | None = None
) -> FastAPI:
    """Build the web application; storage must already be migrated and the catalog loaded."""
    settings = settings or Settings()
    store = store or SqlStore(make_engine(settings.resolved_database_url()))
    context = AppContext(
        settings=settings,
        store=store,
        clock=clock or SystemClock(),
        catalog=catalog_service.read_index(store),
    )
    app = FastAPI(
        title=f"{settings.site_name} API",
        version=__version__,
        description="Live, crowd-sourced outage reports: services, status and report counts.",
        openapi_url="/api/v1/openapi.json",
        # Swagger UI would load scripts from a CDN, and pages make no third-party requests.
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context
    app.state.templates = make_templates()
    app.include_router(v1.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_json(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"status": status, "message": message}}, status_code=status, headers=headers
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    message = str(error.detail) if error.detail else "Error"
    if error.status_code == 404 and not isinstance(error, HTTPException):
        message = "There is nothing at this address."
    if _wants_json(request):
        return _error_json(error.status_code, message, error.headers)
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "error.html",
        {
            "site_name": request.app.state.context.settings.site_name,
            "categories": [],
            "status_code": error.status_code,
            "message": message,
        },
        status_code=error.status_code,
        headers=error.headers,
    )
    return response


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
        for issue in error.errors()
    )
    return _error_json(422, f"Invalid request: {problems}")
