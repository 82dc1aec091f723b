"""From a request to what a view works on: the app's context and the service it names."""

from __future__ import annotations

from fastapi import HTTPException, Request

from outagewatch.catalog.model import Service
from outagewatch.context import AppContext


def app_context(request: Request) -> AppContext:
    """What create_app() assembled for the views (settings, store, clock, catalog...)."""
    context: AppContext = request.app.state.context
    return context


def not_tracked(slug: str) -> str:
    """The answer to a slug that names no service, in every face and format."""
    return f"We do not track a service called {slug!r}."


def tracked_service(context: AppContext, slug: str) -> tuple[Service, int]:
    """The service called `slug` and its storage id, or a 404.

    Read from context.catalog at each call: an operator's catalog edit replaces it."""
    service = context.catalog.by_slug.get(slug)
    if service is None or service.id is None:
        raise HTTPException(404, not_tracked(slug))
    return service, service.id
