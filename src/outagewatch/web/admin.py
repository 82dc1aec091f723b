"""/admin: operators post incident updates, review incidents, edit the catalog and
thresholds, hide abusive reports, and read the audit log. Views stay thin: every action is
an `Operations` call (shared with the CLI), which writes its audit line."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from outagewatch.catalog import service as catalog_service
from outagewatch.catalog.model import Service
from outagewatch.http.requests import app_context, tracked_service
from outagewatch.operators.actions import (
    EDITABLE_FIELDS,
    OPERATOR,
    THRESHOLD_LIMITS,
    Operations,
    OperatorError,
    Review,
)
from outagewatch.storage.records import Account
from outagewatch.web.accounts import read_form, signed_in

router = APIRouter(prefix="/admin", include_in_schema=False)

INCIDENTS_SHOWN = 20
AUDIT_SHOWN = 30
REPORTS_SHOWN = 50


async def _operator(request: Request) -> Account:
    """Only operators: accounts with the role, or listed in OUTAGEWATCH_OPERATOR_EMAILS.
    Anyone else gets a 404, as if there were no such page."""
    account = await signed_in(request)
    settings = app_context(request).settings
    if account is None or (account.role != OPERATOR and account.email not in settings.operators()):
        raise HTTPException(404)
    return account


def _render(request: Request, template: str, **values: Any) -> Response:
    context = app_context(request)
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        template,
        {"site_name": context.settings.site_name, "categories": [], **values},
    )
    response.headers["cache-control"] = "no-store"
    return response


def _back(path: str, *, notice: str | None = None, error: str | None = None) -> Response:
    query = f"?notice={quote(notice)}" if notice else f"?error={quote(error)}" if error else ""
    return RedirectResponse(f"{path}{query}", status_code=303)


@router.get("", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    account = await _operator(request)
    context = app_context(request)
    incidents, audit = await run_in_threadpool(
        lambda: (
            context.store.recent_incidents(limit=INCIDENTS_SHOWN),
            context.store.audit_log(limit=AUDIT_SHOWN),
        )
    )
    return _render(
        request,
        "admin.html",
        account=account,
        incidents=[(i, context.catalog.by_id.get(i.service_id)) for i in incidents],
        audit=audit,
        notice=request.query_params.get("notice"),
        error=request.query_params.get("error"),
    )


@router.post("/incidents/{incident_id}/update")
async def post_update(request: Request, incident_id: int) -> Response:
    account = await _operator(request)
    fields = await read_form(request)
    context = app_context(request)
    try:
        queued = await run_in_threadpool(
            Operations(context.store).post_update,
            incident_id,
            fields.get("message", ""),
            notify=fields.get("notify") == "yes",
            actor=account.email,
            now=context.clock.now(),
        )
    except OperatorError as error:
        return _back("/admin", error=str(error))
    if queued:
        context.wake_delivery()
    return _back("/admin", notice=f"Update posted; {queued} message(s) queued to followers.")


@router.post("/incidents/{incident_id}/review")
async def review(request: Request, incident_id: int) -> Response:
    account = await _operator(request)
    fields = await read_form(request)
    verdict = fields.get("review", "")
    if verdict not in ("confirmed", "false_alarm"):
        return _back("/admin", error="Choose confirmed or false alarm.")
    checked: Review = "confirmed" if verdict == "confirmed" else "false_alarm"
    context = app_context(request)
    try:
        await run_in_threadpool(
            Operations(context.store).review,
            incident_id,
            checked,
            actor=account.email,
            now=context.clock.now(),
        )
    except OperatorError as error:
        return _back("/admin", error=str(error))
    return _back("/admin", notice=f"Incident {incident_id} marked {verdict.replace('_', ' ')}.")


def _service(request: Request, slug: str) -> Service:
    service, _ = tracked_service(app_context(request), slug)
    return service


@router.get("/services", response_class=HTMLResponse)
async def find_service(request: Request, slug: str = "") -> Response:
    await _operator(request)
    found = app_context(request).catalog.exact_match(slug.strip()) if slug.strip() else None
    if found is None:
        return _back("/admin", error=f"No service matches {slug!r}.")
    return RedirectResponse(f"/admin/services/{found.slug}", status_code=303)


@router.get("/services/{slug}", response_class=HTMLResponse)
async def service_page(request: Request, slug: str) -> Response:
    account = await _operator(request)
    service = _service(request, slug)
    context = app_context(request)
    override, reports, official, probe = await run_in_threadpool(
        lambda: (
            context.store.overrides().get(service.id or 0),
            context.store.recent_reports(service.id or 0, limit=REPORTS_SHOWN),
            context.store.official_status(service.id or 0),
            context.store.probe_results().get(service.id or 0),
        )
    )
    return _render(
        request,
        "admin_service.html",
        account=account,
        service=service,
        thresholds=override.thresholds if override else {},
        threshold_names=list(THRESHOLD_LIMITS),
        editable=list(EDITABLE_FIELDS),
        reports=reports,
        official=official,
        probe=probe,
        notice=request.query_params.get("notice"),
        error=request.query_params.get("error"),
    )


@router.post("/services/{slug}/edit")
async def edit_service(request: Request, slug: str) -> Response:
    account = await _operator(request)
    service = _service(request, slug)
    fields = await read_form(request)
    changes = {name: fields[name] for name in EDITABLE_FIELDS if name in fields}
    changes = {name: value for name, value in changes.items() if value != getattr(service, name)}
    context = app_context(request)
    here = f"/admin/services/{slug}"
    if not changes:
        return _back(here, notice="Nothing changed.")
    try:
        await run_in_threadpool(
            Operations(context.store).edit_service,
            service.id or 0,
            changes,
            actor=account.email,
            now=context.clock.now(),
        )
    except OperatorError as error:
        return _back(here, error=str(error))
    # This process serves the edit at once; the others within CATALOG_REFRESH_SECONDS.
    context.catalog = await run_in_threadpool(catalog_service.read_index, context.store)
    return _back(here, notice=f"Saved: {', '.join(changes)}.")


@router.post("/services/{slug}/thresholds")
async def set_thresholds(request: Request, slug: str) -> Response:
    account = await _operator(request)
    service = _service(request, slug)
    fields = await read_form(request)
    here = f"/admin/services/{slug}"
    values: dict[str, float | None] = {}
    for name in THRESHOLD_LIMITS:
        raw = fields.get(name, "")
        try:
            values[name] = float(raw) if raw else None
        except ValueError:
            return _back(here, error=f"{name}: {raw!r} is not a number.")
    context = app_context(request)
    try:
        await run_in_threadpool(
            Operations(context.store).set_thresholds,
            service.id or 0,
            values,
            actor=account.email,
            now=context.clock.now(),
        )
    except OperatorError as error:
        return _back(here, error=str(error))
    return _back(here, notice="Thresholds saved; the next detection tick uses them.")


@router.post("/reports/{report_id}/hide")
async def hide_report(request: Request, report_id: int) -> Response:
    account = await _operator(request)
    fields = await read_form(request)
    context = app_context(request)
    back = fields.get("back", "/admin")
    # Back to an admin page or to the service page whose comment was hidden; never elsewhere.
    back = back if back.startswith(("/admin", "/services/")) else "/admin"
    try:
        await run_in_threadpool(
            Operations(context.store).hide_report,
            report_id,
            actor=account.email,
            now=context.clock.now(),
        )
    except OperatorError as error:
        return _back(back, error=str(error))
    return _back(back, notice=f"Report {report_id} hidden.")
