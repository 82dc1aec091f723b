"""The three statuses a service can have, and how people read them."""

from __future__ import annotations

from typing import Literal

StatusWord = Literal["ok", "possible", "major"]

STATUS_LABELS: dict[str, str] = {
    "ok": "No issues",
    "possible": "Possible problems",
    "major": "Major outage",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, "Unknown")
