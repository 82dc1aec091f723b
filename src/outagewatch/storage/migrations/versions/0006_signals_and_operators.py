"""Official status pages, probes, mention counts, API tokens; operators: roles, audit log,
overrides, incident reviews and hidden reports.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_api_tokens")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])

    op.create_table(
        "mention_counts",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_mention_counts_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", "source", "minute", name=op.f("pk_mention_counts")),
    )
    op.create_index(op.f("ix_mention_counts_minute"), "mention_counts", ["minute"])

    op.create_table(
        "official_sources",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("indicator", sa.String(length=16), nullable=True),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_official_sources_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_official_sources")),
    )
    op.create_index(
        op.f("ix_official_sources_next_check_at"), "official_sources", ["next_check_at"]
    )

    op.create_table(
        "official_statements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("update_key", sa.String(length=200), nullable=False),
        sa.Column("incident_key", sa.String(length=200), nullable=False),
        sa.Column("incident_name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("impact", sa.String(length=16), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_official_statements_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_statements")),
        sa.UniqueConstraint(
            "service_id", "update_key", name=op.f("uq_official_statements_service_id_update_key")
        ),
    )
    op.create_index(
        op.f("ix_official_statements_service_id_at"), "official_statements", ["service_id", "at"]
    )

    op.create_table(
        "probe_results",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("elapsed_ms", sa.Integer(), nullable=True),
        sa.Column("tls_valid", sa.Boolean(), nullable=True),
        sa.Column("tls_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_probe_results_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_probe_results")),
    )
    op.create_table(
        "service_overrides",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_overrides_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_service_overrides")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=16), nullable=True))

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review", sa.String(length=16), nullable=True))

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("hidden_at")

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("review")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("role")

    op.drop_table("service_overrides")
    op.drop_table("probe_results")
    op.drop_index(op.f("ix_official_statements_service_id_at"), table_name="official_statements")

    op.drop_table("official_statements")
    op.drop_index(op.f("ix_official_sources_next_check_at"), table_name="official_sources")

    op.drop_table("official_sources")
    op.drop_index(op.f("ix_mention_counts_minute"), table_name="mention_counts")

    op.drop_table("mention_counts")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")

    op.drop_table("audit_log")
    op.drop_table("api_tokens")
