"""Report charts drawn on the server: bars of reports, a line for the usual level.

Drawn on the server so they work without JavaScript and cost the browser nothing. The bars
are an SVG stretched to the box; the axis labels are HTML around it, so they keep the page's
font size on a phone instead of shrinking with the drawing (they were 9 px tall at 390 px).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from outagewatch.status.recent import HourSoFar, SlotPoint
from outagewatch.status.summary import HourPoint

WIDTH = 720  # drawing units; the SVG is stretched to its box
HEIGHT = 180
GRID_LINES = 4
LABEL_EVERY = 3  # slots per axis label: every 3 hours, every 15 minutes


@dataclass(frozen=True, slots=True)
class Bar:
    start: datetime
    reports: int
    usual: float | None
    label: str  # the bar's tooltip
    partial: bool = False
    projected: int | None = None  # where a partial bar is heading


def _nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above value, so axis labels are round numbers."""
    ceiling = 1
    while True:
        for step in (1, 2, 5):
            if step * ceiling >= value:
                return step * ceiling
        ceiling *= 10


def hourly_chart(
    points: Sequence[HourPoint], *, title: str, hour_so_far: HourSoFar | None = None
) -> str:
    """The last 24 hours; the hour still filling is drawn as "so far" plus where it is heading,
    so a rise in progress never reads as a drop against a full hour's usual level."""
    bars = []
    for index, point in enumerate(points):
        current = hour_so_far is not None and index == len(points) - 1
        label = f"{point.start:%H:%M} UTC: {point.reports} reports"
        projected = None
        if current and hour_so_far is not None:
            projected = max(hour_so_far.projected, point.reports)
            label = (
                f"{point.start:%H:%M} UTC, so far: {point.reports} reports; "
                f"at the rate of the last 15 minutes, about {projected} by the end of the hour"
            )
        bars.append(
            Bar(point.start, point.reports, point.usual, label, current, projected=projected)
        )
    return _chart(bars, title=title, axis_label=lambda bar: f"{bar.start:%H}h")


def recent_chart(slots: Sequence[SlotPoint], *, usual_per_slot: float | None, title: str) -> str:
    """The last 60 minutes in five-minute slots, against the usual level per five minutes."""
    bars = [
        Bar(
            slot.start,
            slot.reports,
            usual_per_slot,
            f"{slot.start:%H:%M} UTC{' (so far)' if slot.filling else ''}: {slot.reports} reports",
            partial=slot.filling,
        )
        for slot in slots
    ]
    return _chart(bars, title=title, axis_label=lambda bar: f"{bar.start:%H:%M}")


def _chart(bars: Sequence[Bar], *, title: str, axis_label: Callable[[Bar], str]) -> str:
    peak = max(
        [bar.reports for bar in bars]
        + [bar.projected or 0 for bar in bars]
        + [bar.usual or 0 for bar in bars]
        + [1]
    )
    top = GRID_LINES * _nice_ceiling(peak / GRID_LINES)  # every grid line a round number
    slot = WIDTH / max(len(bars), 1)

    def y_of(value: float) -> float:
        return HEIGHT * (1 - value / top)

    svg = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="none">',
    ]
    for line in range(GRID_LINES + 1):
        y = y_of(top * line / GRID_LINES)
        svg.append(f'<line class="grid" x1="0" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>')
    for index, bar in enumerate(bars):
        x = index * slot + 2
        if bar.projected is not None and bar.projected > bar.reports:
            svg.append(
                f'<rect class="projected" x="{x:.1f}" y="{y_of(bar.projected):.1f}" '
                f'width="{slot - 4:.1f}" height="{y_of(bar.reports) - y_of(bar.projected):.1f}">'
                f"<title>{escape(bar.label)}</title></rect>"
            )
        css = "bar partial" if bar.partial else "bar"
        svg.append(
            f'<rect class="{css}" x="{x:.1f}" y="{y_of(bar.reports):.1f}" '
            f'width="{slot - 4:.1f}" height="{HEIGHT - y_of(bar.reports):.1f}">'
            f"<title>{escape(bar.label)}</title></rect>"
        )
    usual_points = [
        f"{(index + 0.5) * slot:.1f},{y_of(bar.usual):.1f}"
        for index, bar in enumerate(bars)
        if bar.usual is not None
    ]
    if len(usual_points) > 1:
        svg.append(f'<polyline class="usual" points="{" ".join(usual_points)}"/>')
    svg.append("</svg>")
    y_labels = "".join(
        f"<span>{top * line / GRID_LINES:g}</span>" for line in reversed(range(GRID_LINES + 1))
    )
    x_labels = "".join(f"<span>{escape(axis_label(bar))}</span>" for bar in bars[::LABEL_EVERY])
    groups = (len(bars) + LABEL_EVERY - 1) // LABEL_EVERY
    return (
        f'<div class="chart-frame">'
        f'<div class="chart-y" aria-hidden="true">{y_labels}</div>'
        f'<div class="chart-plot">{"".join(svg)}</div>'
        f'<div class="chart-x chart-x-{groups}" aria-hidden="true">{x_labels}</div>'
        f"</div>"
    )
