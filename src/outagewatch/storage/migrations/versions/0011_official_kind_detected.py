"""Official sources find their own kind: pages that were read as feeds or kept as links
because the catalog did not flag them as Statuspage are looked at afresh ("unknown"), so
their next check asks for a Statuspage summary first.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_SOURCES = sa.table(
    "official_sources",
    sa.column("kind", sa.String),
    sa.column("feed_url", sa.String),
    sa.column("etag", sa.String),
    sa.column("last_modified", sa.String),
)


def upgrade() -> None:
    op.execute(
        _SOURCES.update()
        .where(_SOURCES.c.kind.in_(["feed", "page"]))
        .values(kind="unknown", feed_url=None, etag=None, last_modified=None)
    )


def downgrade() -> None:
    # Before 0011 a page not flagged as Statuspage was a "feed" source until read.
    op.execute(_SOURCES.update().where(_SOURCES.c.kind == "unknown").values(kind="feed"))
