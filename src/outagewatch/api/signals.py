"""Signals API: external collectors send social-mention counts, authenticated by a token."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from outagewatch.api import schemas
from outagewatch.basics.minutes import unix_minute
from outagewatch.basics.tokens import token_hash
from outagewatch.context import AppContext
from outagewatch.signals.collectors import MENTIONS_SCOPE

router = APIRouter(prefix="/api/v1/signals", tags=["signals"])

MAX_BODY_BYTES = 64 * 1024
MAX_ITEMS = 500
OLDEST_BUCKET = timedelta(days=7)
FUTURE_SLACK = timedelta(minutes=5)  # collectors' clocks drift a little


class MentionCount(BaseModel):
    service: str = Field(min_length=1, max_length=80, description="Service slug")
    bucket: datetime = Field(
        description="Start of the counted period (ISO 8601, with a time zone); counts are "
        "kept per minute, so any seconds are dropped. Sending a bucket again replaces it."
    )
    count: int = Field(ge=0, le=10_000_000, description="Mentions in that minute")
    source: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9#@._-]+$",
        description="Where they were counted, e.g. 'x.com' or '#tiktokdown'",
    )


class Accepted(BaseModel):
    accepted: int


_MANY: TypeAdapter[list[MentionCount]] = TypeAdapter(
    Annotated[list[MentionCount], Field(min_length=1, max_length=MAX_ITEMS)]
)
_ONE_OR_MANY: TypeAdapter[MentionCount | list[MentionCount]] = TypeAdapter(
    MentionCount | Annotated[list[MentionCount], Field(min_length=1, max_length=MAX_ITEMS)]
)
# The body's schema refers to MentionCount among the document's components (api/openapi.py
# puts these there): a `$defs` inside an operation would not resolve from the document root.
BODY_SCHEMA = _ONE_OR_MANY.json_schema(ref_template="#/components/schemas/{model}")
BODY_COMPONENTS: dict[str, Any] = BODY_SCHEMA.pop("$defs")
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A collector token, from `outagewatch admin token NAME`",
}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": schemas.ErrorBody, "description": description}
    for status, description in (
        (400, "Malformed JSON"),
        (401, "Missing or unknown token"),
        (413, f"Body over {MAX_BODY_BYTES} bytes"),
        (422, "Invalid counts (unknown service, bad bucket or count)"),
    )
}


@router.post(
    "/mentions",
    status_code=202,
    response_model=Accepted,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": BODY_SCHEMA}},
        },
        "security": [{"bearer": []}],
    },
    summary="Send social-mention counts (one object, or an array of up to 500)",
)
async def post_mentions(request: Request) -> Accepted:
    context: AppContext = request.app.state.context
    await _authorise(request, context)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        document = json.loads(body)
    except ValueError:
        raise HTTPException(400, "The body is not valid JSON.") from None
    except RecursionError:  # thousands of nested brackets: no count is shaped like that
        raise HTTPException(400, "The body is nested too deeply.") from None
    # Validate by the shape sent, so the error speaks of that shape, not of the other one.
    try:
        items = (
            _MANY.validate_python(document)
            if isinstance(document, list)
            else [MentionCount.model_validate(document)]
        )
    except ValidationError as error:
        raise HTTPException(422, _first_problem(error)) from None
    rows = _rows(items, context)
    store = context.store

    def save() -> None:
        with store.transaction():
            store.record_mentions(rows)

    await run_in_threadpool(save)
    return Accepted(accepted=len(rows))


async def _authorise(request: Request, context: AppContext) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="outagewatch-signals"'}
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401, "Send a collector token: Authorization: Bearer <token>.", challenge
        )
    found = await run_in_threadpool(context.store.api_token_scope, token_hash(token.strip()))
    if found is None or found[1] != MENTIONS_SCOPE:
        raise HTTPException(401, "This token is unknown or revoked.", challenge)


def _rows(items: list[MentionCount], context: AppContext) -> list[tuple[int, str, int, int]]:
    now = context.clock.now()
    rows: dict[tuple[int, str, int], int] = {}
    for index, item in enumerate(items):
        service = context.catalog.by_slug.get(item.service)
        if service is None or service.id is None:
            raise HTTPException(422, f"item {index}: we do not track a service {item.service!r}.")
        if item.bucket.tzinfo is None:
            raise HTTPException(422, f"item {index}: the bucket needs a time zone (e.g. 'Z').")
        if item.bucket > now + FUTURE_SLACK:
            raise HTTPException(422, f"item {index}: the bucket is in the future.")
        if item.bucket < now - OLDEST_BUCKET:
            raise HTTPException(422, f"item {index}: the bucket is older than 7 days.")
        # The last word on a bucket wins, within a request as across requests.
        rows[(service.id, item.source.lower(), unix_minute(item.bucket))] = item.count
    return [
        (service_id, source, minute, count) for (service_id, source, minute), count in rows.items()
    ]


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"] if not str(part).startswith("function"))
    return f"Invalid mention counts: {where}: {problem['msg']}" if where else problem["msg"]
