"""The detection tick: storage counts in, statuses and incident timelines out.

Reads everything it needs in a few queries, runs the pure detector over every service at
once, and writes only what changed, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from outagewatch.catalog.search import CatalogIndex
from outagewatch.detection.baseline import seasonal_usual_per_minute
from outagewatch.detection.rules import DEFAULT_RULES, Rules
from outagewatch.detection.status import StatusWord
from outagewatch.detection.verdict import MAJOR, OK, POSSIBLE, STATE_WORDS, Thresholds, decide
from outagewatch.incidents import timeline
from outagewatch.incidents.tracker import IncidentTracker
from outagewatch.signals import mentions
from outagewatch.signals.mentions import MentionEvidence
from outagewatch.storage.protocol import Store
from outagewatch.storage.records import ServiceStatus

SECONDS_PER_MINUTE = 60
MINUTES_PER_HOUR = 60
HOURS_PER_DAY = 24
STATE_OF = {"ok": OK, "possible": POSSIBLE, "major": MAJOR}
TOP_EVIDENCE = 3  # values per dimension in a verdict's evidence


@dataclass(frozen=True, slots=True)
class StatusChange:
    service_id: int
    before: StatusWord
    after: StatusWord
    explanation: str


class Monitor:
    """Runs ticks; keeps the usual levels, which change only once an hour."""

    def __init__(self, store: Store, *, rules: Rules = DEFAULT_RULES) -> None:
        self.store = store
        self.rules = rules
        self._usual_hour: int | None = None
        self._usual: dict[int, float] = {}
        self.tracker = IncidentTracker(store, rules)
        self._mentions_hour: int | None = None
        self._usual_mentions: dict[int, float] = {}

    def tick(self, catalog: CatalogIndex, *, now: datetime) -> list[StatusChange]:
        """One step: decide every service's status; returns the services that changed."""
        services = [service for service in catalog.services if service.id is not None]
        ids = np.array([service.id for service in services], dtype=np.int64)
        usual = self._usual_per_minute(ids, now)
        minutes = self._last_hour(ids, now)
        window_lengths = [w.total_seconds() / 60 for w in self.rules.windows]
        observed = np.stack([minutes[:, -int(w) :].sum(axis=1) for w in window_lengths], axis=1)
        expected = usual[:, None] * np.array(window_lengths)[None, :]
        statuses = self.store.statuses()
        previous = np.array(
            [STATE_OF[statuses[i].status] if i in statuses else OK for i in ids.tolist()]
        )
        calm = np.array([_counter(statuses.get(i), "calm_minutes") for i in ids.tolist()])
        quiet = np.array([_counter(statuses.get(i), "quiet_major_minutes") for i in ids.tolist()])
        since_recovery = np.array(
            [_counter(statuses.get(i), "minutes_since_recovery", np.inf) for i in ids.tolist()]
        )
        step = self._step_minutes(statuses, now)

        pending = np.array([_counter(statuses.get(i), "pending_minutes") for i in ids.tolist()])
        mentions = self._mentions(now)
        thresholds = self._thresholds(ids, mentions)

        def run(light: tuple[np.ndarray, np.ndarray] | None) -> Any:
            return decide(
                observed.astype(np.float64),
                expected,
                previous=previous,
                calm_minutes=calm,
                quiet_major_minutes=quiet,
                minutes_since_recovery=since_recovery,
                pending_minutes=pending,
                step_minutes=step,
                light_reports=None if light is None else light[0],
                light_networks=None if light is None else light[1],
                rules=self.rules,
                thresholds=thresholds,
            )

        decision = run(None)
        # Only services that would have a problem need their reports' networks looked at.
        suspects = ids[decision.state != OK].tolist()
        if suspects:
            decision = run(self._light_reports(ids, suspects, window_lengths, now))
        return self._record(ids, previous, decision, usual, minutes, statuses, mentions, now)

    # -- inputs ----------------------------------------------------------------------------

    def _mentions(self, now: datetime) -> dict[int, MentionEvidence]:
        """Social mentions of the last minutes against their usual level (learned hourly)."""
        hour = int(now.timestamp()) // 3600
        if self._mentions_hour != hour:
            history_hours = self.rules.seasonal_days * HOURS_PER_DAY
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

    def _usual_per_minute(self, ids: np.ndarray, now: datetime) -> np.ndarray:
        """Learned once an hour: the usual level moves with the hour, not the tick."""
        hour = int(now.timestamp()) // 3600
        if self._usual_hour != hour:
            self._usual = self._learn_usual(hour)
            self._usual_hour = hour
        floor = self.rules.floor_per_hour / MINUTES_PER_HOUR
        return np.array([self._usual.get(i, floor) for i in ids.tolist()])

    def _learn_usual(self, hour: int) -> dict[int, float]:
        rules = self.rules
        first = hour - rules.seasonal_days * HOURS_PER_DAY
        hourly = self.store.hourly_totals_all(
            since=datetime.fromtimestamp(first * 3600, UTC),
            until=datetime.fromtimestamp(hour * 3600, UTC),
        )
        started = self.store.history_started_at()
        first_hour = int(started.timestamp()) // 3600 + 1 if started else hour
        service_ids = sorted({service_id for service_id, _ in hourly})
        row = {service_id: index for index, service_id in enumerate(service_ids)}
        matrix = np.zeros((len(service_ids), hour - first + 1))
        for (service_id, at_hour), count in hourly.items():
            matrix[row[service_id], at_hour - first] = count
        levels = seasonal_usual_per_minute(
            matrix,
            hour=hour - first,
            first_hour=max(0, first_hour - first),
            days=rules.seasonal_days,
            cold_start_quantile=rules.cold_start_quantile,
            floor_per_hour=rules.floor_per_hour,
        )
        return dict(zip(service_ids, levels.tolist(), strict=True))

    def _last_hour(self, ids: np.ndarray, now: datetime) -> np.ndarray:
        """Counted reports per minute for the last 60 minutes (the current one last)."""
        current = int(now.timestamp()) // SECONDS_PER_MINUTE
        first = current - MINUTES_PER_HOUR + 1
        rows = self.store.minute_totals_all(
            since=datetime.fromtimestamp(first * SECONDS_PER_MINUTE, UTC),
            until=datetime.fromtimestamp((current + 1) * SECONDS_PER_MINUTE, UTC),
        )
        position = {service_id: index for index, service_id in enumerate(ids.tolist())}
        minutes = np.zeros((len(ids), MINUTES_PER_HOUR), dtype=np.int64)
        for service_id, minute, reports in rows:
            if service_id in position:
                minutes[position[service_id], minute - first] = reports
        return minutes

    def _light_reports(
        self, ids: np.ndarray, suspects: list[int], window_lengths: list[float], now: datetime
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per window: reports from networks that did not flood it, and how many networks
        those were (NaN: not a suspect)."""
        current = (int(now.timestamp()) // SECONDS_PER_MINUTE + 1) * SECONDS_PER_MINUTE
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

    @staticmethod
    def _step_minutes(statuses: dict[int, ServiceStatus], now: datetime) -> float:
        checked = [
            s.evidence.get("checked_at") for s in statuses.values() if s.evidence.get("checked_at")
        ]
        if not checked:
            return 0.0
        last = max(datetime.fromisoformat(str(at)) for at in checked)
        return max(0.0, (now - last).total_seconds() / 60)

    # -- outputs ---------------------------------------------------------------------------

    def _record(
        self,
        ids: np.ndarray,
        previous: np.ndarray,
        decision: Any,
        usual: np.ndarray,
        minutes: np.ndarray,
        statuses: dict[int, ServiceStatus],
        mention_evidence: dict[int, MentionEvidence],
        now: datetime,
    ) -> list[StatusChange]:
        changes: list[StatusChange] = []
        open_incidents = self.store.open_incidents()
        evidence = decision.evidence
        with self.store.transaction():
            for row in np.flatnonzero((decision.state != OK) | (previous != OK)).tolist():
                service_id = int(ids[row])
                before: StatusWord = STATE_WORDS[int(previous[row])]  # type: ignore[assignment]
                after: StatusWord = STATE_WORDS[int(decision.state[row])]  # type: ignore[assignment]
                window = self.rules.windows[int(evidence.window[row])]
                explanation = timeline.explain(
                    float(evidence.observed[row]), float(evidence.expected[row]), window
                )
                since = now if before != after else statuses[service_id].since
                self.store.set_status(
                    ServiceStatus(
                        service_id=service_id,
                        status=after,
                        since=since,
                        evidence={
                            "explanation": explanation,
                            "observed": round(float(evidence.observed[row]), 1),
                            "expected": round(float(evidence.expected[row]), 2),
                            "ratio": round(float(evidence.ratio[row]), 1),
                            "probability": float(f"{float(evidence.probability[row]):.3g}"),
                            "window_minutes": window.total_seconds() / 60,
                            "calm_minutes": float(decision.calm_minutes[row]),
                            "quiet_major_minutes": float(decision.strong_minutes[row]),
                            "pending_minutes": float(decision.pending_minutes[row]),
                            # JSON has no infinity; a day is as good as never here
                            "minutes_since_recovery": min(
                                float(decision.minutes_since_recovery[row]), 1440.0
                            ),
                            "checked_at": now.isoformat(),
                            **(self._top_breakdowns(service_id, now) if after != "ok" else {}),
                            **_mention_fields(mention_evidence.get(service_id)),
                        },
                    )
                )
                self.tracker.follow(
                    service_id,
                    open_incidents.get(service_id),
                    before=before,
                    after=after,
                    reports_15_minutes=int(minutes[row, -15:].sum()),
                    usual_per_minute=float(usual[row]),
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


def _counter(status: ServiceStatus | None, name: str, default: float = 0.0) -> float:
    if status is None:
        return default
    return float(status.evidence.get(name, default))
