"""The migrations build exactly the schema the code declares, on every engine."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, text

from outagewatch.storage import migrate, schema
from outagewatch.storage.schema import metadata
from outagewatch.storage.sql import SqlStore, make_engine


def test_migrated_database_matches_the_declared_tables(store: SqlStore) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})

        differences = compare_metadata(context, metadata)

    assert differences == []


def test_the_hourly_rollup_starts_from_the_minutes_already_counted(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0007")
    with engine.begin() as connection:
        connection.execute(
            insert(schema.categories).values(slug="social", name="Social", position=1)
        )
        connection.execute(
            text(
                "INSERT INTO services (id, slug, name, category, url, description, popularity,"
                " aliases, countries, related, statuspage_io, icon) VALUES (1, 'chat', 'Chat',"
                " 'social', 'https://chat.example', '', 1, '[]', '[]', '[]', 0, 'chat.svg')"
            )
        )
        for minute, reports in [(60 * 100, 3), (60 * 100 + 59, 4), (60 * 101 + 1, 5)]:
            connection.execute(
                insert(schema.minute_totals).values(service_id=1, minute=minute, reports=reports)
            )

    migrate.upgrade(engine)

    with engine.connect() as connection:
        rows = connection.execute(
            select(schema.hour_totals.c.hour, schema.hour_totals.c.reports).order_by("hour")
        ).all()
    assert [tuple(row) for row in rows] == [(100, 7), (101, 5)]
