"""What a search engine or a chat app reads in a page's head: the canonical address and
schema.org JSON-LD, only where it is true of the page (FAQPage from the FAQ the page shows,
BreadcrumbList from its crumbs, WebSite with SearchAction on the home page)."""

from __future__ import annotations

import json
from html import unescape
from html.parser import HTMLParser
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.catalog.model import Service

SCHEMA_ORG = "https://schema.org"


def script(data: dict[str, Any]) -> Markup:
    """JSON inside <script>: `<`, `>` and `&` escaped, so no text can end the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')  # noqa: S704  # nosec B704


def website(*, site_name: str, public_url: str) -> Markup:
    return script(
        {
            "@context": SCHEMA_ORG,
            "@type": "WebSite",
            "name": site_name,
            "url": f"{public_url}/",
            "potentialAction": {
                "@type": "SearchAction",
                "target": {
                    "@type": "EntryPoint",
                    "urlTemplate": f"{public_url}/search?q={{search_term_string}}",
                },
                "query-input": "required name=search_term_string",
            },
        }
    )


def breadcrumbs(public_url: str, crumbs: list[tuple[str, str]]) -> Markup:
    return script(
        {
            "@context": SCHEMA_ORG,
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": n, "name": name, "item": f"{public_url}{path}"}
                for n, (name, path) in enumerate(crumbs, start=1)
            ],
        }
    )


def service_crumbs(public_url: str, service: Service) -> Markup:
    category = CATEGORY_BY_SLUG[service.category]
    return breadcrumbs(
        public_url,
        [
            ("Home", "/"),
            (category.name, f"/categories/{category.slug}"),
            (service.name, f"/services/{service.slug}"),
        ],
    )


class _FaqReader(HTMLParser):
    """Questions (<summary>) and answers (the rest of each <details>) inside the page's
    <section class="... faq">."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self._section_depth = 0  # > 0 inside the FAQ section
        self._part: str | None = None  # "question" or "answer"
        self._question: list[str] = []
        self._answer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            classes = (dict(attrs).get("class") or "").split()
            if self._section_depth or "faq" in classes:
                self._section_depth += 1
        elif self._section_depth and tag == "details":
            self._question, self._answer, self._part = [], [], None
        elif self._section_depth and tag == "summary":
            self._part = "question"

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._section_depth:
            self._section_depth -= 1
        elif self._section_depth and tag == "summary":
            self._part = "answer"
        elif self._section_depth and tag == "details":
            self.pairs.append((_words(self._question), _words(self._answer)))
            self._part = None

    def handle_data(self, data: str) -> None:
        if self._part == "question":
            self._question.append(data)
        elif self._part == "answer":
            self._answer.append(data)


def _words(parts: list[str]) -> str:
    return " ".join(unescape("".join(parts)).split())


def faq_pairs(html: str) -> list[tuple[str, str]]:
    """The FAQ as the page shows it: (question, answer text) pairs."""
    if 'faq"' not in html and "faq " not in html:
        return []
    reader = _FaqReader()
    reader.feed(html)
    return reader.pairs


def with_faq_json_ld(html: str) -> Markup:
    """A filter around a page's main content: a FAQPage made from the FAQ it shows, so the
    structured data can never say something the page does not."""
    pairs = faq_pairs(str(html))
    if not pairs:
        return Markup(html)  # noqa: S704 - already rendered and escaped by Jinja  # nosec B704
    data = {
        "@context": SCHEMA_ORG,
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": question,
                "acceptedAnswer": {"@type": "Answer", "text": answer},
            }
            for question, answer in pairs
        ],
    }
    return Markup(html) + script(data)  # noqa: S704  # nosec B704


def install(environment: Environment, *, public_url: str, site_name: str) -> None:
    """Make the head partial's helpers available to every template."""
    environment.globals["public_url"] = public_url.rstrip("/")
    environment.globals["json_ld_website"] = lambda: website(
        site_name=site_name, public_url=public_url.rstrip("/")
    )
    environment.globals["json_ld_breadcrumbs"] = lambda crumbs: breadcrumbs(
        public_url.rstrip("/"), crumbs
    )
    environment.globals["json_ld_service_crumbs"] = lambda service: service_crumbs(
        public_url.rstrip("/"), service
    )
    environment.filters["with_faq_json_ld"] = with_faq_json_ld
