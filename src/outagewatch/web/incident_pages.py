"""An incident's page, and the part of it an open page fetches anew as the incident goes on."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from outagewatch.catalog.model import Service
from outagewatch.context import AppContext
from outagewatch.http.requests import app_context
from outagewatch.http.security import SESSION_COOKIE
from outagewatch.incidents import reading
from outagewatch.status import details as service_details
from outagewatch.status.card import read_card
from outagewatch.storage.records import Incident
from outagewatch.web.fragments import fragment_cache
from outagewatch.web.headlines import for_incident
from outagewatch.web.rendering import render_page
from outagewatch.web.voices import voice_values

router = APIRouter(include_in_schema=False)


def _incident_and_service(
    context: AppContext, incident_id: int, *, now: datetime
) -> tuple[Incident, Service]:
    incident = reading.incident(context.store, incident_id, now=now)
    service = context.catalog.by_id.get(incident.service_id) if incident else None
    if incident is None or service is None:
        raise HTTPException(404, f"There is no incident {incident_id}.")
    return incident, service


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(request: Request, incident_id: int) -> HTMLResponse:
    context = app_context(request)
    now = context.clock.now()
    incident, service = _incident_and_service(context, incident_id, now=now)
    headline = for_incident(context.store, incident, service, now=now)
    # The service as it is now, beside the incident (which may be long over).
    card = read_card(context.store, service=service, now=now)
    return render_page(
        request,
        "incident.html",
        incident=incident,
        service=service,
        headline=headline,
        status=card.word,
        reports_this_hour=card.reports_this_hour,
        reports_today=card.reports_today,
        **_voices(request, context, incident, service, now=now),
    )


@router.get("/incidents/{incident_id}/live", response_class=HTMLResponse)
def incident_live(request: Request, incident_id: int) -> HTMLResponse:
    """The facts and the timeline alone: an open incident page fetches them when the
    service's live stream says something changed (a new peak, an update, the end)."""
    context = app_context(request)
    now = context.clock.now()

    def render() -> HTMLResponse:
        incident, service = _incident_and_service(context, incident_id, now=now)
        response = render_page(
            request,
            "_incident_body.html",
            incident=incident,
            service=service,
            **_voices(request, context, incident, service, now=now),
        )
        response.headers["cache-control"] = "no-cache"
        return response

    cache = fragment_cache(request)
    return cache.answer(request, f"incident:{incident_id}", now=now, render=render)


def _voices(
    request: Request, context: AppContext, incident: Incident, service: Service, *, now: datetime
) -> dict[str, Any]:
    """What people said while the incident lasted."""
    account = context.accounts.session_account(request.cookies.get(SESSION_COOKIE), now=now)
    said = (
        service_details.read_voices(
            context.store,
            service=service,
            since=incident.started_at,
            until=(incident.resolved_at or now) + timedelta(minutes=1),
        )
        if context.settings.show_comments
        else None
    )
    return voice_values(context, service, said, account=account)
