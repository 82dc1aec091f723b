"""Collectors: programs outside OutageWatch that send social-mention counts, each with a
bearer token an operator issues (operators.actions) and the signals API checks."""

from __future__ import annotations

import secrets

MENTIONS_SCOPE = "mentions"  # what a collector's token allows: sending mention counts
TOKEN_BYTES = 32  # of randomness, shown once as URL-safe text


def new_collector_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)
