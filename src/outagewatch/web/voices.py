"""What people say, on service and incident pages: the comments that pass the checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.catalog.model import Service
from outagewatch.context import AppContext
from outagewatch.http.requests import app_context, tracked_service
from outagewatch.http.security import SESSION_COOKIE
from outagewatch.reports.voices import Voice
from outagewatch.status import details as service_details
from outagewatch.status.recent import PLATFORM_LABELS
from outagewatch.storage.records import Account
from outagewatch.web.fragments import fragment_cache
from outagewatch.web.rendering import render_page

router = APIRouter(include_in_schema=False)


def voice_values(
    context: AppContext, service: Service, voices: list[Voice] | None, *, account: Account | None
) -> dict[str, Any]:
    """What _voices.html needs; nothing at all when operators turned comments off."""
    if not context.settings.show_comments or voices is None:
        return {"show_voices": False}
    category = CATEGORY_BY_SLUG[service.category]
    return {
        "show_voices": True,
        "voices": voices,
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
        said = (
            service_details.read_voices(
                context.store,
                service=service,
                since=now - service_details.COMMENTS_WINDOW,
                until=now + timedelta(minutes=1),
            )
            if context.settings.show_comments
            else None
        )
        values = voice_values(context, service, said, account=account)
        response = render_page(request, "_voices.html", service=service, **values)
        response.headers["cache-control"] = "no-cache"
        return response

    return fragment_cache(request).answer(request, f"voices:{slug}", now=now, render=render)
