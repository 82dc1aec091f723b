"""Detection quality and cost on unkind simulated traffic, against a plain reference rule.

    python bench/detection.py [--per-size 30] [--days 30] [--seed 1]

Simulates per-minute reports for services of 0.5 to 5,000 reports an hour (bench/traffic.py:
weekends, holidays, growth, per-service over-dispersion, news bursts, outages, brigades and
data gaps), then runs the production detector minute by minute exactly as the monitor's tick
does — detection.baseline learned hourly from hourly totals, detection.verdict's measure and
decide, the brigade rule (a network sending more than Rules.heavy_network_reports in a window
is left out of it) — and, in the same process, a reference rule: the trailing day's median of
10-minute counts, flagged while the last 10 minutes have held 3x that for 10 minutes.

Prints per size: recall on outages of 5x+ lasting 10+ minutes, false flips per
service-month, minutes from onset to flip (median, p90), minutes from the true end back to
"No issues" (median, p90), flips on news bursts (and "Major outage" on short ones), brigade
flips, recoveries announced inside data gaps; then the cost of one tick over 100,000
services next to a reference pass of numpy over the same counts.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import traffic as simulated

from outagewatch.detection import baseline
from outagewatch.detection.baseline import Usual
from outagewatch.detection.rules import DEFAULT_RULES
from outagewatch.detection.verdict import MAJOR, OK, States, decide
from outagewatch.detection.windows import measure

WARMUP_DAYS = 14
MATCH_SLACK = 30  # minutes after an event's end that a flip still belongs to it
REFERENCE_WINDOW = 10
REFERENCE_RATIO = 3.0
REFERENCE_HOLD = 10


def cumulative(values: np.ndarray) -> np.ndarray:
    out = np.zeros((values.shape[0], values.shape[1] + 1))
    np.cumsum(values, axis=1, out=out[:, 1:])
    return out


def sums(cum: np.ndarray, minute: int, lengths: list[int]) -> np.ndarray:
    """Per row, the sum over the last `length` minutes up to `minute` inclusive."""
    return np.stack([cum[:, minute + 1] - cum[:, max(0, minute + 1 - n)] for n in lengths], 1)


def run_detector(t: simulated.Traffic) -> tuple[np.ndarray, float]:
    """The production detector over every minute after the warm-up: statuses per minute."""
    rules = DEFAULT_RULES
    services = len(t.sizes)
    lengths = [int(w) for w in rules.window_minutes()]
    counts = (t.genuine + t.brigade).astype(np.float64)
    first_hour = int(t.start.timestamp()) // 3600
    hours = t.minutes // 60
    seen = t.covered.reshape(services, hours, 60).sum(axis=2)
    hourly = counts.reshape(services, hours, 60).sum(axis=2)
    hourly = np.where(seen >= 30, hourly, np.nan)
    all_cum, genuine_cum = cumulative(counts), cumulative(t.genuine.astype(np.float64))
    covered_cum = cumulative(t.covered.astype(np.float64))
    per_network = [
        (b.service, b.start, b.end, b.reports / b.networks / (b.end - b.start), b.networks)
        for b in t.brigades
    ]
    states = States.of([baseline_state() for _ in range(services)])
    timeline = np.zeros((services, t.minutes), dtype=np.int8)
    usual: Usual | None = None
    traits = None
    started = time.perf_counter()
    for minute in range(WARMUP_DAYS * 1440, t.minutes):
        if minute % 60 == 0 or usual is None:
            hour = first_hour + minute // 60
            if traits is None or minute % 1440 == 0:
                day = baseline.day_of(hour)
                traits = baseline.daily_traits(hourly, first_hour=first_hour, day=day)
            usual = baseline.usual_at(
                hourly,
                first_hour=first_hour,
                hour=hour,
                traits=traits,
                floor_per_hour=rules.floor_per_hour,
            )
        observed = sums(all_cum, minute, lengths)
        light = sums(genuine_cum, minute, lengths)
        networks = light.copy()  # people report once each: one network per genuine report
        for service, start, end, rate, brigade_networks in per_network:
            for column, length in enumerate(lengths):
                overlap = min(end, minute + 1) - max(start, minute + 1 - length)
                if overlap > 0 and rate * overlap <= rules.heavy_network_reports:
                    light[service, column] += round(rate * overlap * brigade_networks)
                    networks[service, column] += brigade_networks
        m = measure(
            observed,
            sums(covered_cum, minute, lengths),
            usual,
            rules=rules,
            window_minutes=[float(n) for n in lengths],
            light_reports=light,
            light_networks=networks,
        )
        states = decide(
            states, m, step_minutes=1.0, window_minutes=[float(n) for n in lengths], rules=rules
        ).states
        timeline[:, minute] = states.status
    return timeline, time.perf_counter() - started


def baseline_state() -> object:
    from outagewatch.detection.verdict import State

    return State()


def run_reference(t: simulated.Traffic) -> np.ndarray:
    """Trailing-day median of 10-minute counts; flagged after 10 minutes at 3x it."""
    counts = (t.genuine + t.brigade).astype(np.float64)
    cum = cumulative(counts)
    ten = cum[:, REFERENCE_WINDOW:] - cum[:, :-REFERENCE_WINDOW]  # ten[:, i]: minutes i..i+9
    timeline = np.zeros(counts.shape, dtype=np.int8)
    held = np.zeros(counts.shape[0])
    level = np.ones(counts.shape[0])
    for minute in range(WARMUP_DAYS * 1440, t.minutes):
        if minute % 60 == 0:
            day = ten[:, minute - 1440 : minute - REFERENCE_WINDOW + 1 : 5]
            level = np.maximum(np.median(day, axis=1), 1.0)
        high = ten[:, minute - REFERENCE_WINDOW + 1] >= REFERENCE_RATIO * level
        held = np.where(high, held + 1, 0)
        timeline[:, minute] = np.where(held >= REFERENCE_HOLD, 1, 0)
    return timeline


def score(t: simulated.Traffic, timeline: np.ndarray, rows: np.ndarray) -> dict[str, float]:
    """Figures for the services in `rows` (one size)."""
    bad = timeline != OK
    flips = np.zeros_like(bad)
    flips[:, 1:] = bad[:, 1:] & ~bad[:, :-1]
    explained = np.zeros_like(bad)
    in_burst = np.zeros_like(bad)
    in_brigade = np.zeros_like(bad)
    for outage in t.outages:
        explained[outage.service, outage.start : outage.end + MATCH_SLACK] = True
    for burst in t.bursts:
        in_burst[burst.service, burst.start : burst.end + MATCH_SLACK] = True
    for brigade in t.brigades:
        in_brigade[brigade.service, brigade.start : brigade.end + MATCH_SLACK] = True
    chosen = set(rows.tolist())
    eligible = [
        o
        for o in t.outages
        if o.service in chosen
        and o.factor >= 5
        and o.end - o.start >= 10
        and not (~t.covered[o.service, o.start : o.end]).any()
    ]
    caught, to_flip, back, flaps = 0, [], [], 0
    for outage in eligible:
        window = bad[outage.service, outage.start : outage.end + MATCH_SLACK]
        # a status that goes back to "No issues" in the middle of an outage and flips again
        inside = bad[outage.service, outage.start : outage.end]
        flaps += int((inside[:-1] & ~inside[1:]).sum())
        if window.any():
            caught += 1
            to_flip.append(int(np.argmax(window)))
            after = bad[outage.service, outage.end :]
            back.append(int(np.argmin(after)) if (~after).any() else len(after))
    free = ~explained & ~in_burst & ~in_brigade
    months = len(rows) * (t.minutes / 1440 - WARMUP_DAYS) / 30
    bursts = [b for b in t.bursts if b.service in chosen]
    short_major = sum(
        1
        for b in bursts
        if b.end - b.start <= 10
        and b.factor <= 5
        and (timeline[b.service, b.start : b.end + MATCH_SLACK] == MAJOR).any()
    )
    burst_flips = sum(1 for b in bursts if flips[b.service, b.start : b.end + MATCH_SLACK].any())
    gap_recoveries = 0
    for gap in t.gaps:
        if gap.service in chosen:
            span = timeline[gap.service, gap.start - 1 : gap.end + 1]
            gap_recoveries += int(((span[:-1] != OK) & (span[1:] == OK)).sum())
    brigades = [b for b in t.brigades if b.service in chosen]
    return {
        "outages": len(eligible),
        "recall": caught / max(len(eligible), 1),
        "false_flips": float((flips[rows] & free[rows]).sum()) / max(months, 1e-9),
        "flip_median": _quantile(to_flip, 50),
        "flip_p90": _quantile(to_flip, 90),
        "back_median": _quantile(back, 50),
        "back_p90": _quantile(back, 90),
        "bursts": len(bursts),
        "burst_flips": burst_flips,
        "short_burst_major": short_major,
        "brigades": len(brigades),
        "brigade_flips": sum(
            1 for b in brigades if flips[b.service, b.start : b.end + MATCH_SLACK].any()
        ),
        "gap_recoveries": gap_recoveries,
        "flaps": flaps,
    }


def _quantile(values: list[int], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def tick_cost(services: int = 100_000, repeats: int = 5) -> tuple[float, float]:
    """Seconds for one tick over `services` (window sums, measure, decide), and a reference."""
    rng = np.random.default_rng(0)
    minutes = rng.poisson(0.2, size=(services, 60)).astype(np.float64)
    usual = Usual(
        per_minute=rng.uniform(0.01, 5, size=services),
        noise=rng.uniform(0.01, 0.3, size=services),
        learned=np.ones(services, dtype=bool),
    )
    lengths = [float(w) for w in DEFAULT_RULES.window_minutes()]
    states = States.of([baseline_state() for _ in range(1)])
    states = States(
        status=np.full(services, OK, dtype=np.int64),
        minutes_in_status=np.full(services, np.inf),
        calm_minutes=np.zeros(services),
        quiet_major_minutes=np.zeros(services),
        pending_minutes=np.zeros(services),
        stale=np.zeros(services, dtype=bool),
        stepped_down=np.zeros(services, dtype=bool),
    )
    covered = np.broadcast_to(np.array(lengths), (services, len(lengths)))
    best_tick = best_reference = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        minutes.sum()  # reference: one pass over the same counts
        best_reference = min(best_reference, time.perf_counter() - started)
        started = time.perf_counter()
        observed = np.stack([minutes[:, -int(n) :].sum(axis=1) for n in lengths], axis=1)
        m = measure(observed, covered, usual, rules=DEFAULT_RULES, window_minutes=lengths)
        decide(states, m, step_minutes=1.0, window_minutes=lengths, rules=DEFAULT_RULES)
        best_tick = min(best_tick, time.perf_counter() - started)
    return best_tick, best_reference


def _row(name: str, f: dict[str, float]) -> str:
    return (
        f"  {name:<10} recall {f['recall']:6.1%}  false flips/svc-month {f['false_flips']:5.2f}"
        f"  flip med {f['flip_median']:4.0f} p90 {f['flip_p90']:4.0f}"
        f"  back med {f['back_median']:4.0f} p90 {f['back_p90']:4.0f}"
        f"  burst flips {f['burst_flips']:.0f}/{f['bursts']:.0f}"
        f" (major on short {f['short_burst_major']:.0f})"
        f"  brigade flips {f['brigade_flips']:.0f}/{f['brigades']:.0f}"
        f"  recoveries in gaps {f['gap_recoveries']:.0f}  back to ok mid-outage {f['flaps']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--per-size", type=int, default=30, help="services of each size")
    parser.add_argument("--days", type=int, default=30, help="measured days, after two weeks")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    t = simulated.simulate(
        start=datetime(2026, 1, 5, tzinfo=UTC),
        days=options.days + WARMUP_DAYS,
        warmup_days=WARMUP_DAYS,
        per_size=options.per_size,
        seed=options.seed,
    )
    detector, seconds = run_detector(t)
    reference = run_reference(t)
    print(
        f"{len(t.sizes)} services ({options.per_size} per size) x {options.days} days after "
        f"{WARMUP_DAYS} days of history, seed {options.seed}; detector replayed in {seconds:.1f} s"
    )
    print(
        "outages >= 5x for >= 10 min (not in a data gap); times in minutes; flips outside "
        "outages, bursts and brigades are false"
    )
    totals = {"ours": [], "reference": []}
    for size in simulated.SIZES_PER_HOUR:
        rows = np.flatnonzero(t.sizes == size)
        ours, theirs = score(t, detector, rows), score(t, reference, rows)
        totals["ours"].append(ours)
        totals["reference"].append(theirs)
        print(f"{size:g} reports/hour: {ours['outages']:.0f} outages")
        print(_row("detector", ours))
        print(_row("reference", theirs))
    everything = np.arange(len(t.sizes))
    ours, theirs = score(t, detector, everything), score(t, reference, everything)
    print("all sizes:")
    print(_row("detector", ours))
    print(_row("reference", theirs))
    print(
        f"false flips, detector / reference: {ours['false_flips']:.3f} / "
        f"{theirs['false_flips']:.3f} per service-month; recall {ours['recall']:.1%} / "
        f"{theirs['recall']:.1%}"
    )
    tick, reference_seconds = tick_cost()
    print(
        f"tick over 100,000 services: {tick * 1000:.0f} ms (reference pass over the same "
        f"counts {reference_seconds * 1000:.1f} ms, ratio {tick / reference_seconds:.0f}x)"
    )


if __name__ == "__main__":
    main()
