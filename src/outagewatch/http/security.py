"""Security headers on every response, as a pure ASGI middleware (no per-request task).

Strict-Transport-Security is left to the proxy that terminates TLS (deploy/nginx.conf): the
app cannot tell a real https deployment from a test on http://127.0.0.1.
"""

from __future__ import annotations

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
