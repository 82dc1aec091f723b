"""How fast `outagewatch backtest` replays a series, in process and through the command.

    python bench/replay.py [--days 30] [--repeats 3]

Writes a per-minute CSV of `--days` days (a daily rhythm, noise wider than Poisson, a few
outages), then measures: rows per second of detection.series.replay in this process (the
rows already parsed), and the wall time of `outagewatch backtest FILE` including Python's
start-up and the imports, next to a reference measured in the same run: a Python process
that starts and reads the same CSV with the csv module.
"""

from __future__ import annotations

import argparse
import csv
import math
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from outagewatch.backtest import read_rows
from outagewatch.detection.series import replay

START = datetime(2026, 1, 5, tzinfo=UTC)


def write_series(path: Path, days: int, seed: int = 1) -> int:
    rng = np.random.default_rng(seed)
    minutes = days * 1440
    hour = (np.arange(minutes) % 1440) / 60
    rates = 2.0 * (1 + 0.6 * np.cos((hour - 15) / 24 * 2 * math.pi))
    for onset in rng.integers(3 * 1440, minutes - 200, size=max(1, days // 7)):
        rates[onset : onset + 60] *= 20
    counts = rng.poisson(rates * rng.gamma(10, 0.1, size=minutes))
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["timestamp", "value"])
        for minute, count in enumerate(counts.tolist()):
            moment = START + timedelta(minutes=minute)
            writer.writerow([moment.strftime("%Y-%m-%d %H:%M:%S"), count])
    return minutes


def best_of(repeats: int, command: list[str]) -> float:
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "series.csv"
        rows = write_series(path, options.days)
        with path.open() as source:
            parsed = [row for _, row in read_rows(source)]
        in_process = math.inf
        for _ in range(options.repeats):
            started = time.perf_counter()
            replay(parsed)
            in_process = min(in_process, time.perf_counter() - started)
        command = str(Path(sys.executable).with_name("outagewatch"))
        through_cli = best_of(options.repeats, [command, "backtest", str(path)])
        reading = f"import csv; sum(1 for _ in csv.reader(open({str(path)!r})))"
        reference = best_of(options.repeats, [sys.executable, "-c", reading])
    print(f"{options.days} days of per-minute rows: {rows:,} rows")
    print(f"replay in process:  {rows / in_process:,.0f} rows/s ({in_process:.2f} s)")
    print(
        f"outagewatch backtest FILE: {through_cli:.2f} s with start-up "
        f"(reference: start Python and read the CSV, {reference:.2f} s; "
        f"ratio {through_cli / reference:.1f}x)"
    )


if __name__ == "__main__":
    main()
