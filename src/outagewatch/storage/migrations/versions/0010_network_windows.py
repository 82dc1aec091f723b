"""How many distinct reporters each network has sent per service in the current window: a
network's weight has diminishing returns, so rotating User-Agents cannot multiply it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_windows",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("network_key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("reporters", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_network_windows_service_id_services")
        ),
        sa.PrimaryKeyConstraint(
            "service_id", "network_key", "window_start", name=op.f("pk_network_windows")
        ),
    )
    with op.batch_alter_table("network_windows") as batch:
        batch.create_index(
            batch.f("ix_network_windows_window_start"), ["window_start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("network_windows") as batch:
        batch.drop_index(batch.f("ix_network_windows_window_start"))
    op.drop_table("network_windows")
