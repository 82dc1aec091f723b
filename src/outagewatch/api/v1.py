"""JSON API v1: thin views over the catalog and the report counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request

from outagewatch.api import schemas
from outagewatch.catalog.categories import CATEGORIES, CATEGORY_BY_SLUG
from outagewatch.catalog.countries import country_name
from outagewatch.catalog.model import Service
from outagewatch.http.requests import app_context, tracked_service
from outagewatch.incidents import reading
from outagewatch.reports.visitor import visitor_country
from outagewatch.status import overview
from outagewatch.status.details import read_details
from outagewatch.storage.records import Incident, ServiceStatus

router = APIRouter(prefix="/api/v1", tags=["v1"])

# A real slug as the example, so a reader (and a fuzzer) gets past the 404 at once.
ServiceSlug = Annotated[
    str, Path(description="A service's slug, as listed by /api/v1/services", examples=["whatsapp"])
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": schemas.ErrorBody, "description": "No such service"}
}
# Incident ids are INTEGER columns: 32 bits on PostgreSQL. A larger number can name no
# incident, and SQLite refuses one past 64 bits outright, so it is a bad request, not a lookup.
MAX_INCIDENT_ID = 2**31 - 1
BAD_REQUEST: dict[int | str, dict[str, Any]] = {
    422: {"model": schemas.ErrorBody, "description": "Invalid parameters"}
}


def _brief(service: Service, statuses: dict[int, ServiceStatus]) -> schemas.ServiceBrief:
    status = statuses.get(service.id or 0)
    return schemas.ServiceBrief(
        slug=service.slug,
        name=service.name,
        category=service.category,
        url=service.url,
        icon=f"/static/icons/{service.icon}",
        popularity=service.popularity,
        countries=list(service.countries),
        status=status.status if status else "ok",
    )


@router.get("/services", response_model=schemas.ServiceList, responses=BAD_REQUEST)
def list_services(
    request: Request,
    q: Annotated[str, Query(max_length=100, description="Search names and aliases")] = "",
    category: Annotated[str | None, Query(description="A category slug")] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> schemas.ServiceList:
    """Services matching a search and/or a category: best match first, forgiving typos and
    the words around a name ("is tiktok down"); among equal matches, services with problems
    now, then those of the caller's country (from its address, not stored), then the most
    popular. Without a search, the most popular first."""
    context = app_context(request)
    if category is not None and category not in CATEGORY_BY_SLUG:
        raise HTTPException(422, f"Unknown category {category!r}; see /api/v1/categories.")
    statuses = overview.read_overview(context.store, now=context.clock.now()).statuses
    matches = context.catalog.search(
        q,
        category=category,
        limit=len(context.catalog.services),
        statuses={service_id: status.status for service_id, status in statuses.items()},
        country=visitor_country(
            getattr(request.app.state, "desk", None),
            peer=request.client.host if request.client else None,
            forwarded_for=request.headers.get("x-forwarded-for"),
        ),
    )
    page = matches[offset : offset + limit]
    return schemas.ServiceList(
        total=len(matches), items=[_brief(service, statuses) for service in page]
    )


@router.get("/services/{slug}", response_model=schemas.ServiceDetail, responses=NOT_FOUND)
def get_service(request: Request, slug: ServiceSlug) -> schemas.ServiceDetail:
    """A service's status, recent report counts, 24-hour series, problems and regions."""
    context = app_context(request)
    service, _ = tracked_service(context, slug)
    details = read_details(
        context.store, catalog=context.catalog, service=service, now=context.clock.now()
    )
    summary = details.summary
    card = details.card
    return schemas.ServiceDetail(
        slug=service.slug,
        name=service.name,
        category=service.category,
        category_name=CATEGORY_BY_SLUG[service.category].name,
        url=service.url,
        icon=f"/static/icons/{service.icon}",
        description=service.description,
        owner=service.owner,
        aliases=list(service.aliases),
        countries=list(service.countries),
        status_page=service.status_page,
        statuspage_io=service.statuspage_io,
        status=schemas.StatusOut(
            word=card.word,
            label=card.label,
            since=card.status.since,
            explanation=card.explanation,
            stale=card.stale,
            evidence=card.public_evidence,
        ),
        reports_this_hour=card.reports_this_hour,
        reports_today=card.reports_today,
        left_out_today=summary.left_out_today,
        series=[
            schemas.HourOut(start=point.start, reports=point.reports, usual=point.usual)
            for point in summary.hours
        ],
        problems=[
            schemas.ProblemOut(
                slug=item.problem.slug,
                title=item.problem.title,
                reports=item.reports,
                share=round(item.share, 4),
            )
            for item in summary.problems
        ],
        regions=[
            schemas.RegionOut(
                country=region.country,
                name=country_name(region.country),
                reports=region.reports,
                share=round(region.share, 4),
            )
            for region in summary.regions
        ],
        related=[_brief(other, details.statuses) for other in details.related],
        generated_at=card.generated_at,
    )


@router.get("/categories", response_model=list[schemas.CategoryOut])
def list_categories(request: Request) -> list[schemas.CategoryOut]:
    """Every category with its number of services and the problems people can report."""
    catalog = app_context(request).catalog
    return [
        schemas.CategoryOut(
            slug=category.slug,
            name=category.name,
            services=len(catalog.in_category(category.slug)),
            problems=[
                schemas.ProblemType(slug=p.slug, title=p.title, description=p.description)
                for p in category.problems
            ],
        )
        for category in CATEGORIES
    ]


def _incident_out(incident: Incident, slug: str) -> schemas.IncidentOut:
    return schemas.IncidentOut(
        id=incident.id,
        service=slug,
        state=incident.state,
        severity=incident.severity,
        started_at=incident.started_at,
        detected_at=incident.detected_at,
        peak_at=incident.peak_at,
        peak_reports=incident.peak_reports,
        resolved_at=incident.resolved_at,
        timeline=[
            schemas.IncidentEventOut(
                at=event.at, kind=event.kind, message=event.message, link=event.link
            )
            for event in incident.events
        ],
    )


@router.get(
    "/services/{slug}/incidents", response_model=list[schemas.IncidentOut], responses=NOT_FOUND
)
def service_incidents(
    request: Request, slug: ServiceSlug, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[schemas.IncidentOut]:
    """A service's incidents, newest first, each with its timeline."""
    context = app_context(request)
    _, service_id = tracked_service(context, slug)
    incidents = reading.incidents_of(
        context.store, service_id, limit=limit, now=context.clock.now()
    )
    return [_incident_out(incident, slug) for incident in incidents]


@router.get("/incidents/{incident_id}", response_model=schemas.IncidentOut, responses=NOT_FOUND)
def get_incident(
    request: Request, incident_id: Annotated[int, Path(ge=1, le=MAX_INCIDENT_ID)]
) -> schemas.IncidentOut:
    """One incident: estimated start, detection, peak, updates and end."""
    context = app_context(request)
    incident = reading.incident(context.store, incident_id, now=context.clock.now())
    service = context.catalog.by_id.get(incident.service_id) if incident else None
    if incident is None or service is None:
        raise HTTPException(404, f"There is no incident {incident_id}.")
    return _incident_out(incident, service.slug)
