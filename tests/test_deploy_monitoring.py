"""The sample Prometheus files in deploy/ refer only to what the processes export."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage.sql import SqlStore
from tests.metrics_reading import samples

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_every_alert_reads_metrics_that_exist(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    text = _scrape(loaded_store, clock, tmp_path)
    exported = {name for name, _ in samples(text)}
    # Labelled counters appear once they move; their names are still declared by # TYPE.
    declared = set(re.findall(r"^# TYPE (\S+) (\S+)", text, re.MULTILINE))
    names = (
        exported
        | {f"{n}_total" for n, kind in declared if kind == "counter"}
        | {
            f"{n}_{suffix}"
            for n, kind in declared
            if kind == "histogram"
            for suffix in ("bucket", "count", "sum")
        }
        | {n for n, _ in declared}
    )

    rules = yaml.safe_load((DEPLOY / "outagewatch-alerts.yml").read_text())["groups"][0]["rules"]
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())

    assert config["rule_files"] == ["outagewatch-alerts.yml"]
    assert len(rules) >= 3
    for rule in rules:
        used = set(re.findall(r"outagewatch_[a-z_]+", rule["expr"]))
        assert used and used <= names, (rule["alert"], used - names)


def _scrape(store: SqlStore, clock: FixedClock, tmp_path: Path) -> str:
    settings = Settings(data_dir=tmp_path, run_detection=False, run_delivery=False)
    app = create_app(settings, store=store, clock=clock)
    with TestClient(app, client=("127.0.0.1", 9)) as local:
        response = local.get("/metrics")
    assert response.status_code == 200
    return str(response.text)
