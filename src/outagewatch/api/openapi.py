"""The OpenAPI document: FastAPI's, plus the hand-written paths it cannot see (report intake
and the status snapshot)."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from outagewatch.api import signals
from outagewatch.api.intake import ReportAccepted
from outagewatch.api.snapshot import (
    RETRY_AFTER_SECONDS,
    STATUS_TTL_SECONDS,
    ServiceStatusOut,
)
from outagewatch.reports.intake import MAX_BODY_BYTES, ReportRequest

SLUG_PARAMETER = {
    "name": "slug",
    "in": "path",
    "required": True,
    "description": "A service's slug, as listed by /api/v1/services",
    "schema": {"type": "string", "examples": ["whatsapp"]},
}


def _error(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if retry_after:
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        }
    return response


def _report_path() -> dict[str, Any]:
    return {
        "post": {
            "tags": ["v1"],
            "summary": "Report a problem with a service",
            "description": (
                "Counted at once: one counted report per person per service per 30 minutes; "
                "later ones are stored with `counted: false`. Acknowledged (201) only once "
                f"stored. The body is at most {MAX_BODY_BYTES} bytes. `platform` defaults from "
                "the User-Agent and `country` from the client address. Valid problems: "
                "`GET /api/v1/categories`. Send `Content-Type: application/json`. Apps and "
                "servers may call it; pages of other sites may not: a browser request from "
                "another origin (`Origin`, `Sec-Fetch-Site: cross-site`) is refused with 403, "
                "and no CORS headers are sent, so a browser's preflight fails."
            ),
            "operationId": "report_problem",
            "parameters": [SLUG_PARAMETER],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/ReportRequest"},
                        "example": {"problem": "messages", "platform": "android", "country": "DE"},
                    }
                },
            },
            "responses": {
                "201": {
                    "description": "Stored and counted; with the service's fresh counts",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ReportAccepted"}
                        }
                    },
                },
                "200": {
                    "description": "Stored but not counted (`reason`: duplicate or brigade)",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ReportAccepted"}
                        }
                    },
                },
                "400": _error("The body is not JSON"),
                "403": _error("Sent from another site's page (Origin or Sec-Fetch-Site)"),
                "404": _error("No such service"),
                "413": _error("The body is too large"),
                "415": _error("Not sent as application/json"),
                "422": _error("Unknown problem, platform or country, or a bad field"),
                "429": _error("Too many reports from this network", retry_after=True),
                "503": _error("Reports cannot be stored right now", retry_after=True),
            },
        }
    }


def _describe_validation_errors_as_sent(document: dict[str, Any]) -> None:
    """FastAPI documents a 422 as its own `{"detail": [...]}`, but our handler answers every
    error as an ErrorBody (app.py); say what is actually sent."""
    fastapi_shape = "#/components/schemas/HTTPValidationError"
    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("responses", {}).get("422", {}).get("content", {})
            body = content.get("application/json", {})
            if body.get("schema", {}).get("$ref") == fastapi_shape:
                body["schema"] = {"$ref": "#/components/schemas/ErrorBody"}
    schemas = document["components"]["schemas"]
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)


def _status_path() -> dict[str, Any]:
    return {
        "get": {
            "tags": ["v1"],
            "summary": "A service's status and report counts",
            "description": (
                "The small answer to poll: what `GET /api/v1/services/{slug}` says about the "
                f"status and counts, read at most about {STATUS_TTL_SECONDS:g} s ago "
                "(`updated_at`). Answers `If-None-Match` with 304. When storage cannot be read "
                "it serves the last answer it has, with `X-OutageWatch-Stale: 1`."
            ),
            "operationId": "service_status",
            "parameters": [
                SLUG_PARAMETER,
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {
                    "description": "The service's status and counts",
                    "headers": {
                        "ETag": {"description": "Of this body", "schema": {"type": "string"}},
                        "X-OutageWatch-Stale": {
                            "description": "1 when storage could not be read and this is "
                            "the last answer that could",
                            "schema": {"type": "string", "enum": ["1"]},
                        },
                    },
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ServiceStatusOut"}
                        }
                    },
                },
                "304": {"description": "Unchanged since the ETag given in If-None-Match"},
                "404": _error("No such service"),
                "503": _error(
                    f"Storage cannot be read and there is no earlier answer (Retry-After: "
                    f"{RETRY_AFTER_SECONDS} s)",
                    retry_after=True,
                ),
            },
        }
    }


def _events_path(*, one_service: bool) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": (
                "text/event-stream of `update` events, each a JSON object with slug, name, "
                "status, reports_this_hour, reports_today and timeline (a number that changes "
                "when the service's timeline gets a line); a comment line every 15 s keeps "
                "proxies from closing the stream. A viewer who falls behind gets the newest "
                "figures, not every step."
            ),
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    }
    if one_service:
        responses["404"] = _error("No such service")
    return {
        "get": {
            "tags": ["v1"],
            "summary": (
                "Live figures of one service" if one_service else "Live figures of every service"
            ),
            "description": (
                "Sent at once, then whenever they change."
                if one_service
                else "Every service whose reports or status change (for the home page)."
            ),
            "operationId": "service_events" if one_service else "all_events",
            "parameters": [SLUG_PARAMETER] if one_service else [],
            "responses": responses,
        }
    }


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _, components = msgspec.json.schema_components(
                [ReportRequest, ReportAccepted, ServiceStatusOut],
                ref_template="#/components/schemas/{name}",
            )
            document.setdefault("components", {}).setdefault("schemas", {}).update(components)
            document["components"]["schemas"].update(signals.BODY_COMPONENTS)
            document["components"]["securitySchemes"] = {"bearer": signals.BEARER_SCHEME}
            document["paths"]["/api/v1/services/{slug}/reports"] = _report_path()
            document["paths"]["/api/v1/services/{slug}/status"] = _status_path()
            paths = document["paths"]
            paths["/api/v1/services/{slug}/events"] = _events_path(one_service=True)
            paths["/api/v1/events"] = _events_path(one_service=False)
            _describe_validation_errors_as_sent(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
