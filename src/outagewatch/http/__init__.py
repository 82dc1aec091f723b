"""What both HTTP faces, `api/` and `web/`, share: security headers and the session cookie's
name, content negotiation, and the request -> context -> service lookup with its 404.

The faces are siblings that never import each other; anything both need lives here (or, when
it is not about HTTP at all, in the domain it belongs to, as the badge does in `status/`).
"""
