"""Number formats for people."""

from __future__ import annotations


def thousands(value: int) -> str:
    return f"{value:,}"


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"
