from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from outagewatch.cli import app

runner = CliRunner()


def _csv(tmp_path: Path, rows: list[str], header: str = "timestamp,value") -> Path:
    path = tmp_path / "series.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _flat(count: int) -> list[str]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        f"{(start + timedelta(minutes=5 * i)).strftime('%Y-%m-%d %H:%M:%S')},{10 + i % 3}"
        for i in range(count)
    ]


def test_one_line_per_row_in_input_order(tmp_path: Path) -> None:
    rows = _flat(400)

    result = runner.invoke(app, ["backtest", str(_csv(tmp_path, rows))])

    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert len(lines) == 400
    assert [line.split(",")[0] for line in lines] == [row.split(",")[0] for row in rows]
    assert {line.split(",")[1] for line in lines} == {"ok"}


def test_count_column_iso_timestamps_header_and_explain(tmp_path: Path) -> None:
    rows = [f"2026-01-01T{h:02d}:00:00Z,{5}" for h in range(24)]

    result = runner.invoke(
        app, ["backtest", "--header", "--explain", str(_csv(tmp_path, rows, "timestamp,count"))]
    )

    lines = result.stdout.splitlines()
    assert lines[0] == "timestamp,status,observed,expected,ratio,probability,window_minutes,stale"
    assert len(lines) == 25
    assert lines[1].startswith("2026-01-01T00:00:00Z,ok,")


def test_json_output(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["backtest", "--format", "json", "--explain", str(_csv(tmp_path, _flat(100)))]
    )

    items = json.loads(result.stdout)
    assert len(items) == 100
    assert set(items[-1]) == {
        "timestamp",
        "status",
        "observed",
        "expected",
        "ratio",
        "probability",
        "window_minutes",
        "stale",
    }


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    bad_header = runner.invoke(app, ["backtest", str(_csv(tmp_path, ["x,1"], "when,what"))])
    bad_row = runner.invoke(app, ["backtest", str(_csv(tmp_path, ["2026-01-01 00:00:00,abc"]))])

    assert bad_header.exit_code == 2
    assert "timestamp,value" in bad_header.output
    assert bad_row.exit_code == 2
    assert "line 2" in bad_row.output


def _quiet_days_then(rows_after: list[str], *, networks: bool) -> list[str]:
    """Two quiet days (a report every tenth minute), then the given rows."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    quiet = []
    for minute in range(2 * 1440):
        moment = (start + timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:%S")
        value = 1 if minute % 10 == 0 else 0
        quiet.append(f"{moment},{value}" + (f",{value}" if networks else ""))
    return quiet + rows_after


def _burst(networks: int | None) -> list[str]:
    start = datetime(2026, 1, 3, tzinfo=UTC)
    rows = []
    for minute in range(10):
        moment = (start + timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:%S")
        rows.append(f"{moment},40" + (f",{networks}" if networks is not None else ""))
    return rows


def test_a_networks_column_keeps_a_few_networks_from_making_a_major_outage(
    tmp_path: Path,
) -> None:
    few = _quiet_days_then(_burst(5), networks=True)
    many = _quiet_days_then(_burst(None), networks=False)

    few_result = runner.invoke(
        app, ["backtest", str(_csv(tmp_path, few, "timestamp,value,networks"))]
    )
    many_result = runner.invoke(app, ["backtest", str(_csv(tmp_path, many))])

    assert few_result.exit_code == 0 and many_result.exit_code == 0
    assert "major" not in few_result.stdout
    assert "major" in many_result.stdout  # each report its own network: 400 people


def test_an_empty_value_is_no_data_and_holds_the_status_as_stale(tmp_path: Path) -> None:
    start = datetime(2026, 1, 3, 0, 10, tzinfo=UTC)
    gap = [
        (start + timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:%S") + ","
        for minute in range(30)
    ]
    rows = _quiet_days_then([*_burst(None), *gap], networks=False)

    result = runner.invoke(
        app, ["backtest", "--explain", "--format", "json", str(_csv(tmp_path, rows))]
    )

    items = json.loads(result.stdout)
    in_gap = items[-20:]
    assert {item["status"] for item in in_gap} == {"major"}
    assert all(item["stale"] for item in in_gap)
