"""The one storage interface, in parts: every part of OutageWatch asks for the narrow protocol
it uses (seams.py names each consumer's), and Store is all of them at once: what SqlStore
implements and what the wiring (app.py, the CLI) holds. Each method is declared once, in the
part of its subject: here transactions, the catalog, statuses and incidents; the counts in
protocol_counts.py, Notify me in protocol_notify.py, official status pages in
protocol_official.py, operators and the other signals in protocol_operators.py.

Methods never commit: the outermost caller groups work with `with store.transaction():`.
Reads outside a transaction run on a short connection of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from outagewatch.basics.services import Category, Service
from outagewatch.storage.protocol_counts import CountsBackfill, CountsReader, ReportRecorder
from outagewatch.storage.protocol_notify import NotifyStore
from outagewatch.storage.protocol_official import OfficialStore
from outagewatch.storage.protocol_operators import OperatorStore, SignalStore
from outagewatch.storage.records import CatalogSync, Incident, IncidentEvent, ServiceStatus


class Transactional(Protocol):
    """Grouping work: the outermost caller opens the transaction."""

    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside commits together or not at all."""
        ...

    def exclusive_writes(self) -> AbstractContextManager[None]:
        """Around a busy writer's transactions, where the engine needs writers to take turns."""
        ...


class CatalogReader(Protocol):
    """The services as stored, each with its storage id."""

    def list_services(self) -> list[Service]:
        """Every service with its storage id."""
        ...


class CatalogWriter(CatalogReader, Protocol):
    """Loading the curated catalog."""

    def sync_catalog(
        self, categories: Sequence[Category], services: Sequence[Service]
    ) -> CatalogSync:
        """Insert new services and update changed ones; services are never deleted here."""
        ...


class StatusReader(Protocol):
    """Each service's last known status."""

    def statuses(self) -> dict[int, ServiceStatus]:
        """The last known status of every service that has one (absent means 'ok')."""
        ...


class StatusWriter(StatusReader, Protocol):
    """What the detection tick decides."""

    def set_status(self, status: ServiceStatus) -> None: ...


class IncidentReader(Protocol):
    """Incidents and their timelines."""

    def open_incidents(self) -> dict[int, Incident]:
        """The open incident of each service that has one."""
        ...

    def incident(self, incident_id: int) -> Incident | None: ...

    def incidents_of(self, service_id: int, *, limit: int) -> list[Incident]:
        """A service's incidents, newest first, with their timelines."""
        ...

    def recent_incidents(self, *, limit: int) -> list[Incident]:
        """Open incidents first, then the most recently detected, across services."""
        ...

    def timeline_marks(self, service_ids: Sequence[int]) -> dict[int, int]:
        """Per service, a number that changes whenever one of its timelines gets a line."""
        ...


class IncidentWriter(Protocol):
    """Opening, updating and annotating incidents."""

    def create_incident(self, incident: Incident) -> int: ...

    def update_incident(self, incident: Incident) -> None: ...

    def add_incident_event(self, incident_id: int, event: IncidentEvent) -> int:
        """Add a line to an incident's timeline; its id."""
        ...


class Store(
    Transactional,
    CatalogWriter,
    CountsReader,
    ReportRecorder,
    CountsBackfill,
    StatusWriter,
    IncidentReader,
    IncidentWriter,
    NotifyStore,
    OfficialStore,
    OperatorStore,
    SignalStore,
    Protocol,
):
    """Every part at once. Ask for it only where parts are wired together."""
