"""Static files with caching: kept for good under the versioned URLs pages use, an hour
under any other (an icon linked from elsewhere, an old page's stylesheet)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
FOR_GOOD = "public, max-age=31536000, immutable"
FOR_AN_HOUR = "public, max-age=3600"


@cache
def asset_version(name: str) -> str:
    """A short hash of the file: it changes exactly when the file does (read once per process)."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    return f"/static/{name}?v={asset_version(name)}"


class StaticAssets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            query = scope.get("query_string", b"").decode("latin-1")
            current = _is_file(path) and query == f"v={asset_version(path)}"
            response.headers["cache-control"] = FOR_GOOD if current else FOR_AN_HOUR
        return response


def _is_file(path: str) -> bool:
    candidate = (STATIC_DIR / path).resolve()
    return candidate.is_relative_to(STATIC_DIR.resolve()) and candidate.is_file()
