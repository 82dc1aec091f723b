"""The migrations build exactly the schema the code declares, on every engine."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from outagewatch.storage.schema import metadata
from outagewatch.storage.sql import SqlStore


def test_migrated_database_matches_the_declared_tables(store: SqlStore) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})

        differences = compare_metadata(context, metadata)

    assert differences == []
