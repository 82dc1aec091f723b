"""Protection for the forms of pages: same-origin checks instead of CSRF tokens, and bounded
form parsing. The headers every response carries are in outagewatch.http.security."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from starlette.exceptions import HTTPException


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, the port filled in from the scheme; None if unusable."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if default is None or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port or default


def same_origin(headers: Mapping[str, str], *, public_url: str) -> bool:
    """CSRF protection for forms without a token: the browser says where the form came from.

    Browsers send Origin with every POST (and Sec-Fetch-Site where supported); we accept the
    request only when that origin is this site's PUBLIC_URL: scheme, host and port. The Host
    header is not asked: whoever sends the request chooses it. Tokens would need a cookie per
    visitor and make pages uncacheable; this does not.
    """
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    claimed = headers.get("origin") or headers.get("referer")
    if not claimed or claimed == "null":
        return False
    ours = origin_of(public_url)
    return ours is not None and origin_of(claimed) == ours


def parse_form(body: bytes, *, max_fields: int) -> dict[str, list[str]]:
    """An urlencoded form; a 400 (not a crash) when it has more than `max_fields` fields."""
    try:
        return parse_qs(body.decode("utf-8", "replace"), max_num_fields=max_fields)
    except ValueError:
        raise HTTPException(400, f"The form has more than {max_fields} fields.") from None
