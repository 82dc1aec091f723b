"""Errors as people and programs expect them: a page for browsers, JSON for the API and the
machine formats, and 503 with Retry-After (never a 500) while the database is unreachable."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for unreachable in (OperationalError, InterfaceError, PoolTimeoutError):
        app.add_exception_handler(unreachable, _database_unavailable)
    # A number beyond its column (an id of 2**63 on SQLite, 2**31 on PostgreSQL) or a value
    # the database refuses is the request's fault, whichever page or action it reached.
    for out_of_range in (OverflowError, DataError):
        app.add_exception_handler(out_of_range, _out_of_range)


def _wants_json(request: Request) -> bool:
    """API paths and machine formats (feeds, badges, data) answer errors in JSON."""
    path = request.url.path
    return path.startswith("/api/") or path.endswith((".json", ".atom", ".rss", ".svg", ".csv"))


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


DATABASE_RETRY_SECONDS = 5


async def _database_unavailable(request: Request, error: Exception) -> Response:
    """The database cannot be reached (restarting, failing over): say so and when to retry,
    rather than a 500; everything recovers by itself once it is back."""
    log.warning("database unavailable for %s: %s", request.url.path, type(error).__name__)
    return await _http_error(
        request,
        StarletteHTTPException(
            503,
            "The database is unavailable for a moment; try again in a few seconds.",
            headers={"Retry-After": str(DATABASE_RETRY_SECONDS)},
        ),
    )


async def _out_of_range(request: Request, error: Exception) -> Response:
    log.info("out-of-range value for %s: %s", request.url.path, type(error).__name__)
    return await _http_error(
        request, StarletteHTTPException(400, "A number or value in this request is out of range.")
    )


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
        for issue in error.errors()
    )
    return _error_json(422, f"Invalid request: {problems}")
