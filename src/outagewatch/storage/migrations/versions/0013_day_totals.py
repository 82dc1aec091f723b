"""Counted reports per service and UTC day, kept for years: hourly totals older than what
detection and the pages read (five weeks by default) are folded into these by retention,
so a year of data no longer grows by the hour.

WITHOUT ROWID on SQLite: the primary key is the table, so a row costs about 12 bytes in one
b-tree instead of a rowid table beside its key index (hour_totals costs about 48 bytes a row
with its hour index).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_totals",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_day_totals_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", "day", name=op.f("pk_day_totals")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    # Days folded from hours are lost with the table; the hours they came from are gone.
    op.drop_table("day_totals")
