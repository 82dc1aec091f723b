"""Canonical links and schema.org JSON-LD, checked against what the page itself shows."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient

from outagewatch.web.structured_data import script

BASE = "http://testserver"


class _Page(HTMLParser):
    """The canonical link, the JSON-LD blocks, and the FAQ as a reader sees it."""

    def __init__(self) -> None:
        super().__init__()
        self.canonical: list[str] = []
        self.json_ld: list[dict[str, Any]] = []
        self.questions: list[str] = []
        self.answers: list[str] = []
        self._in_json_ld = False
        self._in_faq = False
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "canonical":
            self.canonical.append(values.get("href") or "")
        if tag == "script" and values.get("type") == "application/ld+json":
            self._in_json_ld, self._text = True, []
        if tag == "section" and "faq" in (values.get("class") or "").split():
            self._in_faq = True
        if self._in_faq and tag == "summary":
            self._in, self._text = "question", []
        if self._in_faq and tag == "p" and self._in is None:
            self._in, self._text = "answer", []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_json_ld:
            self.json_ld.append(json.loads("".join(self._text)))
            self._in_json_ld = False
        if tag == "section":
            self._in_faq = False
        if tag == "summary" and self._in == "question":
            self.questions.append(" ".join("".join(self._text).split()))
            self._in = None
        if tag == "p" and self._in == "answer":
            self.answers.append(" ".join("".join(self._text).split()))
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in_json_ld or self._in:
            self._text.append(data)


def _read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _of_type(page: _Page, kind: str) -> dict[str, Any]:
    [found] = [block for block in page.json_ld if block["@type"] == kind]
    return found


def test_the_faq_structured_data_says_what_the_page_shows(client: TestClient) -> None:
    page = _read(client.get("/services/tiktok").text)

    faq = _of_type(page, "FAQPage")

    assert len(page.questions) >= 4
    assert [q["name"] for q in faq["mainEntity"]] == page.questions
    assert [q["acceptedAnswer"]["text"] for q in faq["mainEntity"]] == page.answers
    assert faq["mainEntity"][0]["name"] == "Is TikTok down right now?"
    assert "No issues" in faq["mainEntity"][0]["acceptedAnswer"]["text"]


def test_a_service_page_has_its_canonical_link_and_breadcrumbs(client: TestClient) -> None:
    page = _read(client.get("/services/tiktok?reported=counted").text)

    crumbs = _of_type(page, "BreadcrumbList")["itemListElement"]

    assert page.canonical == [f"{BASE}/services/tiktok"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Home", f"{BASE}/"),
        (2, "Social Media", f"{BASE}/categories/social-media"),
        (3, "TikTok", f"{BASE}/services/tiktok"),
    ]


def test_the_home_page_describes_the_site_search(client: TestClient) -> None:
    page = _read(client.get("/").text)

    site = _of_type(page, "WebSite")
    target = site["potentialAction"]["target"]["urlTemplate"]

    assert page.canonical == [f"{BASE}/"]
    assert site["url"] == f"{BASE}/"
    assert target == f"{BASE}/search?q={{search_term_string}}"
    assert client.get(target.replace("{search_term_string}", "tik").removeprefix(BASE)).is_success


def test_a_category_page_has_breadcrumbs_and_no_faq(client: TestClient) -> None:
    page = _read(client.get("/categories/banking").text)

    crumbs = _of_type(page, "BreadcrumbList")["itemListElement"]

    assert page.canonical == [f"{BASE}/categories/banking"]
    assert [c["item"] for c in crumbs] == [f"{BASE}/", f"{BASE}/categories/banking"]
    assert not [block for block in page.json_ld if block["@type"] == "FAQPage"]


def test_an_error_page_claims_no_canonical_address(client: TestClient) -> None:
    page = _read(client.get("/services/no-such-service").text)

    assert page.canonical == [] and page.json_ld == []


def test_json_ld_text_cannot_close_its_script_element() -> None:
    html = str(script({"name": "</script><script>alert(1)</script> & more"}))

    assert html.count("</script>") == 1
    body = re.search(r">(.*)</script>", html)
    assert body and json.loads(body.group(1))["name"].startswith("</script>")
