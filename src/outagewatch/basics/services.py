"""What the catalog describes: services, their categories and the problems people report."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Problem:
    slug: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class Service:
    slug: str
    name: str
    category: str
    url: str
    description: str
    popularity: int
    owner: str | None = None
    aliases: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    status_page: str | None = None
    statuspage_io: bool = False
    icon: str = ""
    id: int | None = field(default=None, compare=False)

    @property
    def is_regional(self) -> bool:
        return bool(self.countries)
