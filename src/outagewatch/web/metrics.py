"""/metrics for Prometheus, answered only to the networks the operator lists (METRICS_NETWORKS,
default loopback); anyone else gets the same 404 as for an address that does not exist."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from outagewatch.context import AppContext
from outagewatch.http.requests import app_context
from outagewatch.operations import metrics
from outagewatch.reports.client import UNKNOWN_PEER, TrustedProxies, client_address
from outagewatch.storage.sql import SqlStore

router = APIRouter(include_in_schema=False)
# The classic text format, which every Prometheus version reads (generate_latest writes it).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _allowed(request: Request, context: AppContext) -> bool:
    settings = context.settings
    # Behind a trusted proxy every request comes from the proxy (often loopback): believe
    # its X-Forwarded-For, as the intake does, or the whole internet would be "local".
    address = client_address(
        request.client.host if request.client else UNKNOWN_PEER,
        request.headers.get("x-forwarded-for"),
        TrustedProxies(settings.trusted_proxies.split(",")),
    )
    return address in TrustedProxies(settings.metrics_networks.split(","))


@router.get("/metrics")
async def prometheus_metrics(request: Request) -> Response:
    context = app_context(request)
    if not _allowed(request, context):
        raise HTTPException(404)
    store = context.store
    assert isinstance(store, SqlStore), "the shared figures come from the SQL store"
    figures = await asyncio.to_thread(
        store.watch_figures, services=len(context.catalog.services), now=context.clock.now()
    )
    return Response(
        metrics.exposition(figures),
        media_type=CONTENT_TYPE,
        headers={"Cache-Control": "no-store"},
    )
