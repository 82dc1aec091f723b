"""Catalog use cases: load the curated file into storage, read it back as an index."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from outagewatch.basics.services import Service
from outagewatch.catalog import data_file
from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.search import CatalogIndex
from outagewatch.storage.records import CatalogSync
from outagewatch.storage.records_operators import ServiceOverride
from outagewatch.storage.seams import CatalogIndexStore, CatalogLoadStore


def load_into_store(store: CatalogLoadStore, *, now: datetime) -> CatalogSync:
    """Validate the data file and upsert it; the first load also starts the report history."""
    services = data_file.load_services()
    with store.transaction():
        result = store.sync_catalog(CATEGORIES, services)
        store.mark_history_started(now)
    return result


# Operator edits that may replace a catalog field (see operators.actions.EDITABLE_FIELDS).
EDITABLE = frozenset({"name", "description", "url", "status_page"})


def read_index(store: CatalogIndexStore) -> CatalogIndex:
    """The catalog as served: the curated file's entries with operators' edits over them."""
    return _index(store.list_services(), store.overrides())


def _index(services: list[Service], overrides: dict[int, ServiceOverride]) -> CatalogIndex:
    return CatalogIndex(
        [
            replace(
                service, **{k: v for k, v in overrides[service.id].fields.items() if k in EDITABLE}
            )
            if service.id in overrides
            else service
            for service in services
        ]
    )


class CatalogFollower:
    """A process's catalog, kept in step with operators' edits made by any process (another
    web node, a worker, the CLI). Checking means reading the overrides, a table of a few rows;
    the whole catalog is read again only when they changed."""

    def __init__(self, store: CatalogIndexStore) -> None:
        self._store = store
        self._overrides = store.overrides()
        self.index = _index(store.list_services(), self._overrides)

    def refresh(self) -> bool:
        """Read the catalog again if an edit was made since; whether it was."""
        overrides = self._store.overrides()
        if overrides == self._overrides:
            return False
        self.index = _index(self._store.list_services(), overrides)
        self._overrides = overrides
        return True
