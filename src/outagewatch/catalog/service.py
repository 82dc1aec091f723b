"""Catalog use cases: load the curated file into storage, read it back as an index."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from outagewatch.catalog import data_file
from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.search import CatalogIndex
from outagewatch.storage.protocol import Store
from outagewatch.storage.records import CatalogSync


def load_into_store(store: Store, *, now: datetime) -> CatalogSync:
    """Validate the data file and upsert it; the first load also starts the report history."""
    services = data_file.load_services()
    with store.transaction():
        result = store.sync_catalog(CATEGORIES, services)
        store.mark_history_started(now)
    return result


# Operator edits that may replace a catalog field (see operators.actions.EDITABLE_FIELDS).
EDITABLE = frozenset({"name", "description", "url", "status_page"})


def read_index(store: Store) -> CatalogIndex:
    """The catalog as served: the curated file's entries with operators' edits over them."""
    overrides = store.overrides()
    services = [
        replace(service, **{k: v for k, v in overrides[service.id].fields.items() if k in EDITABLE})
        if service.id in overrides
        else service
        for service in store.list_services()
    ]
    return CatalogIndex(services)
