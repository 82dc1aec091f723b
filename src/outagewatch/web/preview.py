"""Share previews: a 1200x630 PNG per service and per incident, drawn as SVG by our own
code and rasterised by resvg (resvg-py: a Rust wheel, no system library, no browser).

The fonts come with the package (web/fonts, DejaVu Sans cut to the scripts names use), so
the image is the same on a machine without any fonts installed.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape  # writes, parses no XML  # nosec B406

import resvg_py

WIDTH, HEIGHT = 1200, 630
FONTS_DIR = Path(__file__).parent / "fonts"
FONT_FILES = [str(FONTS_DIR / "DejaVuSans.ttf"), str(FONTS_DIR / "DejaVuSans-Bold.ttf")]
ICONS_DIR = Path(__file__).parent / "static" / "icons"
# The page's light theme (static/app.css), so the card looks like the page it links to.
COLOURS = {"ok": "#0b7a44", "possible": "#8a5a00", "major": "#b3261e", "resolved": "#0b7a44"}
BACKGROUNDS = {"ok": "#e3f5eb", "possible": "#fff1d6", "major": "#fde4e1", "resolved": "#e3f5eb"}
BAR, USUAL, INK, MUTED = "#4c6ef5", "#e8590c", "#1d2430", "#5b6472"
CHART_LEFT, CHART_TOP, CHART_WIDTH, CHART_HEIGHT = 80, 330, 1040, 220


@dataclass(frozen=True, slots=True)
class Card:
    name: str
    icon: str  # file name in static/icons
    status: str  # ok | possible | major | resolved
    status_label: str
    headline: str  # "1,204 reports in the last hour"
    bars: Sequence[int]  # reports per hour, oldest first
    usual: Sequence[float | None]  # the usual level for those hours
    chart_label: str  # "Reports per hour, last 24 hours"
    site_name: str


def _icon(icon: str) -> str:
    path = ICONS_DIR / icon
    if not icon or not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<image x="80" y="70" width="120" height="120" href="data:image/svg+xml;base64,{data}"/>'
    )


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _chart(card: Card) -> str:
    count = max(len(card.bars), 1)
    top = max([*card.bars, *(u for u in card.usual if u is not None), 1])
    step = CHART_WIDTH / count
    bottom = CHART_TOP + CHART_HEIGHT
    parts = [
        f'<rect x="{CHART_LEFT + i * step + 3:.1f}" y="{bottom - n / top * CHART_HEIGHT:.1f}" '
        f'width="{step - 6:.1f}" height="{n / top * CHART_HEIGHT:.1f}" fill="{BAR}"/>'
        for i, n in enumerate(card.bars)
    ]
    points = [
        f"{CHART_LEFT + (i + 0.5) * step:.1f},{bottom - u / top * CHART_HEIGHT:.1f}"
        for i, u in enumerate(card.usual)
        if u is not None
    ]
    if len(points) > 1:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{USUAL}" '
            'stroke-width="5" stroke-dasharray="14 8"/>'
        )
    parts.append(
        f'<line x1="{CHART_LEFT}" y1="{bottom}" x2="{CHART_LEFT + CHART_WIDTH}" y2="{bottom}" '
        f'stroke="{MUTED}" stroke-width="2"/>'
    )
    return "".join(parts)


def card_svg(card: Card) -> str:
    colour = COLOURS.get(card.status, COLOURS["ok"])
    background = BACKGROUNDS.get(card.status, BACKGROUNDS["ok"])
    text = 'font-family="DejaVu Sans"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        f'<rect width="{WIDTH}" height="16" fill="{colour}"/>'
        f"{_icon(card.icon)}"
        f'<text x="230" y="130" {text} font-size="64" font-weight="bold" fill="{INK}">'
        f"{escape(_fit(card.name, 26))}</text>"
        f'<rect x="230" y="152" width="{36 + 27 * len(card.status_label)}" height="56" rx="28" '
        f'fill="{background}"/>'
        f'<text x="248" y="191" {text} font-size="34" font-weight="bold" fill="{colour}">'
        f"{escape(card.status_label)}</text>"
        f'<text x="80" y="268" {text} font-size="40" fill="{INK}">'
        f"{escape(_fit(card.headline, 48))}</text>"
        f'<text x="80" y="315" {text} font-size="24" fill="{MUTED}">'
        f"{escape(card.chart_label)}</text>"
        f"{_chart(card)}"
        f'<text x="{WIDTH - 80}" y="600" text-anchor="end" {text} font-size="26" '
        f'font-weight="bold" fill="{MUTED}">{escape(card.site_name)}</text>'
        "</svg>"
    )


def render_png(card: Card) -> bytes:
    """About 20-60 ms of CPU: callers cache the result (web/share.py)."""
    return bytes(
        resvg_py.svg_to_bytes(
            svg_string=card_svg(card),
            skip_system_fonts=True,
            font_files=FONT_FILES,
            font_family="DejaVu Sans",
            width=WIDTH,
            height=HEIGHT,
        )
    )
