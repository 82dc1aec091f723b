"""Tables, written once for SQLite and PostgreSQL (only the upsert syntax differs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the engine keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

categories = Table(
    "categories",
    metadata,
    Column("slug", String(40), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("position", SmallInteger, nullable=False),
)

services = Table(
    "services",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(80), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("category", ForeignKey("categories.slug"), nullable=False, index=True),
    Column("url", String(300), nullable=False),
    Column("description", Text, nullable=False),
    Column("popularity", SmallInteger, nullable=False),
    Column("owner", String(120)),
    Column("aliases", JSON, nullable=False),
    Column("countries", JSON, nullable=False),
    Column("related", JSON, nullable=False),
    Column("status_page", String(300)),
    Column("statuspage_io", Boolean, nullable=False),
    Column("icon", String(120), nullable=False),
)

# One row per report received, counted or not. The reporter key is a keyed hash, never an address.
reports = Table(
    "reports",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("service_id", ForeignKey("services.id"), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("problem", String(40), nullable=False),
    Column("platform", String(16)),
    Column("country", String(2)),
    Column("reporter_key", String(64), nullable=False),
    Column("network_key", String(64), nullable=False),
    Column("counted", Boolean, nullable=False),
    # Why a report was kept but not counted: "duplicate" (same person within the window) or
    # "brigade" (its network sent more than its share of the minute).
    Column("uncounted_reason", String(16)),
    Column("comment", String(280)),
    Column("hidden_at", UtcDateTime()),  # an operator hid it (abuse); no longer counted
    Index(None, "service_id", "received_at"),
)

# Counted reports per service and Unix minute: what detection and the charts read.
minute_totals = Table(
    "minute_totals",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("minute", Integer, primary_key=True),
    Column("reports", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False, server_default="0"),
    Column("discarded", Integer, nullable=False, server_default="0"),
    Index(None, "minute"),
)

# Counted reports per service and hour (Unix minute // 60), kept with minute_totals: the
# usual level is learned from weeks of these, which per minute would be 60 times the rows.
hour_totals = Table(
    "hour_totals",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("reports", Integer, nullable=False),
    Index(None, "hour"),
)

# Counted reports per service and UTC day (Unix minute // 1440): retention folds hourly totals
# older than detection and the pages read into these, kept for years (operations/retention.py).
day_totals = Table(
    "day_totals",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("reports", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# Periods in which reports could not be received (the database or the intake away), recorded
# by the intake once it can write again: detection does not take them for calm minutes.
data_gaps = Table(
    "data_gaps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime(), nullable=False),
    Index(None, "ended_at"),
)

# The same counts broken down; '' stands for "not known" so the key has no NULLs.
minute_breakdowns = Table(
    "minute_breakdowns",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("minute", Integer, primary_key=True),
    Column("problem", String(40), primary_key=True),
    Column("country", String(2), primary_key=True),
    Column("platform", String(16), primary_key=True),
    Column("reports", Integer, nullable=False),
)

# The last counted report of a reporter for a service: one counted report per window.
# The conditional upsert on this table is what makes de-duplication atomic across processes.
reporter_windows = Table(
    "reporter_windows",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("reporter_key", String(64), primary_key=True),
    # Unix seconds, so "older than the window" is integer arithmetic on every engine.
    Column("last_counted_at", BigInteger, nullable=False, index=True),
    Column("claim", BigInteger, nullable=False),
)

# Distinct reporters per network, service and fixed window (its start in Unix seconds): the
# n-th counts only when n is a power of two, so a network weighs log2 of its reporters.
network_windows = Table(
    "network_windows",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("network_key", String(64), primary_key=True),
    Column("window_start", BigInteger, primary_key=True, index=True),
    Column("reporters", Integer, nullable=False),
)

service_status = Table(
    "service_status",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("since", UtcDateTime(), nullable=False),
    Column("evidence", JSON, nullable=False),
    # The detection state machine's counters (detection.verdict.State), carried tick to tick.
    Column("calm_minutes", Float, nullable=False, server_default="0"),
    Column("quiet_major_minutes", Float, nullable=False, server_default="0"),
    Column("pending_minutes", Float, nullable=False, server_default="0"),
    Column("stale", Boolean, nullable=False, server_default=false()),
    Column("stepped_down", Boolean, nullable=False, server_default=false()),
    Column("checked_at", UtcDateTime()),  # when a tick last judged the service
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", ForeignKey("services.id"), nullable=False),
    Column("state", String(16), nullable=False),  # open | resolved
    Column("severity", String(16), nullable=False),  # the worst status reached
    Column("started_at", UtcDateTime(), nullable=False),  # estimated: where the rise began
    Column("detected_at", UtcDateTime(), nullable=False),
    Column("peak_at", UtcDateTime(), nullable=False),
    Column("peak_reports", Integer, nullable=False),  # per 15 minutes
    Column("resolved_at", UtcDateTime()),
    # Platforms and countries currently affected, so the timeline can say what changed.
    Column("affected", JSON, nullable=False, server_default="{}"),
    Column("review", String(16)),  # an operator's verdict: confirmed | false_alarm
    Index(None, "service_id", "state"),
)

incident_events = Table(
    "incident_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ForeignKey("incidents.id"), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(24), nullable=False),  # started | detected | escalated | ... | resolved
    Column("message", Text, nullable=False),
)

settings_table = Table(
    "installation",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)

# -- Notify me -----------------------------------------------------------------------------
# Personal records: every row here hangs off an account (or, for sign-in links, an address),
# so deleting an account can remove all of them.

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),  # lower-cased
    Column("created_at", UtcDateTime(), nullable=False),
    Column("role", String(16)),  # operator, or none
)

# Only a hash of the session token is kept: a leaked database cannot be used to sign in.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

signin_requests = Table(
    "signin_requests",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
    # A follow asked for before signing in, applied when the link is used (double opt-in).
    Column("follow_service_id", ForeignKey("services.id")),
    Column("follow_on_start", Boolean, nullable=False, server_default="0"),
    Column("follow_on_recovery", Boolean, nullable=False, server_default="0"),
    Index(None, "email", "created_at"),
)

channels = Table(
    "channels",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # email | webhook | apprise
    Column("address", String(1000), nullable=False),
    Column("secret", String(64)),  # webhooks sign with it
    Column("created_at", UtcDateTime(), nullable=False),
    Column("disabled_at", UtcDateTime()),
    Column("disabled_reason", String(300)),
)

follows = Table(
    "follows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("service_id", ForeignKey("services.id"), nullable=False, index=True),
    Column("on_start", Boolean, nullable=False),
    Column("on_recovery", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("account_id", "service_id"),
)

# Messages to send, written in the same transaction as the event that causes them, so an
# event is never without its messages and a message never without its event. `key` is
# unique: writing the same event twice cannot queue a message twice.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("key", String(160), nullable=False, unique=True),
    Column("event", String(16), nullable=False),  # signin | started | recovered
    Column("kind", String(16), nullable=False),  # the channel kind
    Column("address", String(1000), nullable=False),
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE")),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE")),
    Column("service_id", ForeignKey("services.id")),
    Column("incident_id", ForeignKey("incidents.id")),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime()),  # a deliverer is sending it until then
    Column("leased_by", String(64)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("last_error", String(500)),
    Index(None, "state", "next_attempt_at"),
)

# -- Official status pages, probes, social signals --------------------------------------------

# One row per service whose official status we read: where, how it went, when to look again.
official_sources = Table(
    "official_sources",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("kind", String(16), nullable=False),  # unknown | statuspage | betterstack | feed | page
    Column("url", String(500), nullable=False),
    Column("feed_url", String(500)),  # a feed the HTML page at url links to, read instead
    Column("etag", String(300)),
    Column("last_modified", String(100)),
    Column("checked_at", UtcDateTime()),
    Column("ok_at", UtcDateTime()),  # the last successful read
    Column("next_check_at", UtcDateTime(), nullable=False),
    Column("failures", Integer, nullable=False, server_default="0"),  # in a row
    Column("last_error", String(500)),
    # What the service says of itself: none | minor | major | critical | maintenance | unknown
    Column("indicator", String(16)),
    Column("description", String(300)),
    Index(None, "next_check_at"),
)

# Each update of an official incident, as published; shown on our timelines as statements.
official_statements = Table(
    "official_statements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", ForeignKey("services.id"), nullable=False),
    Column("update_key", String(200), nullable=False),  # stable id of the update at the source
    Column("incident_key", String(200), nullable=False),
    Column("incident_name", String(300), nullable=False),
    Column("status", String(32), nullable=False),  # investigating | ... | resolved
    Column("impact", String(16)),
    Column("body", Text, nullable=False),
    Column("link", String(500)),
    Column("at", UtcDateTime(), nullable=False),
    Column("fetched_at", UtcDateTime(), nullable=False),
    UniqueConstraint("service_id", "update_key"),
    Index(None, "service_id", "at"),
)

# The latest HTTP probe of each probed service's website.
probe_results = Table(
    "probe_results",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("checked_at", UtcDateTime(), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("elapsed_ms", Integer),
    Column("tls_valid", Boolean),
    Column("tls_expires_at", UtcDateTime()),
    Column("error", String(300)),
    Column("changed_at", UtcDateTime(), nullable=False),  # when `ok` last flipped
)

# Mentions counted by external collectors ("#tiktokdown"), per service, source and minute.
mention_counts = Table(
    "mention_counts",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("source", String(40), primary_key=True),
    Column("minute", Integer, primary_key=True),
    Column("mentions", Integer, nullable=False),
    Index(None, "minute"),
)

# Tokens for machine clients (signal collectors); only a hash is kept.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("scope", String(40), nullable=False),  # mentions
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

# -- Operators ------------------------------------------------------------------------------

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(254), nullable=False),  # an operator's address, or "cli:<user>"
    Column("action", String(60), nullable=False),
    Column("target", String(200), nullable=False),
    Column("details", JSON, nullable=False),
    Index(None, "at"),
)

# Operator edits of catalog entries and per-service thresholds. Kept apart from `services`,
# which the catalog file rewrites on every start: an edit here survives that.
service_overrides = Table(
    "service_overrides",
    metadata,
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("fields", JSON, nullable=False),  # name, description, url, status_page, ...
    Column("thresholds", JSON, nullable=False),  # e.g. {"min_reports_possible": 25}
    Column("updated_at", UtcDateTime(), nullable=False),
)
