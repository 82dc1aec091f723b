"""A living site for demos: weeks of simulated history, then live traffic with outages.

The history is written as counts (hourly before the last two hours, per minute after), which
is all that charts and the usual levels read; live traffic goes through the real report
writer, so de-duplication, counts, detection and live pages all run for real. The ground
truth of every injected outage is kept in a JSON file beside the database.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from outagewatch import simulation
from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.catalog.model import Service
from outagewatch.storage.protocol import Store
from outagewatch.storage.records import NewReport

MINUTES_PER_HOUR = 60
PER_MINUTE_TAIL = timedelta(hours=2)  # the detector's windows need minutes; older is hourly
PROBLEM_SHARES = (0.45, 0.25, 0.15, 0.1, 0.05)
PLATFORMS = (("ios", 0.35), ("android", 0.35), ("web", 0.25), ("desktop", 0.05))
WORLD = (
    ("US", 0.3), ("GB", 0.1), ("IN", 0.1), ("DE", 0.08), ("BR", 0.08), ("FR", 0.06),
    ("JP", 0.05), ("CA", 0.05), ("AU", 0.04), ("MX", 0.04), ("ES", 0.03), ("IT", 0.03),
    ("NL", 0.02), ("PL", 0.02),
)  # fmt: skip
LIVE_OUTAGE_EVERY = timedelta(minutes=20)


@dataclass(frozen=True, slots=True)
class InjectedOutage:
    slug: str
    start: str
    end: str
    factor: float


def _countries(service: Service) -> tuple[list[str], list[float]]:
    if service.countries:
        share = 1 / len(service.countries)
        return list(service.countries), [share] * len(service.countries)
    return [code for code, _ in WORLD], [share / sum(s for _, s in WORLD) for _, share in WORLD]


def backfill(
    store: Store, services: list[Service], *, now: datetime, days: int, rng: np.random.Generator
) -> list[InjectedOutage]:
    """Write `days` of simulated history ending now; returns the outages it injected."""
    start = (now - timedelta(days=days)).replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute)
    minutes = int((now - start).total_seconds() // 60)
    scenario = simulation.random_scenario(
        start=start,
        days=days,
        popularity=[service.popularity for service in services],
        outages_per_service_month=0.5,
        brigades=0,
        rng=rng,
        warmup_days=1,
    )
    scenario.minutes = minutes
    counts = simulation.sample_counts(
        simulation.outage_rates(scenario, simulation.usual_rates(scenario)), rng
    )
    first_minute = int(start.timestamp()) // 60
    tail_from = minutes - int(PER_MINUTE_TAIL.total_seconds() // 60)
    totals: list[tuple[int, int, int]] = []
    breakdowns: list[tuple[int, int, str, str, str, int]] = []
    for row, service in enumerate(services):
        assert service.id is not None
        series = counts[row]
        hours = series[: tail_from - tail_from % 60].reshape(-1, MINUTES_PER_HOUR).sum(axis=1)
        for hour, total in enumerate(hours.tolist()):
            if total:
                totals.append((service.id, first_minute + hour * MINUTES_PER_HOUR, total))
        recent_start = tail_from - tail_from % 60
        for offset, total in enumerate(series[recent_start:].tolist()):
            if total:
                totals.append((service.id, first_minute + recent_start + offset, total))
        day_ago = max(0, minutes - 1440)
        breakdowns.extend(_breakdowns(service, series, day_ago, first_minute, rng))
    with store.transaction():
        store.add_counts(totals, breakdowns)
        store.mark_history_started(start)
    return [
        InjectedOutage(
            slug=services[outage.service].slug,
            start=(start + timedelta(minutes=outage.start)).isoformat(),
            end=(start + timedelta(minutes=outage.end)).isoformat(),
            factor=round(outage.factor, 1),
        )
        for outage in scenario.outages
    ]


def _breakdowns(
    service: Service,
    series: np.ndarray,
    since: int,
    first_minute: int,
    rng: np.random.Generator,
) -> list[tuple[int, int, str, str, str, int]]:
    """Hourly-grouped problem/country/platform splits of the last day (what pages show)."""
    assert service.id is not None
    problems = [p.slug for p in CATEGORY_BY_SLUG[service.category].problems]
    shares = np.array(PROBLEM_SHARES[: len(problems)] + (0.0,) * (len(problems) - 5))
    shares = shares / shares.sum()
    countries, country_shares = _countries(service)
    rows = []
    for hour_start in range(since - since % 60, len(series), MINUTES_PER_HOUR):
        total = int(series[hour_start : hour_start + MINUTES_PER_HOUR].sum())
        if not total:
            continue
        for problem, n_problem in zip(problems, rng.multinomial(total, shares), strict=True):
            if not n_problem:
                continue
            country = str(rng.choice(countries, p=country_shares))
            platform = str(rng.choice([p for p, _ in PLATFORMS], p=[s for _, s in PLATFORMS]))
            rows.append(
                (service.id, first_minute + hour_start, problem, country, platform, int(n_problem))
            )
    return rows


class LiveTraffic:
    """Reports for the coming second: usual traffic for every service, plus outages."""

    def __init__(self, services: list[Service], rng: np.random.Generator) -> None:
        self.services = services
        self.rng = rng
        self.usual_per_hour = np.array(
            [simulation.USUAL_PER_HOUR[s.popularity] for s in services], dtype=float
        )
        self.outages: list[tuple[int, datetime, datetime, float]] = []
        self.next_outage: datetime | None = None

    def candidates(self, now: datetime) -> tuple[list[NewReport], InjectedOutage | None]:
        injected = self._maybe_inject(now)
        shape = simulation.rhythm(now, 1)[0]
        rates = self.usual_per_hour * shape / 3600
        for row, start, end, factor in self.outages:
            if start <= now < end:
                rates[row] *= factor
        counts = self.rng.poisson(rates)
        batch = []
        for row in np.flatnonzero(counts).tolist():
            service = self.services[row]
            assert service.id is not None
            problems = CATEGORY_BY_SLUG[service.category].problems
            countries, country_shares = _countries(service)
            for _ in range(int(counts[row])):
                batch.append(
                    NewReport(
                        service_id=service.id,
                        received_at=now,
                        problem=problems[int(self.rng.integers(min(4, len(problems))))].slug,
                        reporter_key=secrets.token_hex(16),
                        network_key=secrets.token_hex(16),
                        platform=str(self.rng.choice([p for p, _ in PLATFORMS])),
                        country=str(self.rng.choice(countries, p=country_shares)),
                        comment=None,
                    )
                )
        return batch, injected

    def _maybe_inject(self, now: datetime) -> InjectedOutage | None:
        if self.next_outage is None:
            self.next_outage = now + timedelta(minutes=2)
        if now < self.next_outage:
            return None
        self.next_outage = now + LIVE_OUTAGE_EVERY
        popular = [i for i, s in enumerate(self.services) if s.popularity >= 4]
        row = int(self.rng.choice(popular))
        length = timedelta(minutes=int(self.rng.integers(15, 40)))
        factor = float(self.rng.uniform(10, 40))
        self.outages.append((row, now, now + length, factor))
        return InjectedOutage(
            self.services[row].slug, now.isoformat(), (now + length).isoformat(), factor
        )


def record_truth(path: Path, outages: list[InjectedOutage]) -> None:
    """Append to the ground-truth file (a JSON list), so evaluations can compare."""
    existing = json.loads(path.read_text()) if path.exists() else []
    existing.extend(asdict(outage) for outage in outages)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(existing, indent=1))


def truth_path(data_dir: Path) -> Path:
    return data_dir / "simulation-ground-truth.json"
