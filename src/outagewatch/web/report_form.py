"""The report form without JavaScript: a plain POST, answered with a redirect back to the
service page, which then says what became of the report."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from outagewatch.http.requests import app_context, tracked_service
from outagewatch.reports import intake
from outagewatch.reports.client import UNKNOWN_PEER
from outagewatch.reports.service import RateLimitedError, ReportDesk
from outagewatch.reports.writer import WriterUnavailableError
from outagewatch.web.security import parse_form, same_origin

router = APIRouter(include_in_schema=False)


@router.post("/services/{slug}/report", response_class=HTMLResponse)
async def report_from_form(request: Request, slug: str) -> Response:
    """The report form without JavaScript: answer with a redirect back to the page."""
    context = app_context(request)
    service, _ = tracked_service(context, slug)
    if not same_origin(request.headers, public_url=context.settings.public_url):
        raise HTTPException(403, "This form must be sent from this site's own page.")
    desk: ReportDesk | None = getattr(request.app.state, "desk", None)
    if desk is None:
        raise HTTPException(503, "Reports cannot be taken right now; try again in a moment.")
    body = await request.body()
    if len(body) > intake.MAX_BODY_BYTES:
        raise HTTPException(413, f"The form is larger than {intake.MAX_BODY_BYTES} bytes.")
    fields = parse_form(body, max_fields=10)
    request_fields = intake.ReportRequest(
        problem=_field(fields, "problem") or "",
        platform=_field(fields, "platform"),
        country=_field(fields, "country"),
        comment=_field(fields, "comment"),
    )
    sender = desk.sender(
        peer=request.client.host if request.client else UNKNOWN_PEER,
        forwarded_for=request.headers.get("x-forwarded-for"),
        user_agent=request.headers.get("user-agent", ""),
    )
    try:
        await desk.check_rate(sender)
        report = intake.validate(request_fields, service, desk.arrival(sender))
        acknowledgement = await desk.submit(report)
    except RateLimitedError as error:
        raise HTTPException(
            429, error.message, headers={"Retry-After": str(error.retry_after_seconds)}
        ) from None
    except intake.IntakeError as error:
        raise HTTPException(error.status, error.message) from None
    except WriterUnavailableError as error:
        raise HTTPException(
            503, str(error), headers={"Retry-After": str(error.retry_after_seconds)}
        ) from None
    outcome = acknowledgement.uncounted_reason or "counted"
    return RedirectResponse(f"/services/{slug}?reported={outcome}#report", status_code=303)


def _field(fields: dict[str, list[str]], name: str) -> str | None:
    """A form field's value; empty means 'not given' (the select's "automatic" choice)."""
    values = fields.get(name)
    return values[0] if values and values[0] else None
