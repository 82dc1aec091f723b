"""Security headers on every response, as a pure ASGI middleware (no per-request task).

Strict-Transport-Security is left to the proxy that terminates TLS (deploy/nginx.conf): the
app cannot tell a real https deployment from a test on http://127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SESSION_COOKIE = "ow_session"
# An answer to someone signed in, or one that signs someone in, is theirs alone: no cache
# (the browser's back-forward cache included) may keep it or hand it to anyone else.
PERSONAL = (b"cache-control", b"private, no-store")
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

        signed_in = _has_session(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *HEADERS]
                names = {name.lower() for name, _ in headers}
                if (signed_in or b"set-cookie" in names) and b"cache-control" not in names:
                    headers.append(PERSONAL)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _has_session(scope: Scope) -> bool:
    marker = SESSION_COOKIE.encode() + b"="
    return any(name == b"cookie" and marker in value for name, value in scope["headers"])


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, the port filled in from the scheme; None if unusable."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if default is None or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port or default


def same_origin(headers: Mapping[str, str], *, public_url: str) -> bool:
    """CSRF protection for forms without a token: the browser says where the form came from.

    Browsers send Origin with every POST (and Sec-Fetch-Site where supported); we accept the
    request only when that origin is this site's PUBLIC_URL: scheme, host and port. The Host
    header is not asked: whoever sends the request chooses it. Tokens would need a cookie per
    visitor and make pages uncacheable; this does not.
    """
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    claimed = headers.get("origin") or headers.get("referer")
    if not claimed or claimed == "null":
        return False
    ours = origin_of(public_url)
    return ours is not None and origin_of(claimed) == ours


def parse_form(body: bytes, *, max_fields: int) -> dict[str, list[str]]:
    """An urlencoded form; a 400 (not a crash) when it has more than `max_fields` fields."""
    try:
        return parse_qs(body.decode("utf-8", "replace"), max_num_fields=max_fields)
    except ValueError:
        raise HTTPException(400, f"The form has more than {max_fields} fields.") from None
