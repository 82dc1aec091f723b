"""Country names and flags from ISO 3166-1 alpha-2 codes (pycountry's data, no network)."""

from __future__ import annotations

from functools import cache

import pycountry

REGIONAL_INDICATOR_A = 0x1F1E6


@cache
def country_name(alpha_2: str) -> str:
    country = pycountry.countries.get(alpha_2=alpha_2)
    if country is None:
        return alpha_2
    return str(getattr(country, "common_name", None) or country.name)


def is_country_code(alpha_2: str) -> bool:
    return len(alpha_2) == 2 and pycountry.countries.get(alpha_2=alpha_2.upper()) is not None


def country_flag(alpha_2: str) -> str:
    """The flag emoji: two regional-indicator letters, drawn by the reader's own fonts."""
    if len(alpha_2) != 2 or not alpha_2.isascii() or not alpha_2.isalpha():
        return ""
    return "".join(chr(REGIONAL_INDICATOR_A + ord(c) - ord("A")) for c in alpha_2.upper())
