"""Alembic environment: the engine comes from the caller (see storage/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from outagewatch.storage.schema import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through outagewatch.storage.migrate.upgrade()")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=engine.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
