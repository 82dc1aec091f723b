"""Counted reports per service and hour, kept beside the per-minute counts: learning the
usual level reads weeks of history every hour, and the open-data export a day of it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hour_totals",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_hour_totals_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", "hour", name=op.f("pk_hour_totals")),
    )
    with op.batch_alter_table("hour_totals") as batch:
        batch.create_index(batch.f("ix_hour_totals_hour"), ["hour"], unique=False)
    # The history so far; integer division on both engines.
    op.execute(
        "INSERT INTO hour_totals (service_id, hour, reports) "
        "SELECT service_id, minute / 60, SUM(reports) FROM minute_totals "
        "GROUP BY service_id, minute / 60"
    )


def downgrade() -> None:
    with op.batch_alter_table("hour_totals") as batch:
        batch.drop_index(batch.f("ix_hour_totals_hour"))
    op.drop_table("hour_totals")
