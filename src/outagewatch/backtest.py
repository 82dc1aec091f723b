"""`outagewatch backtest FILE`: a CSV series through exactly the production detector.

Columns: `timestamp` and `value` (or `count`), and optionally `networks` (distinct networks
in the row; without it each report counts as coming from its own network). Minutes that no
row covers hold zero reports; a row whose value is empty or `nan` means "no data" for its
minutes, which holds the status (marked stale) instead of passing for calm.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from outagewatch.detection.series import RowVerdict, SeriesRow, replay

VALUE_COLUMNS = ("value", "count")


class BacktestInputError(Exception):
    """The CSV cannot be read; the message names the line and what is wrong."""


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 or 'YYYY-MM-DD HH:MM:SS'; without an offset the time is UTC."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    moment = datetime.fromisoformat(cleaned)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def read_rows(source: IO[str]) -> Iterator[tuple[str, SeriesRow]]:
    reader = csv.reader(source)
    header = [name.strip().lower() for name in next(reader, [])]
    if "timestamp" not in header or not any(name in header for name in VALUE_COLUMNS):
        raise BacktestInputError("the header must be timestamp,value (or timestamp,count)")
    time_column = header.index("timestamp")
    value_column = next(header.index(name) for name in VALUE_COLUMNS if name in header)
    networks_column = header.index("networks") if "networks" in header else None
    for line_number, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        try:
            raw_time = row[time_column].strip()
            timestamp = parse_timestamp(raw_time)
            value = _number(row[value_column])
            networks = math.nan if networks_column is None else _number(row[networks_column])
        except (IndexError, ValueError) as error:
            raise BacktestInputError(f"line {line_number}: {error}") from None
        for number in (value, networks):
            if math.isinf(number) or number < 0:
                raise BacktestInputError(f"line {line_number}: counts must be finite and >= 0")
        yield raw_time, SeriesRow(timestamp, value, networks)


def _number(cell: str) -> float:
    """A count; an empty cell (or nan) is "no data"."""
    text = cell.strip()
    return float(text) if text else math.nan


EXPLAIN_COLUMNS = ("observed", "expected", "ratio", "probability", "window_minutes", "stale")


def _explained(verdict: RowVerdict) -> dict[str, Any]:
    def number(value: float) -> float | None:
        return None if math.isnan(value) else round(value, 6)

    return {
        "observed": number(verdict.observed),
        "expected": number(verdict.expected),
        "ratio": number(verdict.ratio),
        "probability": float(f"{verdict.probability:.3g}"),
        "window_minutes": verdict.window_minutes or None,
        "stale": verdict.stale,
    }


def run(source: IO[str], out: IO[str], *, explain: bool, header: bool, as_json: bool) -> int:
    """Write one verdict per input row, in input order; returns the number of rows."""
    rows = list(read_rows(source))
    verdicts = replay(row for _, row in rows)
    if as_json:
        items = []
        for (raw_time, _), verdict in zip(rows, verdicts, strict=True):
            item: dict[str, Any] = {"timestamp": raw_time, "status": verdict.status}
            if explain:
                item.update(_explained(verdict))
            items.append(item)
        json.dump(items, out)
        out.write("\n")
        return len(items)
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(["timestamp", "status", *(EXPLAIN_COLUMNS if explain else ())])
    count = 0
    for (raw_time, _), verdict in zip(rows, verdicts, strict=True):
        line: list[Any] = [raw_time, verdict.status]
        if explain:
            details = _explained(verdict)
            line += ["" if details[c] is None else details[c] for c in EXPLAIN_COLUMNS]
        writer.writerow(line)
        count += 1
    return count
