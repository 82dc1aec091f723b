from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from outagewatch.incidents.leader import HostLeadership, PostgresLeadership
from tests.helpers import eventually


def test_one_process_per_host_leads(tmp_path: Path) -> None:
    first, second = HostLeadership(tmp_path), HostLeadership(tmp_path)

    assert first.try_acquire()
    assert first.try_acquire()  # still leading
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_one_worker_among_hosts_leads_through_postgresql(postgres_engine: Engine) -> None:
    first, second = PostgresLeadership(postgres_engine), PostgresLeadership(postgres_engine)

    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_leadership_passes_on_when_the_leaders_session_dies(postgres_engine: Engine) -> None:
    leader, standby = PostgresLeadership(postgres_engine), PostgresLeadership(postgres_engine)
    assert leader.try_acquire()

    leader._forget()  # what a crash does: the session and its lock are gone

    # The server ends the session, and frees its lock, once it notices the connection closed:
    # a moment later on a busy machine, so the standby asks until then (bounded).
    assert eventually(standby.try_acquire)
    standby.release()
