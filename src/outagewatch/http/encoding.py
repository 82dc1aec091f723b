"""Content negotiation: whether a client takes a gzipped body."""

from __future__ import annotations

import re

REFUSED = re.compile(rb"\s*q\s*=\s*0(\.0{0,3})?\s*")  # an Accept-Encoding weight of zero


def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether gzip (or *) is listed without q=0: every browser sends 'gzip, deflate, br'."""
    for coding in accept_encoding.lower().split(b","):
        name, _, parameters = coding.partition(b";")
        if name.strip() in (b"gzip", b"*"):
            return REFUSED.fullmatch(parameters) is None
    return False
