"""What each consumer of storage asks for: the parts of the Store (protocol*.py) it uses and no
more, so its signature says what it touches and mypy refuses a call outside it. A consumer that
uses a single part takes that part itself (reports.recent takes CountsReader); these are the
ones that need several at once. Every Store (SqlStore) satisfies each of them.
"""

from __future__ import annotations

from typing import Protocol

from outagewatch.storage.protocol import (
    CatalogReader,
    CatalogWriter,
    IncidentReader,
    IncidentWriter,
    StatusReader,
    StatusWriter,
    Transactional,
)
from outagewatch.storage.protocol_counts import (
    CountsBackfill,
    CountsReader,
    RecentCountsReader,
    ReportRecorder,
)
from outagewatch.storage.protocol_notify import (
    AccountStore,
    ChannelReader,
    OutboxStore,
    OutboxWriter,
    SessionHousekeeping,
)
from outagewatch.storage.protocol_official import OfficialReader, OfficialStore
from outagewatch.storage.protocol_operators import (
    ApiTokenStore,
    MentionReader,
    OperatorStore,
    OverrideReader,
    ProbeStore,
)


class CatalogIndexStore(CatalogReader, OverrideReader, Protocol):
    """catalog.service.read_index and CatalogFollower: the services with operators' edits."""


class CatalogLoadStore(Transactional, CatalogWriter, CountsBackfill, Protocol):
    """catalog.service.load_into_store: the curated file in, and the start of history."""


class ReportWriterStore(Transactional, ReportRecorder, RecentCountsReader, Protocol):
    """reports.writer.GroupCommitWriter: reports in, the fresh counts back."""


class IncidentReadingStore(IncidentReader, OfficialReader, Protocol):
    """incidents.reading: incidents with the official statements made during them."""


class IncidentTrackerStore(IncidentWriter, CountsReader, OutboxWriter, Protocol):
    """incidents.tracker.IncidentTracker: incidents opened and updated from counts, their
    followers' messages queued in the same transaction."""


class MonitorStore(
    Transactional,
    IncidentTrackerStore,
    IncidentReader,
    StatusWriter,
    MentionReader,
    OverrideReader,
    Protocol,
):
    """incidents.monitor.Monitor, the detection tick: counts and mentions in, statuses and
    incidents out."""


class ProberStore(
    Transactional, ProbeStore, IncidentReader, IncidentWriter, StatusReader, Protocol
):
    """signals.probes.Prober: probe results, told on the timelines of open incidents."""


class OfficialPollerStore(Transactional, OfficialStore, Protocol):
    """signals.official: polling official status pages and keeping what they said."""


class SignInStore(Transactional, AccountStore, OutboxWriter, Protocol):
    """notify.accounts.Accounts: sign-in links (mailed through the outbox), sessions, follows
    and channels."""


class DelivererStore(Transactional, OutboxStore, ChannelReader, SessionHousekeeping, Protocol):
    """notify.deliverer.Deliverer: the outbox worked message by message, and expired sessions
    and links forgotten on the way."""


class DeliveryWiringStore(DelivererStore, IncidentReader, Protocol):
    """notify.wiring.build_deliverer: a deliverer, and messages that read their incident."""


class OperationsStore(
    Transactional,
    OperatorStore,
    IncidentReader,
    IncidentWriter,
    OutboxWriter,
    ApiTokenStore,
    Protocol,
):
    """operators.actions.Operations: each operator action with its audit line."""
