"""What request handlers need, assembled once by create_app()."""

from __future__ import annotations

from dataclasses import dataclass

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import Clock
from outagewatch.config import Settings
from outagewatch.storage.protocol import Store


@dataclass(slots=True)
class AppContext:
    settings: Settings
    store: Store
    clock: Clock
    catalog: CatalogIndex
