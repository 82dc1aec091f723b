"""Official sources: a feed found on an HTML status page, and the "page" kind for pages
that offer none.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("official_sources") as batch:
        batch.add_column(sa.Column("feed_url", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("official_sources") as batch:
        batch.drop_column("feed_url")
