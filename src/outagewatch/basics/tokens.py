"""How bearer secrets are kept: session cookies and collector tokens are stored only as a
SHA-256 digest, so a copy of the database can neither sign anyone in nor send counts. The
secrets are long and random, so a fast unsalted hash is enough (nothing to guess)."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
