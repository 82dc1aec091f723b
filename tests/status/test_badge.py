"""The SVG status badge as a pure function."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from outagewatch.status.badge import STATUS_COLOURS, render_badge, text_width

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_a_badge_is_well_formed_svg_with_both_texts_and_a_title() -> None:
    badge = _parse(render_badge("Discord", "Major outage", STATUS_COLOURS["major"]))

    assert badge.tag == f"{SVG}svg"
    assert badge.get("role") == "img"
    assert badge.get("aria-label") == "Discord: Major outage"
    assert badge.findtext(f"{SVG}title") == "Discord: Major outage"
    texts = [text.text for text in badge.iter(f"{SVG}text")]
    assert texts == ["Discord", "Discord", "Major outage", "Major outage"]  # shadow, then text


def test_the_message_box_has_the_given_colour_and_the_label_box_is_grey() -> None:
    badge = _parse(render_badge("Discord", "No issues", "#0b7a44"))

    fills = [rect.get("fill") for rect in badge.iter(f"{SVG}rect")]

    assert fills == ["#0b7a44", "#555", "#555"]


def test_names_with_markup_characters_are_escaped() -> None:
    svg = render_badge('AT&T <"Mobile">', "Possible problems", STATUS_COLOURS["possible"])

    badge = _parse(svg)

    assert "AT&T" not in svg
    assert badge.findtext(f"{SVG}title") == 'AT&T <"Mobile">: Possible problems'
    assert badge.get("aria-label") == 'AT&T <"Mobile">: Possible problems'
    assert next(badge.iter(f"{SVG}text")).text == 'AT&T <"Mobile">'


def test_the_badge_is_as_wide_as_its_two_texts_and_their_padding() -> None:
    badge = _parse(render_badge("Discord", "No issues", "#0b7a44"))

    boxes = [int(rect.get("width", "0")) for rect in badge.iter(f"{SVG}rect")]

    assert int(badge.get("width", "0")) == boxes[0]
    assert boxes[1] == round(text_width("Discord")) + 12
    assert boxes[0] == boxes[1] + round(text_width("No issues")) + 12


def test_text_width_follows_the_letters() -> None:
    assert text_width("iii") < text_width("mmm")
    assert text_width("Mobile") == text_width("Möbile")  # an accent does not widen a letter
    assert text_width("銀行") == 22  # a CJK ideograph fills the 11-pixel em
    assert text_width("") == 0


def test_each_status_colour_is_dark_enough_for_white_text() -> None:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    contrasts = {word: 1.05 / (luminance(colour) + 0.05) for word, colour in STATUS_COLOURS.items()}

    assert all(contrast >= 4.5 for contrast in contrasts.values()), contrasts
