"""Detection quality and cost on simulated months of many services with labelled outages.

    python bench/detection.py [--services 200] [--days 30] [--seed 1]

Simulates per-minute reports (outagewatch.simulation: popularity-scaled usual levels, daily
and weekly rhythm, noise wider than Poisson), injects outages (5x to 100x, 10 to 180
minutes) and brigades (5,000 reports from 5 to 50 networks), then runs the production
rules minute by minute, exactly as the worker does: the seasonal baseline of
outagewatch.detection.baseline, the windows and decision of outagewatch.detection.verdict,
and the brigade rule (a network sending more than Rules.heavy_network_reports in a window
is left out of it). Prints recall, false flips per service-month, time to flip and to
recover, brigade flips, and the cost of one tick over 100,000 services next to a reference
(one pass of numpy over the same counts) measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from outagewatch import simulation
from outagewatch.detection.baseline import seasonal_usual_per_minute
from outagewatch.detection.rules import DEFAULT_RULES
from outagewatch.detection.verdict import OK, decide

# The catalog's mix of popularity (share of services per tier, from catalog list --json).
POPULARITY_MIX = {1: 0.03, 2: 0.23, 3: 0.45, 4: 0.23, 5: 0.06}
WARMUP_DAYS = 7
MATCH_SLACK = 30  # minutes after an outage's end that a flip still counts as catching it


def window_sums(cumulative: np.ndarray, minute: int, lengths: list[int]) -> np.ndarray:
    """Reports in the last `length` minutes up to `minute` inclusive, per window."""
    return np.stack(
        [cumulative[:, minute + 1] - cumulative[:, max(0, minute + 1 - n)] for n in lengths],
        axis=1,
    )


def run(services: int, days: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    tiers = list(POPULARITY_MIX)
    popularity = rng.choice(tiers, size=services, p=list(POPULARITY_MIX.values())).tolist()
    total_days = days + WARMUP_DAYS
    scenario = simulation.random_scenario(
        start=datetime(2026, 1, 5, tzinfo=UTC),
        days=total_days,
        popularity=popularity,
        outages_per_service_month=1.0,
        brigades=max(10, services // 4),
        rng=rng,
        warmup_days=WARMUP_DAYS,
    )
    usual = simulation.usual_rates(scenario)
    genuine = simulation.sample_counts(simulation.outage_rates(scenario, usual), rng)
    brigade = simulation.brigade_counts(scenario)
    observed_all = genuine + brigade
    cumulative = np.zeros((services, scenario.minutes + 1), dtype=np.int64)
    np.cumsum(observed_all, axis=1, out=cumulative[:, 1:])
    genuine_cumulative = np.zeros_like(cumulative)
    np.cumsum(genuine, axis=1, out=genuine_cumulative[:, 1:])
    hourly = observed_all.reshape(services, -1, 60).sum(axis=2).astype(np.float64)

    rules = DEFAULT_RULES
    lengths = [int(w.total_seconds() // 60) for w in rules.windows]
    # Per brigade: reports each of its networks sends per minute, to apply the flood rule.
    per_network_rate = [
        (b.service, b.start, b.end, b.reports / b.networks / (b.end - b.start), b.networks)
        for b in scenario.brigades
    ]
    state = np.full(services, OK)
    calm = np.zeros(services)
    quiet = np.zeros(services)
    since_recovery = np.full(services, np.inf)
    pending = np.zeros(services)
    timeline = np.zeros((services, scenario.minutes), dtype=np.int8)
    usual_now = np.zeros(services)
    started = time.perf_counter()
    for minute in range(WARMUP_DAYS * 1440, scenario.minutes):
        if minute % 60 == 0:
            usual_now = seasonal_usual_per_minute(
                hourly,
                hour=minute // 60,
                first_hour=0,
                days=rules.seasonal_days,
                cold_start_quantile=rules.cold_start_quantile,
                floor_per_hour=rules.floor_per_hour,
            )
        observed = window_sums(cumulative, minute, lengths).astype(np.float64)
        light = window_sums(genuine_cumulative, minute, lengths).astype(np.float64)
        networks = light.copy()  # people report once each: one network per genuine report
        for service, start, end, rate, brigade_networks in per_network_rate:
            for column, length in enumerate(lengths):
                overlap = min(end, minute + 1) - max(start, minute + 1 - length)
                if overlap > 0 and rate * overlap <= rules.heavy_network_reports:
                    # networks that stayed light within this window do count
                    light[service, column] += round(rate * overlap * brigade_networks)
                    networks[service, column] += brigade_networks
        decision = decide(
            observed,
            usual_now[:, None] * np.array(lengths)[None, :],
            previous=state,
            calm_minutes=calm,
            quiet_major_minutes=quiet,
            minutes_since_recovery=since_recovery,
            pending_minutes=pending,
            step_minutes=1.0,
            light_reports=light,
            light_networks=networks,
            rules=rules,
        )
        state, calm, quiet = decision.state, decision.calm_minutes, decision.strong_minutes
        since_recovery = decision.minutes_since_recovery
        pending = decision.pending_minutes
        timeline[:, minute] = state
    replay_seconds = time.perf_counter() - started
    return score(scenario, timeline, days) | {"replay_seconds": replay_seconds}


def score(scenario: simulation.Scenario, timeline: np.ndarray, days: int) -> dict[str, float]:
    bad = timeline != OK
    flips = bad[:, 1:] & ~bad[:, :-1]
    explained = np.zeros_like(bad)
    for outage in scenario.outages:
        explained[outage.service, outage.start : outage.end + MATCH_SLACK] = True
    caught, to_flip, to_recover = 0, [], []
    eligible = [o for o in scenario.outages if o.factor >= 5 and o.end - o.start >= 10]
    for outage in eligible:
        window = bad[outage.service, outage.start : outage.end + MATCH_SLACK]
        if window.any():
            caught += 1
            to_flip.append(int(np.argmax(window)))
            after = bad[outage.service, outage.end :]
            to_recover.append(int(np.argmin(after)) if (~after).any() else len(after))
    brigade_only = np.zeros_like(bad)
    for brigade in scenario.brigades:
        brigade_only[brigade.service, brigade.start : brigade.end + MATCH_SLACK] = True
    brigade_only &= ~explained
    false_flips = int((flips & ~explained[:, 1:] & ~brigade_only[:, 1:]).sum())
    services = timeline.shape[0]
    return {
        "outages": len(eligible),
        "recall": caught / max(len(eligible), 1),
        "false_flips_per_service_month": false_flips / (services * days / 30),
        "median_minutes_to_flip": float(np.median(to_flip)) if to_flip else float("nan"),
        "p90_minutes_to_flip": float(np.percentile(to_flip, 90)) if to_flip else float("nan"),
        "median_minutes_end_to_recovery": float(np.median(to_recover)) if to_recover else 0,
        "brigades": len(scenario.brigades),
        "brigade_flips": int((flips & brigade_only[:, 1:]).sum()),
    }


def tick_cost(services: int = 100_000, repeats: int = 5) -> tuple[float, float]:
    """Seconds for one tick over `services` (window sums + decision), and the reference."""
    rng = np.random.default_rng(0)
    minutes = rng.poisson(0.2, size=(services, 60))
    usual = rng.uniform(0.01, 5, size=services)
    lengths = [int(w.total_seconds() // 60) for w in DEFAULT_RULES.windows]
    best_tick = best_reference = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        minutes.sum()  # reference: one pass over the same counts
        best_reference = min(best_reference, time.perf_counter() - started)
        started = time.perf_counter()
        observed = np.stack([minutes[:, -n:].sum(axis=1) for n in lengths], axis=1)
        decide(
            observed.astype(np.float64),
            usual[:, None] * np.array(lengths)[None, :],
            previous=np.full(services, OK),
            calm_minutes=np.zeros(services),
            quiet_major_minutes=np.zeros(services),
            minutes_since_recovery=np.full(services, np.inf),
            step_minutes=1.0,
            light_reports=None,
            rules=DEFAULT_RULES,
        )
        best_tick = min(best_tick, time.perf_counter() - started)
    return best_tick, best_reference


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--days", type=int, default=30, help="measured days, after a week")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    figures = run(options.services, options.days, options.seed)
    print(
        f"{options.services} services x {options.days} days (after {WARMUP_DAYS} days of "
        f"warm-up), seed {options.seed}, replayed in {figures['replay_seconds']:.1f} s"
    )
    print(f"outages >= 5x lasting >= 10 min: {figures['outages']:.0f}")
    print(f"recall:                          {figures['recall']:.1%}")
    print(f"false flips per service-month:   {figures['false_flips_per_service_month']:.3f}")
    print(
        f"minutes from onset to flip:      median {figures['median_minutes_to_flip']:.0f}, "
        f"p90 {figures['p90_minutes_to_flip']:.0f}"
    )
    print(
        f"minutes from end to recovery:    median {figures['median_minutes_end_to_recovery']:.0f}"
    )
    print(
        f"brigade flips:                   {figures['brigade_flips']:.0f} "
        f"of {figures['brigades']:.0f} brigades of 5,000 reports from 5-50 networks"
    )
    tick, reference = tick_cost()
    print(
        f"tick over 100,000 services:      {tick * 1000:.0f} ms "
        f"(reference pass over the same counts {reference * 1000:.1f} ms, ratio "
        f"{tick / reference:.0f}x)"
    )


if __name__ == "__main__":
    main()
