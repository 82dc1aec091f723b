"""Security headers on every response, as a pure ASGI middleware (no per-request task)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def same_origin(headers: Mapping[str, str], *, public_url: str) -> bool:
    """CSRF protection for forms without a token: the browser says where the form came from.

    Browsers send Origin with every POST (and Sec-Fetch-Site where supported); we accept the
    request only when that origin is this site, as seen in the Host header or the public URL.
    Tokens would need a cookie per visitor and make pages uncacheable; this does not.
    """
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    claimed = headers.get("origin") or headers.get("referer")
    if not claimed or claimed == "null":
        return False
    origin_host = urlsplit(claimed).netloc.lower()
    allowed = {urlsplit(public_url).netloc.lower(), headers.get("host", "").lower()}
    return origin_host in allowed - {""}
