"""The Store's part for official status pages: sources to poll and the statements read."""

from __future__ import annotations

from typing import Protocol


class OfficialStore(Protocol):
    """Official status sources (Statuspage, RSS/Atom) and their statements."""
