"""Reading and checking the curated catalog data files (services/*.yaml, icons.json)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from outagewatch.basics.services import Service
from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.catalog.notices import notice_problems
from outagewatch.catalog.search import (
    household_name_problems,
    household_names,
    search_term_problems,
    search_terms,
)

DATA_DIR = Path(__file__).parent / "data"
ICONS_DIR = Path(__file__).parent.parent / "web" / "static" / "icons"

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
REQUIRED_FIELDS = ("slug", "name", "category", "url", "description", "popularity")
KNOWN_FIELDS = frozenset(
    {
        *REQUIRED_FIELDS,
        "owner",
        "aliases",
        "countries",
        "related",
        "status_page",
        "statuspage_io",
        "simple_icon",
    }
)


class CatalogError(Exception):
    """The data file is not valid; `problems` lists every finding, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the catalog:\n" + "\n".join(problems))
        self.problems = problems


def read_entries(data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    """Every raw entry of services/*.yaml, each tagged with the file it came from."""
    entries: list[dict[str, Any]] = []
    for path in sorted((data_dir / "services").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        # A SafeLoader (libyaml's where present), which the linters cannot tell from yaml.Loader.
        loaded = yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506  # nosec B506
        if not isinstance(loaded, list):
            raise CatalogError([f"{path.name}: expected a list of services"])
        for entry in loaded:
            if isinstance(entry, dict):
                entry["_file"] = path.name
            entries.append(entry)
    return entries


def read_icons(data_dir: Path = DATA_DIR) -> dict[str, dict[str, Any]]:
    path = data_dir / "icons.json"
    if not path.exists():
        return {}
    icons: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return icons


def _is_web_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("https", "http") and "." in parts.netloc and " " not in value


def _string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) and item for item in value)


def _entry_problems(entry: Mapping[str, Any], where: str) -> Iterable[str]:
    yield from _field_problems(entry, where)
    yield from _identity_problems(entry, where)
    yield from _value_problems(entry, where)


def _field_problems(entry: Mapping[str, Any], where: str) -> Iterable[str]:
    """Fields missing or unknown."""
    for field in REQUIRED_FIELDS:
        if entry.get(field) in (None, ""):
            yield f"{where}: missing {field}"
    for field in entry:
        if field not in KNOWN_FIELDS and field != "_file":
            yield f"{where}: unknown field {field!r}"


def _identity_problems(entry: Mapping[str, Any], where: str) -> Iterable[str]:
    """The slug's form, and the category with the file the entry belongs in."""
    slug = entry.get("slug")
    if isinstance(slug, str) and not SLUG_PATTERN.match(slug):
        yield f"{where}: slug must be lowercase letters, digits and hyphens"
    category = entry.get("category")
    if category is not None and category not in CATEGORY_BY_SLUG:
        yield f"{where}: unknown category {category!r}"
    expected_file = f"{category}.yaml"
    if category in CATEGORY_BY_SLUG and entry.get("_file") not in (None, expected_file):
        yield f"{where}: category {category} belongs in {expected_file}"


def _value_problems(entry: Mapping[str, Any], where: str) -> Iterable[str]:
    """URLs, popularity, lists and countries of a well-formed entry."""
    for field in ("url", "status_page"):
        if entry.get(field) is not None and not _is_web_url(entry[field]):
            yield f"{where}: {field} is not a well-formed http(s) URL: {entry[field]!r}"
    popularity = entry.get("popularity")
    if popularity is not None and (not isinstance(popularity, int) or not 1 <= popularity <= 5):
        yield f"{where}: popularity must be an integer from 1 to 5"
    for field in ("aliases", "countries", "related"):
        if entry.get(field) is not None and not _string_list(entry[field]):
            yield f"{where}: {field} must be a list of strings"
    for country in entry.get("countries") or ():
        if isinstance(country, str) and not COUNTRY_PATTERN.match(country):
            yield f"{where}: country {country!r} is not an ISO 3166-1 alpha-2 code"
    if entry.get("statuspage_io") and not entry.get("status_page"):
        yield f"{where}: statuspage_io without a status_page URL"


def find_problems(
    entries: list[dict[str, Any]],
    icons: Mapping[str, Mapping[str, Any]],
    icons_dir: Path,
    *,
    terms: Mapping[str, tuple[str, ...]] | None = None,
    household: Sequence[str] | None = None,
) -> list[str]:
    """Every reason the catalog is not valid; an empty list means it is. `terms` are the
    search terms to check against the entries (None: the shipped search_terms.yaml), and
    `household` the household names (None: the shipped household_names.yaml)."""
    problems: list[str] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"entry #{index}: expected a mapping")
            continue
        where = f"{entry.get('_file', '?')}: {entry.get('slug', f'entry #{index}')}"
        problems.extend(_entry_problems(entry, where))
    valid = [entry for entry in entries if isinstance(entry, dict)]
    slug_counts = Counter(entry.get("slug") for entry in valid)
    problems.extend(f"duplicate slug {slug!r}" for slug, n in slug_counts.items() if n > 1)
    known_slugs = set(slug_counts)
    for entry in valid:
        for related in entry.get("related") or ():
            if related not in known_slugs:
                problems.append(f"{entry.get('slug')}: related slug {related!r} does not exist")
            elif related == entry.get("slug"):
                problems.append(f"{related}: a service cannot be related to itself")
        slug = entry.get("slug")
        icon = icons.get(slug) if isinstance(slug, str) else None
        if icon is None or not (icons_dir / str(icon.get("file"))).is_file():
            problems.append(f"{slug}: no icon file (run scripts/build_icons.py)")
    problems.extend(notice_problems(icons, [s for s in known_slugs if isinstance(s, str)]))
    problems.extend(search_term_problems(valid, search_terms() if terms is None else terms))
    problems.extend(
        household_name_problems(known_slugs, household_names() if household is None else household)
    )
    return problems


def load_services(data_dir: Path = DATA_DIR, icons_dir: Path = ICONS_DIR) -> list[Service]:
    """The validated catalog from the data files; raises CatalogError listing every problem."""
    entries = read_entries(data_dir)
    icons = read_icons(data_dir)
    problems = find_problems(entries, icons, icons_dir)
    if problems:
        raise CatalogError(problems)
    return [
        Service(
            slug=entry["slug"],
            name=entry["name"],
            category=entry["category"],
            url=entry["url"],
            description=" ".join(entry["description"].split()),
            popularity=entry["popularity"],
            owner=entry.get("owner"),
            aliases=tuple(entry.get("aliases") or ()),
            countries=tuple(entry.get("countries") or ()),
            related=tuple(entry.get("related") or ()),
            status_page=entry.get("status_page"),
            statuspage_io=bool(entry.get("statuspage_io")),
            icon=str(icons[entry["slug"]]["file"]),
        )
        for entry in entries
    ]


# The C loader is about ten times faster on 1,400 entries; fall back where libyaml is missing.
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
