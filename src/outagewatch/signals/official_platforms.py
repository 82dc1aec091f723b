"""Hosted status platforms besides Atlassian Statuspage whose pages can be read structurally.
Pure: parsed JSON in, the page's overall status out.

Better Stack (Better Uptime) pages publish <page>/index.json, a JSON:API document whose
`data.attributes.aggregate_state` is operational | degraded | downtime | maintenance
(betterstack.com/docs/uptime/status-pages/subscribing-to-status-updates/subscribing-to-api).
Only the overall state is read: the status reports it includes are not documented field by
field, and a guessed shape would turn into wrong statements on our timelines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# aggregate_state -> (Statuspage-style indicator, the words shown for it)
BETTERSTACK_STATES = {
    "operational": ("none", "All systems operational"),
    "degraded": ("minor", "Degraded performance"),
    "downtime": ("major", "Downtime"),
    "maintenance": ("maintenance", "Under maintenance"),
}


class PlatformFormatError(ValueError):
    """The answer is not the document this platform publishes."""


def betterstack_index_url(base_url: str) -> str:
    if base_url.endswith("/index.json"):
        return base_url
    return base_url.rstrip("/") + "/index.json"


def parse_betterstack_index(data: Any) -> tuple[str, str | None]:
    """The indicator and description of a Better Stack index.json; PlatformFormatError if
    it is not one (Better Stack's own pages answer every other path with the same HTML)."""
    page = data.get("data") if isinstance(data, Mapping) else None
    if not isinstance(page, Mapping) or page.get("type") != "status_page":
        raise PlatformFormatError("not a Better Stack status page: no 'data' of type status_page")
    attributes = page.get("attributes")
    state = attributes.get("aggregate_state") if isinstance(attributes, Mapping) else None
    if not isinstance(state, str):
        raise PlatformFormatError("not a Better Stack status page: no 'aggregate_state'")
    return BETTERSTACK_STATES.get(state, ("unknown", state))
