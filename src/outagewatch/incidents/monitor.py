"""The detection tick: storage counts in, statuses and incident timelines out.

Reads everything it needs in a few queries, runs the pure detector over every service at
once, and writes only what changed, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from outagewatch.basics.minutes import (
    MINUTES_PER_HOUR,
    SECONDS_PER_MINUTE,
    at_minute,
    unix_hour,
    unix_minute,
)
from outagewatch.basics.status import StatusWord
from outagewatch.catalog.search import CatalogIndex
from outagewatch.detection import baseline
from outagewatch.detection.baseline import DailyTraits, Usual
from outagewatch.detection.rules import DEFAULT_RULES, Rules
from outagewatch.detection.verdict import (
    MAJOR,
    NO_WINDOW,
    OK,
    POSSIBLE,
    STATE_WORDS,
    Decision,
    State,
    States,
    decide,
)
from outagewatch.detection.windows import Thresholds, measure
from outagewatch.incidents import history, timeline
from outagewatch.incidents.tracker import IncidentTracker
from outagewatch.signals import mentions
from outagewatch.signals.mentions import MentionEvidence
from outagewatch.storage.records import DetectionCounters, ServiceStatus
from outagewatch.storage.seams import MonitorStore

HOURS_PER_DAY = 24
STATE_OF = {"ok": OK, "possible": POSSIBLE, "major": MAJOR}
TOP_EVIDENCE = 3  # values per dimension in a verdict's evidence
MENTION_HISTORY_DAYS = 7
# A tick never lets more than this pass for the counters that close a problem: after the
# monitor (or the database) was away, recovery is judged on fresh minutes, not on the gap.
MAX_STEP_MINUTES = 1.0


@dataclass(frozen=True, slots=True)
class StatusChange:
    service_id: int
    before: StatusWord
    after: StatusWord
    explanation: str


class Monitor:
    """Runs ticks; keeps the usual levels, which change only once an hour."""

    def __init__(self, store: MonitorStore, *, rules: Rules = DEFAULT_RULES) -> None:
        self.store = store
        self.rules = rules
        self._usual_key: tuple[int, tuple[int, ...]] | None = None
        self._usual: Usual | None = None
        self._traits_key: tuple[int, tuple[int, ...]] | None = None
        self._traits: DailyTraits | None = None
        self.tracker = IncidentTracker(store, rules)
        self._mentions_hour: int | None = None
        self._usual_mentions: dict[int, float] = {}
        self._last_tick: datetime | None = None

    def tick(self, catalog: CatalogIndex, *, now: datetime) -> list[StatusChange]:
        """One step: decide every service's status; returns the services that changed."""
        services = [service for service in catalog.services if service.id is not None]
        ids = np.array([service.id for service in services], dtype=np.int64)
        usual = self._usual_now(ids, now)
        minutes, covered = self._last_hour(ids, now)
        window_lengths = self.rules.window_minutes()
        observed = np.stack([minutes[:, -int(w) :].sum(axis=1) for w in window_lengths], axis=1)
        covered_in_window = np.array([covered[-int(w) :].sum() for w in window_lengths])
        covered_windows = np.broadcast_to(covered_in_window, observed.shape).astype(np.float64)
        statuses = self.store.statuses()
        step = self._step_minutes(statuses, now)
        # The state as it stood at the previous tick: `advance` adds this tick's step.
        previous = self._states(ids, statuses, now - timedelta(minutes=step))
        mentions = self._mentions(now)
        thresholds = self._thresholds(ids, mentions)

        def run(light: tuple[np.ndarray, np.ndarray] | None) -> Decision:
            measurement = measure(
                observed.astype(np.float64),
                covered_windows,
                usual,
                rules=self.rules,
                window_minutes=window_lengths,
                light_reports=None if light is None else light[0],
                light_networks=None if light is None else light[1],
                thresholds=thresholds,
            )
            return decide(
                previous,
                measurement,
                step_minutes=step,
                window_minutes=window_lengths,
                rules=self.rules,
            )

        decision = run(None)
        # Only services that would have a problem need their reports' networks looked at.
        active = (decision.states.status != OK) | (decision.states.pending_minutes > 0)
        suspects = ids[active].tolist()
        if suspects:
            decision = run(self._light_reports(ids, suspects, window_lengths, now))
        self._last_tick = now
        return self._record(ids, previous, decision, usual, minutes, statuses, mentions, now)

    # -- inputs ----------------------------------------------------------------------------

    def _states(self, ids: np.ndarray, statuses: dict[int, ServiceStatus], now: datetime) -> States:
        """Each service's detection state as stored with its status (defaults: never judged)."""
        return States.of([_state_of(statuses.get(i), now) for i in ids.tolist()])

    def _mentions(self, now: datetime) -> dict[int, MentionEvidence]:
        """Social mentions of the last minutes against their usual level (learned hourly)."""
        hour = unix_hour(now)
        if self._mentions_hour != hour:
            history_hours = MENTION_HISTORY_DAYS * HOURS_PER_DAY
            hourly = self.store.mention_hours(
                None, since=now - timedelta(hours=history_hours), until=now - timedelta(hours=1)
            )
            self._usual_mentions = mentions.usual_per_window(hourly, hours=history_hours)
            self._mentions_hour = hour
        recent = self.store.mention_totals(
            None,
            since=now - timedelta(minutes=mentions.WINDOW_MINUTES),
            until=now + timedelta(minutes=1),
        )
        return mentions.evidence(recent, self._usual_mentions)

    def _thresholds(self, ids: np.ndarray, evidence: dict[int, MentionEvidence]) -> Thresholds:
        """The rules' bars, with operators' per-service ones and mention corroboration."""
        bars = Thresholds.uniform(self.rules, len(ids))
        overrides = self.store.overrides()
        if not overrides and not evidence:
            return bars
        for row, service_id in enumerate(ids.tolist()):
            override = overrides.get(service_id)
            for name, value in (override.thresholds if override else {}).items():
                getattr(bars, name)[row] = value
            bars.possible_min_reports[row] = mentions.reports_needed(
                float(bars.possible_min_reports[row]), evidence.get(service_id)
            )
        return bars

    def _usual_now(self, ids: np.ndarray, now: datetime) -> Usual:
        """Learned once an hour (daily traits once a day), as the replay of a series does."""
        hour = unix_hour(now)
        key = (hour, tuple(ids.tolist()))
        if self._usual_key != key or self._usual is None:
            first_hour = hour - baseline.HISTORY_HOURS
            totals = self.store.hourly_totals_all(
                since=at_minute(first_hour * MINUTES_PER_HOUR),
                until=at_minute(hour * MINUTES_PER_HOUR),
            )
            covered = history.covered_minutes(
                self.store,
                first_minute=first_hour * MINUTES_PER_HOUR,
                end_minute=hour * MINUTES_PER_HOUR,
            )
            hourly = history.hour_matrix(
                totals, ids.tolist(), first_hour=first_hour, end_hour=hour, covered=covered
            )
            day_key = (baseline.day_of(hour), key[1])
            if self._traits_key != day_key or self._traits is None:
                day = baseline.day_of(hour)
                self._traits = baseline.daily_traits(hourly, first_hour=first_hour, day=day)
                self._traits_key = day_key
            self._usual = baseline.usual_at(
                hourly,
                first_hour=first_hour,
                hour=hour,
                traits=self._traits,
                floor_per_hour=self.rules.floor_per_hour,
            )
            self._usual_key = key
        return self._usual

    def _last_hour(self, ids: np.ndarray, now: datetime) -> tuple[np.ndarray, np.ndarray]:
        """Counted reports per minute for the last 60 minutes (the current one last), and
        whether each of those minutes holds data."""
        current = unix_minute(now)
        first = current - MINUTES_PER_HOUR + 1
        rows = self.store.minute_totals_all(since=at_minute(first), until=at_minute(current + 1))
        position = {service_id: index for index, service_id in enumerate(ids.tolist())}
        minutes = np.zeros((len(ids), MINUTES_PER_HOUR), dtype=np.int64)
        for service_id, minute, reports in rows:
            if service_id in position:
                minutes[position[service_id], minute - first] = reports
        covered = history.covered_minutes(self.store, first_minute=first, end_minute=current + 1)
        return minutes, covered

    def _light_reports(
        self, ids: np.ndarray, suspects: list[int], window_lengths: list[float], now: datetime
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per window: reports from networks that did not flood it, and how many networks
        those were (NaN: not a suspect)."""
        current = (unix_minute(now) + 1) * SECONDS_PER_MINUTE
        until = datetime.fromtimestamp(current, UTC)
        light = np.full((len(ids), len(window_lengths)), np.nan)
        networks = np.full((len(ids), len(window_lengths)), np.nan)
        position = {service_id: index for index, service_id in enumerate(ids.tolist())}
        for column, minutes in enumerate(window_lengths):
            counts = self.store.light_network_reports(
                suspects,
                since=until - timedelta(minutes=minutes),
                until=until,
                max_per_network=self.rules.heavy_network_reports,
            )
            for service_id in suspects:
                reports, senders = counts.get(service_id, (0, 0))
                light[position[service_id], column] = reports
                networks[position[service_id], column] = senders
        return light, networks

    def _step_minutes(self, statuses: dict[int, ServiceStatus], now: datetime) -> float:
        last = self._last_tick
        if last is None:
            known = [s.counters.checked_at for s in statuses.values() if s.counters.checked_at]
            last = max(known) if known else None
        if last is None:
            return 0.0
        return min(MAX_STEP_MINUTES, max(0.0, (now - last).total_seconds() / 60))

    # -- outputs ---------------------------------------------------------------------------

    def _record(
        self,
        ids: np.ndarray,
        previous: States,
        decision: Decision,
        usual: Usual,
        minutes: np.ndarray,
        statuses: dict[int, ServiceStatus],
        mention_evidence: dict[int, MentionEvidence],
        now: datetime,
    ) -> list[StatusChange]:
        changes: list[StatusChange] = []
        open_incidents = self.store.open_incidents()
        states, m = decision.states, decision.measurement
        busy = (states.status != OK) | (states.pending_minutes > 0) | states.stale
        was_busy = (previous.status != OK) | (previous.pending_minutes > 0) | previous.stale
        with self.store.transaction():
            for row in np.flatnonzero(busy | was_busy).tolist():
                service_id = int(ids[row])
                state = states.row(row)
                before: StatusWord = STATE_WORDS[int(previous.status[row])]  # type: ignore[assignment]
                after: StatusWord = STATE_WORDS[state.status]  # type: ignore[assignment]
                window = int(decision.window[row])
                if window == NO_WINDOW:
                    figures: dict[str, Any] = {}
                    explanation = timeline.NO_RECENT_DATA
                else:
                    figures = {
                        "observed": round(float(m.observed[row, window]), 1),
                        "expected": round(float(m.expected[row, window]), 2),
                        "ratio": round(float(m.ratio[row, window]), 1),
                        "probability": float(f"{float(m.probability[row, window]):.3g}"),
                        "window_minutes": self.rules.window_minutes()[window],
                    }
                    explanation = timeline.explain(
                        float(m.observed[row, window]),
                        float(m.expected[row, window]),
                        self.rules.windows[window],
                    )
                if before != after:
                    since = now
                elif service_id in statuses:
                    since = statuses[service_id].since
                else:  # never judged before: as it has been since history began
                    since = self.store.history_started_at() or now
                self.store.set_status(
                    ServiceStatus(
                        service_id=service_id,
                        status=after,
                        since=since,
                        evidence={
                            "explanation": explanation,
                            **figures,
                            **(self._top_breakdowns(service_id, now) if after != "ok" else {}),
                            **_mention_fields(mention_evidence.get(service_id)),
                        },
                        counters=DetectionCounters(
                            calm_minutes=state.calm_minutes,
                            quiet_major_minutes=state.quiet_major_minutes,
                            pending_minutes=state.pending_minutes,
                            stale=state.stale,
                            stepped_down=state.stepped_down,
                            checked_at=now,
                        ),
                    )
                )
                self.tracker.follow(
                    service_id,
                    open_incidents.get(service_id),
                    before=before,
                    after=after,
                    reports_15_minutes=int(minutes[row, -15:].sum()),
                    usual_per_minute=float(usual.per_minute[row]),
                    minute_counts=minutes[row],
                    explanation=explanation,
                    now=now,
                )
                if before != after:
                    changes.append(StatusChange(service_id, before, after, explanation))
        return changes

    def _top_breakdowns(self, service_id: int, now: datetime) -> dict[str, list[list[Any]]]:
        """What the reports of the last minutes are about: top problems, regions, platforms."""
        since = now - self.rules.calm_window
        tops: dict[str, list[list[Any]]] = {}
        for dimension, key in (
            ("problem", "top_problems"),
            ("country", "top_regions"),
            ("platform", "top_platforms"),
        ):
            counts = self.store.breakdown(
                service_id,
                dimension=dimension,  # type: ignore[arg-type]
                since=since,
                until=now + timedelta(minutes=1),
            )
            ranked = sorted(((v, n) for v, n in counts.items() if v), key=lambda p: -p[1])
            tops[key] = [[value, count] for value, count in ranked[:TOP_EVIDENCE]]
        return tops


def _mention_fields(evidence: MentionEvidence | None) -> dict[str, Any]:
    if evidence is None or evidence.ratio < 2:
        return {}
    return {
        "mentions": {
            "recent": evidence.recent,
            "usual": round(evidence.usual, 1),
            "ratio": round(evidence.ratio, 1),
            "corroborates": evidence.corroborates,
            "explanation": evidence.describe(),
        }
    }


def _state_of(status: ServiceStatus | None, at: datetime) -> State:
    """The state stored with a status; time in the status is counted from its `since`."""
    if status is None:
        return State()
    counters = status.counters
    return State(
        status=STATE_OF.get(status.status, OK),
        minutes_in_status=max(0.0, (at - status.since).total_seconds() / 60),
        calm_minutes=counters.calm_minutes,
        quiet_major_minutes=counters.quiet_major_minutes,
        pending_minutes=counters.pending_minutes,
        stale=counters.stale,
        stepped_down=counters.stepped_down,
    )
