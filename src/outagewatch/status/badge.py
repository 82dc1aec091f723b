"""A shields-style flat status badge as SVG text: "<label> | <message>" in two boxes.

Hand-written rather than from a badge library: the ones on PyPI bring `requests` and more
into the server for logo embedding we do not use, and a two-box badge is a few lines of SVG.
"""

from __future__ import annotations

import unicodedata
from html import escape

# The site's own status colours (app.css, light theme): dark enough for white text (WCAG AA).
STATUS_COLOURS = {"ok": "#0b7a44", "possible": "#8a5a00", "major": "#b3261e"}
LABEL_COLOUR = "#555"

HEIGHT_PX = 20
PADDING_PX = 6  # each side of a text
CORNER_RADIUS_PX = 3
FONT_SIZE_PX = 11
FONT_FAMILY = "DejaVu Sans,Verdana,Geneva,sans-serif"

# Advance widths of DejaVu Sans at 11 px, in tenths of a pixel, for ASCII 32 (space) to 126
# (~), read from DejaVuSans.ttf's hmtx table. The badge is laid out with these; each text
# also carries textLength, so a viewer with another font still fits the text to its box.
_ASCII_TENTHS = (
    "35 44 51 92 70 105 86 30 43 43 55 92 35 40 35 37 70 70 70 70 70 70 70 70 70 70 37 37 92 "
    "92 92 58 110 75 75 77 85 70 63 85 83 32 32 72 61 95 82 87 66 87 76 70 67 81 75 109 75 67 "
    "75 43 37 43 92 55 55 67 70 60 70 68 39 70 70 31 31 64 31 107 70 67 70 70 45 57 43 70 65 "
    "90 65 65 58 70 37 70 92"
)
_ASCII_WIDTHS_PX = {
    chr(32 + index): int(tenths) / 10 for index, tenths in enumerate(_ASCII_TENTHS.split())
}
_WIDE_PX = float(FONT_SIZE_PX)  # a CJK ideograph fills the em square
_OTHER_PX = 7.0  # a digit's width: a middling guess for scripts the table does not cover


def text_width(text: str) -> float:
    """Estimated width in pixels of `text` set in DejaVu Sans (or Verdana) at 11 px."""
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> float:
    if char in _ASCII_WIDTHS_PX:
        return _ASCII_WIDTHS_PX[char]
    base = unicodedata.normalize("NFKD", char)[:1]  # "é" is about as wide as "e"
    if base in _ASCII_WIDTHS_PX:
        return _ASCII_WIDTHS_PX[base]
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return _WIDE_PX
    return 0.0 if unicodedata.combining(char) else _OTHER_PX


def render_badge(label: str, message: str, colour: str) -> str:
    """A 20-pixel-high badge: `label` on grey, `message` on `colour` (any SVG colour)."""
    label_text = round(text_width(label))
    message_text = round(text_width(message))
    label_box = label_text + 2 * PADDING_PX
    message_box = message_text + 2 * PADDING_PX
    width = label_box + message_box
    title = escape(f"{label}: {message}")
    fill = escape(colour)
    # No ids (gradients, clip paths): two badges inlined in one page cannot clash.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT_PX}" '
        f'viewBox="0 0 {width} {HEIGHT_PX}" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<rect width="{width}" height="{HEIGHT_PX}" rx="{CORNER_RADIUS_PX}" fill="{fill}"/>'
        f'<rect width="{label_box}" height="{HEIGHT_PX}" rx="{CORNER_RADIUS_PX}" '
        f'fill="{LABEL_COLOUR}"/>'
        # Squares the grey box's right corners where it meets the coloured one.
        f'<rect x="{label_box - CORNER_RADIUS_PX}" width="{CORNER_RADIUS_PX}" '
        f'height="{HEIGHT_PX}" fill="{LABEL_COLOUR}"/>'
        f'<g fill="#fff" text-anchor="middle" font-family="{FONT_FAMILY}" '
        f'font-size="{FONT_SIZE_PX}" aria-hidden="true">'
        f"{_shadowed_text(label, centre=label_box / 2, length=label_text)}"
        f"{_shadowed_text(message, centre=label_box + message_box / 2, length=message_text)}"
        "</g></svg>"
    )


def _shadowed_text(text: str, *, centre: float, length: int) -> str:
    """The text over a faint copy one pixel lower, as shields.io draws it for legibility."""
    content = escape(text)
    return (
        f'<text x="{centre:g}" y="15" fill="#010101" fill-opacity=".3" '
        f'textLength="{length}">{content}</text>'
        f'<text x="{centre:g}" y="14" textLength="{length}">{content}</text>'
    )
