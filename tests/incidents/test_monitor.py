"""The detection tick against real storage, with a fixed clock."""

from __future__ import annotations

from datetime import timedelta

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.records import FollowChoice
from outagewatch.storage.sql import SqlStore
from tests.helpers import add_reports, service_id


def _tick(store: SqlStore, clock: FixedClock, monitor: Monitor | None = None):  # type: ignore[no-untyped-def]
    monitor = monitor or Monitor(store)
    return monitor.tick(CatalogIndex(store.list_services()), now=clock.now())


def _burst(store: SqlStore, clock: FixedClock, count: int, *, networks: int | None = None) -> None:
    """`count` reports spread over the last four minutes."""
    now = clock.now()
    times = [now - timedelta(seconds=(index * 240) // count) for index in range(count)]
    add_reports(store, "discord", times, networks=networks)


def test_a_quiet_day_changes_nothing(loaded_store: SqlStore, clock: FixedClock) -> None:
    add_reports(loaded_store, "discord", [clock.now() - timedelta(minutes=3)])

    assert _tick(loaded_store, clock) == []


def test_a_burst_from_many_people_is_a_major_outage_with_its_evidence(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    _burst(loaded_store, clock, 300)

    changes = _tick(loaded_store, clock)

    discord = service_id(loaded_store, "discord")
    assert [(c.service_id, c.before, c.after) for c in changes] == [(discord, "ok", "major")]
    status = loaded_store.statuses()[discord]
    assert status.status == "major"
    assert "reports in the last" in status.evidence["explanation"]
    assert "usual at this hour" in status.evidence["explanation"]


def test_an_incident_opens_with_an_estimated_start_and_closes_on_recovery(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    discord = service_id(loaded_store, "discord")
    rise_began = clock.now() - timedelta(minutes=4)  # when _burst's reports start
    ordinary = [clock.now() - timedelta(minutes=m) for m in range(5, 40, 2)]  # noise before
    add_reports(loaded_store, "discord", ordinary)
    _burst(loaded_store, clock, 300)
    monitor = Monitor(loaded_store)
    _tick(loaded_store, clock, monitor)

    incident = loaded_store.open_incidents()[discord]
    assert incident.severity == "major"
    assert rise_began - timedelta(minutes=1) <= incident.started_at <= rise_began

    for _ in range(8):  # 40 quiet minutes, ticking every 5
        clock.advance(timedelta(minutes=5))
        _tick(loaded_store, clock, monitor)

    assert discord not in loaded_store.open_incidents()
    assert loaded_store.statuses()[discord].status == "ok"
    history = loaded_store.incidents_of(discord, limit=5)
    assert history[0].state == "resolved"
    kinds = [event.kind for event in history[0].events]
    assert (kinds[0], kinds[-1]) == ("started", "resolved")
    assert "detected" in kinds


def test_a_brigade_from_few_networks_does_not_flip_the_status(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    _burst(loaded_store, clock, 5000, networks=40)

    changes = _tick(loaded_store, clock)

    assert changes == []
    assert service_id(loaded_store, "discord") not in loaded_store.open_incidents()


def test_a_hundred_thousand_services_tick_in_one_vectorised_pass() -> None:
    """The pure decision over 100k services: behaviour here, speed in bench/detection.py."""
    import numpy as np

    from outagewatch.detection.baseline import Usual
    from outagewatch.detection.rules import DEFAULT_RULES
    from outagewatch.detection.verdict import OK, State, States, decide
    from outagewatch.detection.windows import measure

    services = 100_000
    windows = DEFAULT_RULES.window_minutes()
    observed = np.zeros((services, 4))
    observed[7, :] = [400, 900, 1500, 1600]
    usual = Usual(
        per_minute=np.full(services, 0.5),
        noise=np.full(services, 0.05),
        learned=np.ones(services, dtype=bool),
    )
    m = measure(
        observed,
        np.tile(windows, (services, 1)),
        usual,
        rules=DEFAULT_RULES,
        window_minutes=windows,
    )

    decision = decide(
        States.of([State()] * services),
        m,
        step_minutes=1.0,
        window_minutes=windows,
        rules=DEFAULT_RULES,
    )

    assert np.flatnonzero(decision.states.status != OK).tolist() == [7]


def test_the_timeline_says_which_platforms_and_countries_are_affected_and_which_are_back(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    discord = service_id(loaded_store, "discord")
    monitor = Monitor(loaded_store)

    def flood(platform: str, country: str, count: int) -> None:
        now = clock.now()
        times = [now - timedelta(seconds=(i * 180) // count) for i in range(count)]
        add_reports(
            loaded_store, "discord", times, platform=platform, country=country, tag=platform
        )

    flood("ios", "GB", 150)
    flood("web", "US", 150)
    _tick(loaded_store, clock, monitor)
    clock.advance(timedelta(minutes=16))  # the first flood leaves the 15-minute window
    flood("ios", "GB", 200)
    _tick(loaded_store, clock, monitor)

    incident = loaded_store.incidents_of(discord, limit=1)[0]
    spread = [event.message for event in incident.events if event.kind == "spread"]
    assert (
        spread[0]
        == "Affected: iPhone app, website. Most reports from United Kingdom, United States."
    )
    assert spread[1] == (
        "Website back to normal; iPhone app still failing. "
        "Back to normal in United States; still affected in United Kingdom."
    )
    assert incident.affected == {"platform": ["ios"], "country": ["GB"]}


def test_the_first_country_to_show_is_the_most_reporting_not_now_also_affected(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    discord = service_id(loaded_store, "discord")
    monitor = Monitor(loaded_store)
    now = clock.now()
    add_reports(
        loaded_store,
        "discord",
        [now - timedelta(seconds=i) for i in range(150)],
        platform="ios",
        tag="first-",
    )
    _tick(loaded_store, clock, monitor)  # no country known yet
    clock.advance(timedelta(minutes=1))
    now = clock.now()
    add_reports(
        loaded_store,
        "discord",
        [now - timedelta(seconds=i) for i in range(150)],
        platform="ios",
        country="ZA",
        tag="then-",
    )
    _tick(loaded_store, clock, monitor)

    incident = loaded_store.incidents_of(discord, limit=1)[0]
    spread = [event.message for event in incident.events if event.kind == "spread"]
    assert spread == ["Affected: iPhone app.", "Most reports from South Africa."]


def test_followers_are_queued_a_message_when_problems_start_and_when_they_end(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    discord = service_id(loaded_store, "discord")
    with loaded_store.transaction():
        for email, on_start, on_recovery in (
            ("start@example.org", True, False),
            ("back@example.org", False, True),
        ):
            account = loaded_store.account_for_email(email, now=clock.now())
            loaded_store.add_channel(
                account.id, kind="email", address=email, secret=None, now=clock.now()
            )
            loaded_store.follow(
                account.id, FollowChoice(discord, on_start, on_recovery), now=clock.now()
            )
    monitor = Monitor(loaded_store)
    _burst(loaded_store, clock, 300)

    _tick(loaded_store, clock, monitor)
    at_start = [(m.event, m.address) for m in loaded_store.messages()]
    for _ in range(8):
        clock.advance(timedelta(minutes=5))
        _tick(loaded_store, clock, monitor)

    assert at_start == [("started", "start@example.org")]
    assert [(m.event, m.address) for m in loaded_store.messages()] == [
        ("started", "start@example.org"),
        ("recovered", "back@example.org"),
    ]
    (incident,) = loaded_store.incidents_of(discord, limit=5)
    assert {m.incident_id for m in loaded_store.messages()} == {incident.id}


def test_minutes_without_data_hold_the_status_as_stale_instead_of_calm(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    discord = service_id(loaded_store, "discord")
    _burst(loaded_store, clock, 300)
    monitor = Monitor(loaded_store)
    _tick(loaded_store, clock, monitor)
    outage_seen_at = clock.now()

    clock.advance(timedelta(minutes=30))  # thirty minutes in which nothing could be stored
    with loaded_store.transaction():
        loaded_store.record_data_gap(started_at=outage_seen_at, ended_at=clock.now())
    _tick(loaded_store, clock, monitor)

    status = loaded_store.statuses()[discord]
    assert status.status == "major"
    assert status.counters.stale is True
    assert status.evidence["explanation"].startswith("No recent data")
    assert discord in loaded_store.open_incidents()


def test_a_partial_recovery_steps_down_to_possible_problems_and_says_so(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    discord = service_id(loaded_store, "discord")
    now_minute = int(clock.now().timestamp()) // 60
    with loaded_store.transaction():  # a week at 60 reports an hour: one a minute
        loaded_store.add_counts(
            [(discord, minute, 1) for minute in range(now_minute - 7 * 1440, now_minute - 30)],
            [],
        )
    monitor = Monitor(loaded_store)
    for minute in range(20):  # 30 a minute (30x) for a while, then 4 a minute (4x)
        per_minute = 30 if minute < 8 else 4
        now = clock.now()
        add_reports(
            loaded_store,
            "discord",
            [now - timedelta(seconds=s * 60 // per_minute) for s in range(per_minute)],
            tag=f"m{minute}-",
        )
        _tick(loaded_store, clock, monitor)
        clock.advance(timedelta(minutes=1))

    incident = loaded_store.incidents_of(discord, limit=1)[0]
    kinds = [event.kind for event in incident.events]
    assert loaded_store.statuses()[discord].status == "possible"
    assert "escalated" in kinds or incident.severity == "major"
    easing = [event.message for event in incident.events if event.kind == "easing"]
    assert len(easing) == 1 and easing[0].startswith("Partial recovery")
