"""The Jinja2 environment shared by every page."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from outagewatch.catalog.countries import country_flag, country_name
from outagewatch.detection.status import status_label
from outagewatch.web import presenters

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    environment = templates.env
    environment.filters["thousands"] = presenters.thousands
    environment.filters["percent"] = presenters.percent
    environment.filters["country_name"] = country_name
    environment.filters["flag"] = country_flag
    environment.globals["status_label"] = status_label
    return templates
