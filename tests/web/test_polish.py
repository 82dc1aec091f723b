"""Small things a visitor meets: compressed pages, a favicon, cached styles, no raw errors."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_every_page_is_gzipped_for_a_browser_that_takes_it(client: TestClient) -> None:
    for path in ("/", "/categories/banking", "/about", "/credits", "/search?q=bank"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})

        assert response.headers.get("content-encoding") == "gzip", path
        assert "Accept-Encoding" in response.headers["vary"]
        assert int(response.headers["content-length"]) < len(response.content), path


def test_a_browser_without_gzip_gets_plain_html(client: TestClient) -> None:
    response = client.get("/categories/banking", headers={"Accept-Encoding": "identity"})

    assert "content-encoding" not in response.headers
    assert response.text.startswith("<!doctype html>")
