"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_categories")),
    )
    op.create_table(
        "installation",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_installation")),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("popularity", sa.SmallInteger(), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("related", sa.JSON(), nullable=False),
        sa.Column("status_page", sa.String(length=300), nullable=True),
        sa.Column("statuspage_io", sa.Boolean(), nullable=False),
        sa.Column("icon", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["category"], ["categories.slug"], name=op.f("fk_services_category_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("slug", name=op.f("uq_services_slug")),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_services_category"), ["category"], unique=False)

    op.create_table(
        "minute_breakdowns",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("problem", sa.String(length=40), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_minute_breakdowns_service_id_services")
        ),
        sa.PrimaryKeyConstraint(
            "service_id",
            "minute",
            "problem",
            "country",
            "platform",
            name=op.f("pk_minute_breakdowns"),
        ),
    )
    op.create_table(
        "minute_totals",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_minute_totals_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", "minute", name=op.f("pk_minute_totals")),
    )
    with op.batch_alter_table("minute_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_minute_totals_minute"), ["minute"], unique=False)

    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("problem", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("reporter_key", sa.String(length=64), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(length=280), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_reports_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reports_service_id_received_at"),
            ["service_id", "received_at"],
            unique=False,
        )

    op.create_table(
        "service_status",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_status_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_service_status")),
    )


def downgrade() -> None:
    op.drop_table("service_status")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_service_id_received_at"))

    op.drop_table("reports")
    with op.batch_alter_table("minute_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_minute_totals_minute"))

    op.drop_table("minute_totals")
    op.drop_table("minute_breakdowns")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_services_category"))

    op.drop_table("services")
    op.drop_table("installation")
    op.drop_table("categories")
