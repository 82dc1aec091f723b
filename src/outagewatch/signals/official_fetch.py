"""Asking a status source once: a bounded, timed GET that says what came back or why not."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

MAX_ANSWER_BYTES = 5_000_000  # a status summary is tens of kilobytes; more is not one
USER_AGENT = "OutageWatch-StatusReader/1"


def default_client() -> httpx.AsyncClient:
    # Status pages often redirect (http to https, a bare domain to www).
    return httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, follow_redirects=True)


class FetchError(Exception):
    """The source could not be read this time; it is retried with backoff."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        # The HTTP status of an answer that was not a success; None if none came.
        self.status_code = status_code

    @property
    def says_not_here(self) -> bool:
        """The server answered, refusing this document (a 4xx other than 429): it is not
        served here, unlike a timeout, a 5xx or a rate limit, which say nothing of that."""
        return (
            self.status_code is not None
            and 400 <= self.status_code < 500
            and (self.status_code != 429)
        )


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes | None  # None: not modified since the validators we sent
    etag: str | None
    last_modified: str | None
    content_type: str | None = None


async def get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], *, timeout_seconds: float
) -> Answer:
    """One GET; FetchError for anything but a success or a 304."""
    try:
        # httpx times each phase; the outer limit also bounds a server that trickles.
        async with (
            asyncio.timeout(timeout_seconds),
            client.stream("GET", url, headers=headers, timeout=timeout_seconds) as response,
        ):
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if response.status_code == httpx.codes.NOT_MODIFIED:
                return Answer(None, etag, last_modified)
            if not response.is_success:
                raise FetchError(f"HTTP {response.status_code}", status_code=response.status_code)
            body = await _read_limited(response)
            return Answer(body, etag, last_modified, response.headers.get("Content-Type"))
    except (TimeoutError, httpx.TimeoutException):
        raise FetchError(f"timed out after {timeout_seconds:g} s") from None
    except httpx.ConnectError as error:
        raise FetchError(f"cannot connect: {error or 'connection failed'}") from None
    except httpx.HTTPError as error:
        raise FetchError(f"request failed: {error or type(error).__name__}") from None


async def _read_limited(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise FetchError(f"answer larger than {MAX_ANSWER_BYTES // 1_000_000} MB")
        chunks.append(chunk)
    return b"".join(chunks)
