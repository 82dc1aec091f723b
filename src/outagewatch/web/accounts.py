"""Pages of Notify me: sign in by e-mail link, follow a service, /account, unsubscribe.

Every form is checked with same_origin() (CSRF); the session cookie is HttpOnly and
SameSite=Lax as a second line. Store calls are short and run in the thread pool.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.http.requests import app_context, tracked_service
from outagewatch.http.security import SESSION_COOKIE
from outagewatch.notify.accounts import (
    SESSION_LIFETIME,
    InvalidAddressError,
    InvalidLinkError,
    TooManySigninMailsError,
)
from outagewatch.notify.apprise_channel import deliverable_scheme, valid_apprise_url
from outagewatch.reports.client import UNKNOWN_PEER, TrustedProxies, client_address
from outagewatch.reports.identity import network_of
from outagewatch.storage.records import Account, FollowChoice
from outagewatch.web.security import parse_form, same_origin

router = APIRouter(include_in_schema=False)

MAX_FORM_BYTES = 4096
CHOICES = {
    "recovery": (False, True),
    "start": (True, False),
    "both": (True, True),
}
CHOICE_LABELS = {
    "recovery": "When it is back",
    "start": "When problems start",
    "both": "Both",
}


def choice_of(on_start: bool, on_recovery: bool) -> str:
    return {value: key for key, value in CHOICES.items()}.get((on_start, on_recovery), "recovery")


def _render(request: Request, template: str, status_code: int = 200, **values: Any) -> Response:
    context = app_context(request)
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            "site_name": context.settings.site_name,
            "categories": CATEGORIES,
            "choice_labels": CHOICE_LABELS,
            **values,
        },
        status_code=status_code,
    )
    # Each of these pages is someone's own: an address, channel URLs that may hold
    # credentials, or a link's token. No cache, shared or the browser's, may keep one.
    response.headers["cache-control"] = "no-store"
    return response


async def read_form(request: Request) -> dict[str, str]:
    """A small urlencoded form, after the CSRF check; first value of each field."""
    if not same_origin(request.headers, public_url=app_context(request).settings.public_url):
        raise HTTPException(403, "This form must be sent from this site's own page.")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, f"The form is larger than {MAX_FORM_BYTES} bytes.")
    fields = parse_form(body, max_fields=20)
    return {name: values[0].strip() for name, values in fields.items() if values}


async def signed_in(request: Request) -> Account | None:
    context = app_context(request)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return await run_in_threadpool(context.accounts.session_account, token, now=context.clock.now())


def _wants_choice(fields: dict[str, str]) -> tuple[bool, bool]:
    return CHOICES.get(fields.get("notify", "recovery"), CHOICES["recovery"])


def _secure(request: Request) -> bool:
    public = app_context(request).settings.public_url
    return request.url.scheme == "https" or urlsplit(public).scheme == "https"


# -- signing in --------------------------------------------------------------------------


@router.get("/signin", response_class=HTMLResponse)
async def signin_page(request: Request, service: str | None = None) -> Response:
    followed = app_context(request).catalog.by_slug.get(service or "")
    return _render(request, "signin.html", service=followed, error=None, email="")


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request) -> Response:
    fields = await read_form(request)
    context = app_context(request)
    service = context.catalog.by_slug.get(fields.get("service", ""))
    follow = None
    if service is not None and service.id is not None:
        on_start, on_recovery = _wants_choice(fields)
        follow = FollowChoice(service.id, on_start, on_recovery)
    return await _send_link(request, fields.get("email", ""), follow=follow, service=service)


async def _send_link(
    request: Request, email: str, *, follow: FollowChoice | None, service: Any
) -> Response:
    context = app_context(request)
    wait = await request.app.state.signin_limiter.acquire(
        "signin:" + _network(request), now=context.clock.now().timestamp()
    )
    if wait > 0:
        raise HTTPException(
            429,
            "Too many sign-in links were asked for from your network; try again later.",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    try:
        await run_in_threadpool(
            context.accounts.request_signin, email, now=context.clock.now(), follow=follow
        )
    except InvalidAddressError as error:
        return _render(
            request, "signin.html", status_code=422, service=service, error=str(error), email=email
        )
    except TooManySigninMailsError as error:
        raise HTTPException(
            429,
            "Several links were already sent to this address in the last hour; use one of "
            "them, or try again later.",
            headers={"Retry-After": str(error.retry_after_seconds)},
        ) from None
    context.wake_delivery()
    return _render(request, "signin_sent.html", email=email, service=service)


def _network(request: Request) -> str:
    settings = app_context(request).settings
    address = client_address(
        request.client.host if request.client else UNKNOWN_PEER,
        request.headers.get("x-forwarded-for"),
        TrustedProxies(settings.trusted_proxies.split(",")),
    )
    return network_of(address)


@router.get("/signin/confirm", response_class=HTMLResponse)
async def confirm_page(request: Request, token: str = "") -> Response:
    # A button, not an automatic sign-in: mail scanners open links, and must not use them up.
    return _render(request, "signin_confirm.html", token=token)


@router.post("/signin/confirm", response_class=HTMLResponse)
async def confirm(request: Request) -> Response:
    fields = await read_form(request)
    context = app_context(request)
    try:
        result = await run_in_threadpool(
            context.accounts.confirm, fields.get("token", ""), now=context.clock.now()
        )
    except InvalidLinkError as error:
        raise HTTPException(400, f"{error} Ask for a new one at /signin.") from None
    target = "/account"
    if result.followed is not None:
        service = context.catalog.by_id.get(result.followed.service_id)
        if service is not None:
            target = f"/services/{service.slug}?followed=1#notify"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.session_token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=_secure(request),
        samesite="lax",
    )
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    await read_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(app_context(request).accounts.sign_out, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request))
    return response


# -- following ---------------------------------------------------------------------------


@router.post("/services/{slug}/follow", response_class=HTMLResponse)
async def follow_service(request: Request, slug: str) -> Response:
    context = app_context(request)
    service, service_id = tracked_service(context, slug)
    fields = await read_form(request)
    on_start, on_recovery = _wants_choice(fields)
    choice = FollowChoice(service_id, on_start, on_recovery)
    account = await signed_in(request)
    if account is None:
        # Double opt-in: nothing is followed until the address confirms by its link.
        return await _send_link(request, fields.get("email", ""), follow=choice, service=service)
    store = context.store

    def save() -> None:
        with store.transaction():
            if fields.get("notify") == "stop":
                store.unfollow(account.id, service.id or 0)
            else:
                store.follow(account.id, choice, now=context.clock.now())

    await run_in_threadpool(save)
    if fields.get("next") == "account":
        return RedirectResponse("/account#follows", status_code=303)
    return RedirectResponse(f"/services/{slug}?followed=1#notify", status_code=303)


# -- the account page --------------------------------------------------------------------


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request) -> Response:
    account = await signed_in(request)
    if account is None:
        return RedirectResponse("/signin", status_code=303)
    context = app_context(request)
    follows, channels = await asyncio.gather(
        run_in_threadpool(context.store.follows_of, account.id),
        run_in_threadpool(context.store.channels_of, account.id),
    )
    by_id = context.catalog.by_id
    followed = [
        (by_id[follow.service_id], choice_of(follow.on_start, follow.on_recovery))
        for follow in follows
        if follow.service_id in by_id
    ]
    return _render(
        request,
        "account.html",
        account=account,
        followed=followed,
        channels=channels,
        error=request.query_params.get("error"),
    )


def _to_signin() -> Response:
    return RedirectResponse("/signin", status_code=303)


@router.post("/account/channels")
async def add_channel(request: Request) -> Response:
    account = await signed_in(request)
    fields = await read_form(request)
    if account is None:
        return _to_signin()
    kind, address = fields.get("kind", ""), fields.get("address", "")
    allow_private = app_context(request).settings.allow_private_webhooks
    problem = _channel_problem(kind, address, allow_private=allow_private)
    if problem:
        return RedirectResponse(f"/account?error={problem}#channels", status_code=303)
    context = app_context(request)
    secret = secrets.token_hex(24) if kind == "webhook" else None

    def save() -> None:
        with context.store.transaction():
            context.store.add_channel(
                account.id, kind=kind, address=address, secret=secret, now=context.clock.now()
            )

    await run_in_threadpool(save)
    return RedirectResponse("/account#channels", status_code=303)


def _channel_problem(kind: str, address: str, *, allow_private: bool) -> str | None:
    if kind == "webhook":
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(address) > 1000:
            return "A webhook needs an http:// or https:// URL."
        return None
    if kind == "apprise":
        if len(address) > 1000 or not valid_apprise_url(address):
            return "That is not an Apprise URL we can use (see the Apprise documentation)."
        if not deliverable_scheme(address, allow_private=allow_private):
            return (
                "This server does not send to that kind of Apprise URL: its address cannot be "
                "checked."
            )
        return None
    return "Choose a webhook or an Apprise URL."


@router.post("/account/channels/{channel_id}/remove")
async def remove_channel(request: Request, channel_id: int) -> Response:
    account = await signed_in(request)
    await read_form(request)
    if account is None:
        return _to_signin()
    store = app_context(request).store

    def remove() -> None:
        with store.transaction():
            store.remove_channel(account.id, channel_id)

    await run_in_threadpool(remove)
    return RedirectResponse("/account#channels", status_code=303)


@router.post("/account/delete", response_class=HTMLResponse)
async def delete_account(request: Request) -> Response:
    account = await signed_in(request)
    fields = await read_form(request)
    if account is None:
        return _to_signin()
    if fields.get("confirm") != "yes":
        return RedirectResponse("/account?error=Tick the box to confirm.#delete", status_code=303)
    await run_in_threadpool(app_context(request).accounts.delete, account)
    response = _render(request, "account_deleted.html", email=account.email)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request))
    return response


# -- unsubscribe (no sign-in: the signed link is the proof) --------------------------------


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_page(request: Request, token: str) -> Response:
    return _render(request, "unsubscribe.html", token=token, done=None)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(request: Request, token: str) -> Response:
    """Also the RFC 8058 one-click target: mail clients POST here without our Origin."""
    context = app_context(request)
    stopped = await run_in_threadpool(context.accounts.unsubscribe, token)
    if stopped is None:
        raise HTTPException(
            400, "This unsubscribe link is not valid, or its account has been deleted."
        )
    service = context.catalog.by_id.get(stopped[1])
    return _render(request, "unsubscribe.html", token=token, done=service)
