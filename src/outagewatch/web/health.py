"""/healthz (this process answers) and /readyz (it can do its work): for load balancers and
orchestrators. Both cheap, neither cached."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from outagewatch.http.requests import app_context
from outagewatch.operations import readiness
from outagewatch.operations.ticks import TickRecord
from outagewatch.storage.sql import SqlStore

router = APIRouter(include_in_schema=False)

# A database that does not answer within this is as good as away for a health check; the
# check's thread may go on waiting, but the probe gets its answer.
READINESS_TIMEOUT_SECONDS = 3.0
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    context = app_context(request)
    ticks: TickRecord | None = request.app.state.ticks if context.settings.run_detection else None
    store = context.store
    assert isinstance(store, SqlStore), "readiness reads the SQL store's engine"
    now = context.clock.now()
    try:
        result = await asyncio.wait_for(
            asyncio.to_thread(
                readiness.check,
                store.engine,
                ticks=ticks,
                interval_seconds=context.settings.detection_interval_seconds,
                now=now,
            ),
            READINESS_TIMEOUT_SECONDS,
        )
    except TimeoutError:
        reasons = [f"database did not answer within {READINESS_TIMEOUT_SECONDS:g} s"]
        return JSONResponse(
            {"status": "not ready", "reasons": reasons}, status_code=503, headers=NO_STORE
        )
    body = {
        "status": "ready" if result.ready else "not ready",
        "reasons": list(result.reasons),
        "schema": result.schema_revision,
        "detection": None
        if ticks is None
        else {
            "leading": ticks.leading_since is not None,
            "last_tick_at": result.last_tick_at.isoformat() if result.last_tick_at else None,
            "last_error": result.last_tick_error,
        },
    }
    return JSONResponse(body, status_code=200 if result.ready else 503, headers=NO_STORE)
