"""What search engines read: /robots.txt and the sitemaps (index and child files)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response

from outagewatch.context import AppContext
from outagewatch.http.requests import app_context
from outagewatch.storage.sql import SqlStore
from outagewatch.web import sitemaps

router = APIRouter(include_in_schema=False)

# Crawlers may come back for these hourly; pages change faster, the list of pages does not.
SITEMAP_CACHE = "public, max-age=3600"
# Personal pages, operators' pages, forms that act, the API, and search results (endless
# thin pages): none is worth a crawler's visit. `*` inside a path is RFC 9309 (robots.txt).
PRIVATE_PATHS = (
    "/account",
    "/admin",
    "/operator",
    "/api/",
    "/signin",
    "/signout",
    "/unsubscribe/",
    "/search",
    "/services/*/report",
    "/services/*/follow",
    "/services/*/timeline",
)


def _public_url(context: AppContext) -> str:
    return context.settings.public_url.rstrip("/")


@router.get("/robots.txt")
def robots(request: Request) -> PlainTextResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS), "Allow: /", ""]
    lines.append(f"Sitemap: {_public_url(app_context(request))}/sitemap.xml")
    return PlainTextResponse("\n".join(lines) + "\n", headers={"Cache-Control": SITEMAP_CACHE})


def _files(context: AppContext) -> dict[str, list[sitemaps.Entry]]:
    store = context.store
    assert isinstance(store, SqlStore), "page dates come from the SQL store"
    return sitemaps.site_entries(store, context.catalog.services).files()


@router.get("/sitemap.xml")
def sitemap_index(request: Request) -> Response:
    context = app_context(request)
    body = sitemaps.index(_public_url(context), _files(context))
    return Response(body, media_type="application/xml", headers={"Cache-Control": SITEMAP_CACHE})


@router.get("/sitemaps/{name}.xml")
def sitemap_file(request: Request, name: str) -> Response:
    context = app_context(request)
    entries = _files(context).get(name)
    if entries is None:
        raise HTTPException(404, f"There is no sitemap called {name!r}.")
    body = sitemaps.urlset(_public_url(context), entries)
    return Response(body, media_type="application/xml", headers={"Cache-Control": SITEMAP_CACHE})
