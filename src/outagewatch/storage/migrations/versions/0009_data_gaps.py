"""Periods in which reports could not be received (the database or the intake away).

Detection reads them so that missing minutes are not taken for calm ones: a service keeps
its status, marked stale, instead of flipping to "No issues" because nothing arrived.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_gaps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_gaps")),
    )
    with op.batch_alter_table("data_gaps") as batch:
        batch.create_index(batch.f("ix_data_gaps_ended_at"), ["ended_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_gaps") as batch:
        batch.drop_index(batch.f("ix_data_gaps_ended_at"))
    op.drop_table("data_gaps")
