"""Official status pages served from 127.0.0.1: fixtures, conditional requests honoured."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.local_http import LocalHttpServer, ReceivedRequest, Response

FIXTURES = Path(__file__).parent / "fixtures"
CONTENT_TYPES = {
    ".json": "application/json",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class Document:
    """A page as a status server keeps it: a 304 for a client that already holds it."""

    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None

    def __call__(self, request: ReceivedRequest) -> Response:
        validators = {
            name: value
            for name, value in (("ETag", self.etag), ("Last-Modified", self.last_modified))
            if value is not None
        }
        etag_matches = self.etag is not None and request.header("If-None-Match") == self.etag
        # Exact comparison is enough here: clients echo the Last-Modified value they were given.
        unmodified = (
            self.last_modified is not None
            and request.header("If-Modified-Since") == self.last_modified
        )
        if etag_matches or unmodified:
            return Response(304, headers=validators)
        return Response(200, self.body, {**validators, "Content-Type": self.content_type})


class StatusServer(LocalHttpServer):
    """Answers 404 for paths it was not given; `respond_with` fails the next requests."""

    def serve(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        self.answer(path, Document(body, content_type, etag, last_modified))

    def serve_fixture(
        self, path: str, name: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> None:
        content_type = CONTENT_TYPES[Path(name).suffix]
        self.serve(
            path, fixture(name), content_type=content_type, etag=etag, last_modified=last_modified
        )
