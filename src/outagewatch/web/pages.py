"""HTML pages: each view asks the status read model one question and renders its answer."""

from __future__ import annotations

from functools import cache
from typing import Any

import pycountry
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from outagewatch.catalog import data_file, notices
from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.catalog.countries import country_name
from outagewatch.context import AppContext
from outagewatch.http.encoding import accepts_gzip
from outagewatch.http.requests import app_context, tracked_service
from outagewatch.http.security import SESSION_COOKIE
from outagewatch.incidents import reading
from outagewatch.reports.platforms import PLATFORMS
from outagewatch.reports.visitor import visitor_country
from outagewatch.status import details as service_details
from outagewatch.status import overview
from outagewatch.storage.records import Account
from outagewatch.web import presenters, rendering, voices, worldmap
from outagewatch.web.accounts import CHOICE_LABELS, choice_of
from outagewatch.web.charts import hourly_chart, recent_chart
from outagewatch.web.rendering import STATIC_DIR
from outagewatch.web.worldmap import render_world_map

router = APIRouter(include_in_schema=False)

SEARCH_LIMIT = 60


_page_values = rendering.page_values
_render = rendering.render_page


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    context = app_context(request)
    view = overview.read_home(context.store, catalog=context.catalog, now=context.clock.now())
    world_map = Markup(  # noqa: S704 - our own code escapes all text  # nosec B704
        render_world_map(
            view.countries,
            title="Where reports came from in the last hour",
            country_name=country_name,
        )
    )
    return _render(
        request,
        "home.html",
        with_problems=view.with_problems,
        most_reported=view.most_reported,
        popular=presenters.trouble_first(view.popular, view.overview.statuses),
        category_sizes=view.category_sizes,
        service_count=view.service_count,
        regions=view.regions,
        world_map=world_map,
        updated_at=view.updated_at,
    )


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, q: str = "") -> Response:
    context = app_context(request)
    query = q.strip()[:100]
    if not query:
        return _render(request, "search.html", query=query, results=[], choices=False)
    statuses = overview.read_overview(context.store, now=context.clock.now()).statuses
    answer = context.catalog.lookup(
        query,
        limit=SEARCH_LIMIT,
        statuses={service_id: status.status for service_id, status in statuses.items()},
        country=_visitor_country(request),
    )
    if answer.exact is not None:
        return RedirectResponse(f"/services/{answer.exact.slug}", status_code=303)
    return _render(
        request,
        "search.html",
        query=query,
        results=answer.results,
        choices=answer.choices,
        statuses=statuses,
    )


def _visitor_country(request: Request) -> str | None:
    return visitor_country(
        getattr(request.app.state, "desk", None),
        peer=request.client.host if request.client else None,
        forwarded_for=request.headers.get("x-forwarded-for"),
    )


@router.get("/categories/{slug}", response_class=HTMLResponse)
def category_page(request: Request, slug: str) -> HTMLResponse:
    context = app_context(request)
    category = CATEGORY_BY_SLUG.get(slug)
    if category is None:
        raise HTTPException(404, f"There is no category called {slug!r}.")
    now_seen = overview.read_overview(context.store, now=context.clock.now())
    services = presenters.trouble_first(
        context.catalog.in_category(slug), now_seen.statuses, reports_last_hour=now_seen.last_hour
    )
    return _render(
        request,
        "category.html",
        category=category,
        services=services,
        statuses=now_seen.statuses,
        last_hour=now_seen.last_hour,
    )


REPORT_OUTCOMES = {
    "counted": "Thanks: your report was counted.",
    "duplicate": "Thanks: you already reported in the last half hour, so this one was kept "
    "but not counted again.",
    "brigade": "Thanks: your report was kept, but many reports came from your network in the "
    "last half hour, so it was not counted.",
}


@router.get("/services/{slug}", response_class=HTMLResponse)
def service_page(
    request: Request, slug: str, reported: str | None = None, followed: str | None = None
) -> HTMLResponse:
    context = app_context(request)
    service, _ = tracked_service(context, slug)
    now = context.clock.now()
    account = context.accounts.session_account(request.cookies.get(SESSION_COOKIE), now=now)
    values = service_page_values(
        context,
        service_details.read_details(
            context.store,
            catalog=context.catalog,
            service=service,
            now=now,
            with_voices=context.settings.show_comments,
        ),
        account=account,
        reported=reported,
        followed=followed,
    )
    return _render(request, "service.html", **values)


class AnonymousPages:
    """Pages the same for every visitor without a session, which api/snapshot.py serves from
    memory (app.py hands this renderer over: api/ never imports web/)."""

    def __init__(self, context: AppContext, templates: Jinja2Templates) -> None:
        self._context = context
        self._templates = templates

    def anonymous_service_page(self, details: service_details.ServiceDetails) -> bytes:
        """Byte for byte what service_page answers a visitor without a session."""
        values = service_page_values(
            self._context, details, account=None, reported=None, followed=None
        )
        template = self._templates.get_template("service.html")
        return template.render(_page_values(self._context, **values)).encode()

    def unavailable_page(self) -> bytes:
        html = self._templates.get_template("error.html").render(
            site_name=self._context.settings.site_name,
            categories=[],
            status_code=503,
            message="This page cannot be shown right now; try again in a moment.",
        )
        return html.encode()


def service_page_values(
    context: AppContext,
    details: service_details.ServiceDetails,
    *,
    account: Account | None,
    reported: str | None,
    followed: str | None,
) -> dict[str, Any]:
    """What service.html shows; only the Notify-me box and the report outcome are personal."""
    service = details.service
    summary = details.summary
    recent = details.recent
    chart = hourly_chart(
        summary.hours,
        title=f"{service.name} reports per hour over the last 24 hours",
        hour_so_far=recent.hour_so_far,
    )
    last_hour_chart = recent_chart(
        recent.slots,
        usual_per_slot=recent.usual_per_slot,
        title=f"{service.name} reports per five minutes over the last hour",
    )
    follow = (
        next((f for f in context.store.follows_of(account.id) if f.service_id == service.id), None)
        if account
        else None
    )
    return {
        "account": account,
        "follow_choice": choice_of(follow.on_start, follow.on_recovery) if follow else None,
        "channel_count": len(context.store.channels_of(account.id)) if account else 0,
        "followed_now": bool(followed) and follow is not None,
        "choice_labels": CHOICE_LABELS,
        "service": service,
        "category": CATEGORY_BY_SLUG[service.category],
        "summary": summary,
        "chart": Markup(chart),  # noqa: S704 - our own code escapes all text  # nosec B704
        "recent": recent,
        "last_hour_chart": Markup(last_hour_chart),  # noqa: S704  # nosec B704
        "world_map": Markup(  # noqa: S704 - our own code escapes all text  # nosec B704
            render_world_map(
                summary.countries,
                title=f"Where {service.name} reports came from in the last 24 hours",
                country_name=country_name,
            )
        ),
        "related": details.related,
        "statuses": details.statuses,
        "public_url": context.settings.public_url.rstrip("/"),
        "report_outcome": REPORT_OUTCOMES.get(reported or ""),
        "incidents": details.incidents,
        "timeline_mark": details.card.timeline_mark,
        "probe": details.probe,
        "official": details.official,
        "official_note": details.official_note,
        "uncounted": details.uncounted,
        "platforms": PLATFORMS,
        "countries": _country_choices(),
        **voices.voice_values(context, service, details.voices, account=account),
    }


@router.get("/services/{slug}/timeline", response_class=HTMLResponse)
def service_timeline(request: Request, slug: str) -> HTMLResponse:
    """The incidents section alone: open pages fetch it when the live stream says the
    timeline grew (an operator's update, an official statement, a new status)."""
    context = app_context(request)
    service, _ = tracked_service(context, slug)
    response = _render(
        request,
        "_incidents.html",
        service=service,
        incidents=reading.incidents_of(
            context.store,
            service.id or 0,
            limit=service_details.INCIDENTS_SHOWN,
            now=context.clock.now(),
        ),
    )
    response.headers["cache-control"] = "no-cache"
    return response


@cache
def _country_choices() -> list[tuple[str, str]]:
    return sorted(
        ((country.alpha_2, country_name(country.alpha_2)) for country in pycountry.countries),
        key=lambda choice: choice[1],
    )


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    return _render(request, "about.html", service_count=len(app_context(request).catalog.services))


@router.get("/credits", response_class=HTMLResponse)
def credits_page(request: Request) -> HTMLResponse:
    icons = data_file.read_icons()
    by_slug = app_context(request).catalog.by_slug
    credited = [
        (by_slug[slug], icon)
        for slug, icon in sorted(icons.items())
        if icon.get("credit") and slug in by_slug
    ]
    kinds = [icon.get("kind") for icon in icons.values()]
    return _render(
        request,
        "credits.html",
        credited=credited,
        notices=notices.notices_for(icons),
        simple_icons_count=kinds.count("simple-icons"),
        monogram_count=kinds.count("monogram"),
    )


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers and feed readers ask for /favicon.ico whatever a page's icon link says."""
    return Response(
        (STATIC_DIR / "favicon.svg").read_bytes(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get(worldmap.SPRITE_PATH)
def world_outlines_file(request: Request, v: str = "") -> Response:
    """The map's outlines, the same for every page: kept for good under the versioned URL
    the pages use, briefly under any other."""
    current = f"{worldmap.SPRITE_PATH}?v={v}" == worldmap.sprite_url()
    gzipped = accepts_gzip(request.headers.get("accept-encoding", "").encode("latin-1"))
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable"
        if current
        else "public, max-age=300",
        "Vary": "Accept-Encoding",
    }
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    body = worldmap.outline_sprite_gzipped() if gzipped else worldmap.outline_sprite()
    return Response(body, media_type="image/svg+xml", headers=headers)
