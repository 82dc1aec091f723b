"""Parts of pages that every open page fetches again as an outage goes on (comments, an
incident's facts): for visitors without a session they are the same for everyone, so each
is rendered once per FRESH_FOR and served from memory in between. With 10,000 pages open
and one fetch each per 10 s, that is one render every few seconds instead of 1,000 a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse

from outagewatch.http.encoding import accepts_gzip
from outagewatch.http.security import SESSION_COOKIE

FRESH_FOR = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class _Kept:
    until: datetime
    body: bytes
    headers: dict[str, str]


class FragmentCache:
    def __init__(self) -> None:
        self._kept: dict[tuple[str, bool], _Kept] = {}

    def answer(
        self, request: Request, key: str, *, now: datetime, render: Callable[[], HTMLResponse]
    ) -> HTMLResponse:
        """The fragment for `key`; rendered anew when stale or for someone signed in (an
        operator sees Hide buttons that visitors must not)."""
        if request.cookies.get(SESSION_COOKIE):
            return render()
        gzipped = accepts_gzip(request.headers.get("accept-encoding", "").encode("latin-1"))
        kept = self._kept.get((key, gzipped))
        if kept is None or kept.until <= now:
            response = render()
            kept = _Kept(now + FRESH_FOR, bytes(response.body), dict(response.headers))
            self._kept[(key, gzipped)] = kept
        return HTMLResponse(kept.body, headers=kept.headers)


def fragment_cache(request: Request) -> FragmentCache:
    """The process's cache, made on first use."""
    cache: FragmentCache | None = getattr(request.app.state, "fragment_cache", None)
    if cache is None:
        cache = FragmentCache()
        request.app.state.fragment_cache = cache
    return cache
