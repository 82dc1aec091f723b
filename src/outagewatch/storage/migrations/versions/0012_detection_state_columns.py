"""A service's detection state as typed columns beside its status, not keys in its evidence.

The counters the state machine carries from one tick to the next (how long the problem has
been calm, major evidence absent, opening evidence pending; whether the status is held for
lack of data, or came down from a major outage) and when the tick last judged the service.
Existing rows keep their evidence; their counters start from zero, as after a restart.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FLOATS = ("calm_minutes", "quiet_major_minutes", "pending_minutes")
FLAGS = ("stale", "stepped_down")


def upgrade() -> None:
    with op.batch_alter_table("service_status") as batch:
        for name in FLOATS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=False, server_default="0"))
        for name in FLAGS:
            batch.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            )
        batch.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_status") as batch:
        for name in (*FLOATS, *FLAGS, "checked_at"):
            batch.drop_column(name)
