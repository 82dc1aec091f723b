"""In-memory catalog search: small enough (thousands of names) to rank in Python per query."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from outagewatch.catalog.model import Service

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lowercase ASCII words: 'Société Générale' and 'societe generale' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_ALPHANUMERIC.sub(" ", ascii_text).strip()


@dataclass(frozen=True, slots=True)
class _Entry:
    service: Service
    names: tuple[str, ...]  # normalised name, aliases and slug
    compact: tuple[str, ...]  # the same without spaces, so "whats app" finds "WhatsApp"


class CatalogIndex:
    """Lookup by slug, listing by category, and ranked search over names and aliases."""

    def __init__(self, services: Iterable[Service]) -> None:
        ordered = sorted(services, key=lambda s: (-s.popularity, s.name.lower()))
        self.services: tuple[Service, ...] = tuple(ordered)
        self.by_slug: dict[str, Service] = {service.slug: service for service in ordered}
        self.by_id: dict[int, Service] = {s.id: s for s in ordered if s.id is not None}
        self._entries = [self._entry(service) for service in ordered]

    @staticmethod
    def _entry(service: Service) -> _Entry:
        names = tuple(
            dict.fromkeys(
                normalise(name)
                for name in (service.name, *service.aliases, service.slug.replace("-", " "))
            )
        )
        return _Entry(service, names, tuple(name.replace(" ", "") for name in names))

    def in_category(self, category: str) -> list[Service]:
        return [service for service in self.services if service.category == category]

    def popular(self, limit: int) -> list[Service]:
        """The most popular services, taking turns across categories so the mix is varied."""
        queues: dict[str, list[Service]] = {}
        for service in self.services:  # already most popular first
            queues.setdefault(service.category, []).append(service)
        chosen: list[Service] = []
        while len(chosen) < limit and any(queues.values()):
            for queue in queues.values():
                if queue and len(chosen) < limit:
                    chosen.append(queue.pop(0))
        return chosen

    def related(self, service: Service) -> list[Service]:
        return [self.by_slug[slug] for slug in service.related if slug in self.by_slug]

    def exact_match(self, query: str) -> Service | None:
        """The one service whose name, alias or slug is exactly the query, if only one is."""
        wanted = normalise(query)
        wanted_compact = wanted.replace(" ", "")
        matches = [
            entry.service
            for entry in self._entries
            if wanted and (wanted in entry.names or wanted_compact in entry.compact)
        ]
        return matches[0] if len(matches) == 1 else None

    def search(self, query: str, *, category: str | None = None, limit: int = 50) -> list[Service]:
        """Services whose name or alias matches, best first: exact, then prefix, then substring.

        Within a rank, more popular services come first (the index is already in that order).
        """
        wanted = normalise(query)
        if not wanted:
            pool = self.services if category is None else self.in_category(category)
            return list(pool[:limit])
        wanted_compact = wanted.replace(" ", "")
        ranked: list[tuple[int, int, Service]] = []
        for position, entry in enumerate(self._entries):
            if category is not None and entry.service.category != category:
                continue
            rank = self._rank(entry, wanted, wanted_compact)
            if rank is not None:
                ranked.append((rank, position, entry.service))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [service for _, _, service in ranked[:limit]]

    @staticmethod
    def _rank(entry: _Entry, wanted: str, wanted_compact: str) -> int | None:
        if wanted in entry.names or wanted_compact in entry.compact:
            return 0
        if any(name.startswith(wanted) for name in entry.names):
            return 1
        if any(f" {wanted}" in f" {name}" for name in entry.names):
            return 2  # a word of the name starts with the query
        if any(wanted_compact in name for name in entry.compact):
            return 3
        return None
