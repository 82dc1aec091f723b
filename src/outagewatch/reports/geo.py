"""Country of a reporter's address, behind a small interface so the data source can change."""

from __future__ import annotations

from typing import Protocol

import iptocc


class CountryResolver(Protocol):
    def country_of(self, address: str) -> str | None:
        """ISO 3166-1 alpha-2 of the address's registered country, or None if unknown."""
        ...


class RegistryCountries:
    """Regional internet registry data shipped inside the iptocc wheel (no network, no key).

    It gives the country where an address block is registered, which for mobile carriers
    and VPNs can differ from where the person is; reporters can override it.
    """

    def country_of(self, address: str) -> str | None:
        try:
            code = iptocc.country_code(address)
        except ValueError:
            return None
        return code.upper() if isinstance(code, str) and len(code) == 2 else None
