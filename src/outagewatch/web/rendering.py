"""The Jinja2 environment shared by every page."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.countries import country_name
from outagewatch.context import AppContext
from outagewatch.detection.status import status_label
from outagewatch.http.encoding import accepts_gzip
from outagewatch.web import presenters, static_assets

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = static_assets.STATIC_DIR


def make_templates(context: AppContext) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    environment = templates.env
    # Read at each render: an operator's catalog edit reaches every node within seconds.
    environment.globals["catalog_size"] = lambda: presenters.catalog_size(
        len(context.catalog.services)
    )
    environment.filters["thousands"] = presenters.thousands
    environment.filters["percent"] = presenters.percent
    environment.filters["country_name"] = country_name
    environment.globals["status_label"] = status_label
    environment.globals["asset_url"] = static_assets.asset_url
    return templates


COMPRESS_FROM_BYTES = 1024  # below this, gzip's header and the CPU cost more than they save
GZIP_LEVEL = 6


def page_values(context: AppContext, **values: Any) -> dict[str, Any]:
    """What every page's template gets, besides its own values."""
    return {"site_name": context.settings.site_name, "categories": CATEGORIES, **values}


def render_page(request: Request, template: str, **values: Any) -> HTMLResponse:
    """A page, gzipped when the browser takes it: the category pages are 90 KB of HTML."""
    context: AppContext = request.app.state.context
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, page_values(context, **values)
    )
    accept = request.headers.get("accept-encoding", "").encode("latin-1")
    response.headers["vary"] = "Accept-Encoding"
    if len(response.body) < COMPRESS_FROM_BYTES or not accepts_gzip(accept):
        return response
    response.body = gzip.compress(response.body, GZIP_LEVEL, mtime=0)
    response.headers["content-encoding"] = "gzip"
    response.headers["content-length"] = str(len(response.body))
    return response
