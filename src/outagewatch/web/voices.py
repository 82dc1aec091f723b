"""What people say, on service and incident pages: the comments that pass the checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.catalog.model import Service
from outagewatch.context import AppContext
from outagewatch.http.requests import app_context, tracked_service
from outagewatch.http.security import SESSION_COOKIE
from outagewatch.reports.recent import PLATFORM_LABELS
from outagewatch.reports.voices import publishable
from outagewatch.storage.records import Account
from outagewatch.web.fragments import fragment_cache
from outagewatch.web.rendering import render_page

router = APIRouter(include_in_schema=False)

WINDOW = timedelta(hours=24)
READ_AT_MOST = 200  # comments read to judge floods and repeats among


def voice_values(
    context: AppContext,
    service: Service,
    *,
    since: datetime,
    until: datetime,
    account: Account | None,
) -> dict[str, Any]:
    """What _voices.html needs; nothing at all when operators turned comments off."""
    if not context.settings.show_comments:
        return {"show_voices": False}
    comments = context.store.comments_of(
        service.id or 0, since=since, until=until, limit=READ_AT_MOST
    )
    category = CATEGORY_BY_SLUG[service.category]
    return {
        "show_voices": True,
        "voices": publishable(comments),
        "problem_titles": {problem.slug: problem.title for problem in category.problems},
        "platform_labels": PLATFORM_LABELS,
        "moderator": account is not None and account.role == "operator",
    }


@router.get("/services/{slug}/comments", response_class=HTMLResponse)
def service_voices(request: Request, slug: str) -> HTMLResponse:
    """The comments section alone: an open service page fetches it as reports come in."""
    context = app_context(request)
    service, _ = tracked_service(context, slug)
    now = context.clock.now()

    def render() -> HTMLResponse:
        account = context.accounts.session_account(request.cookies.get(SESSION_COOKIE), now=now)
        values = voice_values(
            context, service, since=now - WINDOW, until=now + timedelta(minutes=1), account=account
        )
        response = render_page(request, "_voices.html", service=service, **values)
        response.headers["cache-control"] = "no-cache"
        return response

    return fragment_cache(request).answer(request, f"voices:{slug}", now=now, render=render)
