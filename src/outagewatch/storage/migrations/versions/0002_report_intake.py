"""Report intake: network key, why a report was not counted, reporter windows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("network_key", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("uncounted_reason", sa.String(length=16), nullable=True))
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("network_key", server_default=None)
    with op.batch_alter_table("minute_totals") as batch:
        batch.add_column(sa.Column("duplicates", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("discarded", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "reporter_windows",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("reporter_key", sa.String(length=64), nullable=False),
        sa.Column("last_counted_at", sa.BigInteger(), nullable=False),
        sa.Column("claim", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_reporter_windows_service_id_services"),
        ),
        sa.PrimaryKeyConstraint("service_id", "reporter_key", name=op.f("pk_reporter_windows")),
    )
    op.create_index(
        op.f("ix_reporter_windows_last_counted_at"), "reporter_windows", ["last_counted_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reporter_windows_last_counted_at"), table_name="reporter_windows")
    op.drop_table("reporter_windows")
    with op.batch_alter_table("minute_totals") as batch:
        batch.drop_column("discarded")
        batch.drop_column("duplicates")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("uncounted_reason")
        batch.drop_column("network_key")
