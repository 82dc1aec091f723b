"""Where reports come from, as an inline SVG world map: a shade per country with reports.

Drawn on the server so it works without JavaScript. The outlines come pre-projected from
``data/world-110m.json`` (built by ``scripts/build_world_map.py`` from Natural Earth), so this
module only picks a shade per country. Shades are CSS classes, ``map-0`` (no reports) to
``map-5``, so the stylesheet can theme them for light and dark mode without inline styles.

The outlines are 93 KB, two thirds of a service page during an outage, and the same on every
page: they are served once as an SVG file of their own (``outline_sprite``), cached by the
browser for good under a versioned URL, and the page refers to them with ``<use>``: the
whole world in the base shade, then one shaded ``<use>`` per country with reports.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources

from outagewatch.web import presenters

MAP_DATA_FILE = "world-110m.json"
SHADES = 5  # classes map-1 .. map-5 for countries with reports; map-0 for none
DESCRIBED_COUNTRIES = 5  # how many leading countries the screen-reader description names
SPRITE_PATH = "/map/world-110m.svg"
WORLD_ID = "world"  # the group of every outline in the sprite


@dataclass(frozen=True, slots=True)
class WorldOutlines:
    view_box: str
    source: str
    paths: Mapping[str, str]  # country code -> SVG path data
    names: Mapping[str, str]  # names for the few codes outside ISO 3166 (Kosovo)


@cache
def world_outlines() -> WorldOutlines:
    text = resources.files("outagewatch.web").joinpath("data", MAP_DATA_FILE).read_text("utf-8")
    data = json.loads(text)
    return WorldOutlines(
        view_box=data["viewBox"],
        source=data["source"],
        paths=data["countries"],
        names=data.get("names", {}),
    )


def _outline_id(code: str) -> str:
    return f"c-{code}"


@cache
def outline_sprite() -> bytes:
    """Every country's outline, each with an id for ``<use>``, grouped as ``#world``. No
    fill: the ``<use>`` that shows an outline gives it its shade (fill is inherited)."""
    outlines = world_outlines()
    paths = "".join(
        f'<path id="{escape(_outline_id(code))}" d="{escape(path_data)}"/>'
        for code, path_data in outlines.paths.items()
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{outlines.view_box}">'
        f"<desc>{escape(outlines.source)}</desc>"
        f'<g id="{WORLD_ID}">{paths}</g></svg>'
    ).encode()


@cache
def outline_sprite_gzipped() -> bytes:
    return gzip.compress(outline_sprite(), compresslevel=9, mtime=0)  # 93 KB -> about 35 KB


@cache
def sprite_url() -> str:
    """The sprite's address, versioned by its content so browsers may keep it for good."""
    version = hashlib.blake2b(outline_sprite(), digest_size=6).hexdigest()
    return f"{SPRITE_PATH}?v={version}"


def shade(reports: int, *, leading_reports: int) -> int:
    """A linear scale where each shade is a fifth of the leading country's count.

    Linear rather than logarithmic so that equal steps in colour mean equal steps in share:
    a country with a tenth of the leader's reports looks faint, which is the truth. The
    ranked list beside the map gives the exact figures.
    """
    if reports <= 0 or leading_reports <= 0:
        return 0
    return max(1, -(-reports * SHADES // leading_reports))  # ceiling division


def reports_phrase(reports: int) -> str:
    return f"{presenters.thousands(reports)} report{'' if reports == 1 else 's'}"


def describe(
    counts: Mapping[str, int], *, label_of: Callable[[str], str], total_reports: int
) -> str:
    """The map in a sentence, for people who cannot see it."""
    ranked = sorted(
        ((code, reports) for code, reports in counts.items() if reports > 0),
        key=lambda item: (-item[1], item[0]),
    )
    if not ranked:
        return "No reports with a known country."
    leading = ", ".join(
        f"{label_of(code)} {reports_phrase(reports)} "
        f"({presenters.percent(reports / total_reports)})"
        for code, reports in ranked[:DESCRIBED_COUNTRIES]
    )
    others = len(ranked) - DESCRIBED_COUNTRIES
    rest = f"; {others} more {'country' if others == 1 else 'countries'}" if others > 0 else ""
    return f"Most reports from {leading}{rest}."


def render_world_map(
    counts: Mapping[str, int], *, title: str, country_name: Callable[[str], str]
) -> str:
    """The map as SVG markup: ``counts`` maps ISO 3166-1 alpha-2 codes to reports.

    Countries too small for the 1:110m outlines (Singapore, Malta ...) are not drawn but are
    still named in the description.
    """
    outlines = world_outlines()

    def label_of(code: str) -> str:
        return outlines.names.get(code) or country_name(code)

    leading_reports = max(counts.values(), default=0)
    total_reports = sum(reports for reports in counts.values() if reports > 0)
    parts = [
        f'<svg class="world-map" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{outlines.view_box}" role="img" '
        f'aria-labelledby="world-map-title world-map-desc">',
        f'<title id="world-map-title">{escape(title)}</title>',
        f'<desc id="world-map-desc">'
        f"{escape(describe(counts, label_of=label_of, total_reports=total_reports))}</desc>",
    ]
    sprite = escape(sprite_url())
    parts.append(f'<use class="map-0" href="{sprite}#{WORLD_ID}"/>')
    shaded = sorted(
        (code for code, reports in counts.items() if reports > 0 and code in outlines.paths),
        key=lambda code: (-counts[code], code),
    )
    for code in shaded:
        reports = counts[code]
        shade_class = f"map-{shade(reports, leading_reports=leading_reports)}"
        hover = f"{label_of(code)}: {reports_phrase(reports)}"
        parts.append(
            f'<use class="{shade_class}" data-country="{escape(code)}" '
            f'href="{sprite}#{escape(_outline_id(code))}"><title>{escape(hover)}</title></use>'
        )
    parts.append("</svg>")
    return "".join(parts)
