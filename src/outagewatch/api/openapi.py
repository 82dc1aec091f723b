"""The OpenAPI document: FastAPI's, plus the hand-written intake path it cannot see."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from outagewatch.api.intake import ReportAccepted
from outagewatch.reports.intake import MAX_BODY_BYTES, ReportRequest


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
                "`GET /api/v1/categories`."
            ),
            "operationId": "report_problem",
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ReportRequest"}}
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
                "404": _error("No such service"),
                "413": _error("The body is too large"),
                "422": _error("Unknown problem, platform or country, or a bad field"),
                "429": _error("Too many reports from this network", retry_after=True),
                "503": _error("Reports cannot be stored right now", retry_after=True),
            },
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
                [ReportRequest, ReportAccepted], ref_template="#/components/schemas/{name}"
            )
            document.setdefault("components", {}).setdefault("schemas", {}).update(components)
            document["paths"]["/api/v1/services/{slug}/reports"] = _report_path()
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
