"""The reference for every benchmark: a raw ASGI callable returning a small JSON body.

Run by the same server program with the same worker count as the app being measured, so the
ratio between them says how much our code costs, whatever the machine is doing meanwhile.
"""

from __future__ import annotations

from typing import Any

BODY = b'{"service":"tiktok","counted":true,"reason":null,"reports_this_hour":1,"reports_today":1}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more_body = True
    while more_body:  # read the request body, as the real handler must
        message = await receive()
        more_body = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 201, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
