"""The 24-hour chart as inline SVG: bars of reports per hour, a line for the usual level.

Drawn on the server so it works without JavaScript and costs the browser nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from outagewatch.reports.summary import HourPoint

WIDTH = 720
HEIGHT = 200
MARGIN_LEFT = 36
MARGIN_BOTTOM = 22
MARGIN_TOP = 10
GRID_LINES = 4


def _nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above value, so axis labels are round numbers."""
    ceiling = 1
    while True:
        for step in (1, 2, 5):
            if step * ceiling >= value:
                return step * ceiling
        ceiling *= 10


def hourly_chart(points: Sequence[HourPoint], *, title: str) -> str:
    peak = max([p.reports for p in points] + [p.usual or 0 for p in points] + [1])
    top = GRID_LINES * _nice_ceiling(peak / GRID_LINES)  # every grid line a round number
    plot_width = WIDTH - MARGIN_LEFT
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = plot_width / max(len(points), 1)

    def y_of(value: float) -> float:
        return MARGIN_TOP + plot_height * (1 - value / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" preserveAspectRatio="none">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for line in range(GRID_LINES + 1):
        value = top * line / GRID_LINES
        y = y_of(value)
        parts.append(
            f'<line class="grid" x1="{MARGIN_LEFT}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{value:g}</text>'
        )
    for index, point in enumerate(points):
        x = MARGIN_LEFT + index * slot
        bar_height = plot_height * point.reports / top
        label = f"{point.start:%H:%M} UTC: {point.reports} reports"
        parts.append(
            f'<rect class="bar" x="{x + 2:.1f}" y="{y_of(point.reports):.1f}" '
            f'width="{slot - 4:.1f}" height="{bar_height:.1f}"><title>{label}</title></rect>'
        )
        if index % 3 == 0:
            parts.append(
                f'<text class="axis" x="{x + slot / 2:.1f}" y="{HEIGHT - 6}" '
                f'text-anchor="middle">{point.start:%H}h</text>'
            )
    usual_points = [
        f"{MARGIN_LEFT + (index + 0.5) * slot:.1f},{y_of(point.usual):.1f}"
        for index, point in enumerate(points)
        if point.usual is not None
    ]
    if len(usual_points) > 1:
        parts.append(f'<polyline class="usual" points="{" ".join(usual_points)}"/>')
    parts.append("</svg>")
    return "".join(parts)
