"""Operator pages. For now: the local mailbox, where mail goes when no SMTP server is set."""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from outagewatch.context import AppContext
from outagewatch.notify.email import read_maildir
from outagewatch.web.accounts import signed_in

router = APIRouter(include_in_schema=False)

MAIL_SHOWN = 100


def _is_local_request(request: Request) -> bool:
    """A request straight from this machine, not relayed by a proxy (a proxy on the same
    host would make every visitor look local, so any forwarding header disqualifies)."""
    if request.headers.get("x-forwarded-for") or request.headers.get("forwarded"):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def require_operator(request: Request) -> None:
    """Operators are accounts with the operator role or listed in OUTAGEWATCH_OPERATOR_EMAILS.
    The page lists everyone's sign-in links, and "from this machine" includes every local
    user and any local program that fetches URLs for others, so loopback alone is not enough:
    only with OUTAGEWATCH_LOCAL_MAIL_PAGE=true (a single-user machine) does it suffice.
    Before anyone can sign in, `outagewatch mail list --full` shows the mailbox. Others get a
    404: the page is not theirs."""
    context: AppContext = request.app.state.context
    account = await signed_in(request)
    if account is not None and (
        account.role == "operator" or account.email in context.settings.operators()
    ):
        return
    if context.settings.local_mail_page and _is_local_request(request):
        return
    raise HTTPException(404)


@router.get("/operator/mail", response_class=HTMLResponse)
async def local_mail(request: Request) -> Response:
    await require_operator(request)
    context: AppContext = request.app.state.context
    settings = context.settings
    mails = await run_in_threadpool(read_maildir, settings.maildir_path(), MAIL_SHOWN)
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "operator_mail.html",
        {
            "site_name": settings.site_name,
            "categories": [],
            "mails": mails,
            "smtp_host": settings.smtp_host,
            "maildir": settings.maildir_path().resolve(),
        },
    )
    response.headers["cache-control"] = "no-store"
    return response
