"""The traffic of bench/loadtest.py, as locust users driven from code (no web UI).

    python bench/outage_load.py PLAN.json RESULT.json

bench/loadtest.py writes the plan and runs this in a process of its own, because locust
patches the standard library with gevent when imported, which the orchestrator's database
driver should never meet. Two kinds of users, spread over the web nodes as a load balancer
would: baseline users report on random services of the whole catalog and read random pages,
from the first second to the last; outage users wait for the outage phase, then report on
one service and read its page and status, 20 reads per report, each report from a new
simulated person (their own /24 network and user agent). Every report carries a unique
comment, so the orchestrator can tell exactly which acknowledged reports reached the
database.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant_throughput, task
from locust.env import Environment

PLAN: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text()) if __name__ == "__main__" else {}
BASELINE_READS_PER_REPORT = 5  # pages and status, on random services
PAGE_READS_PER_REPORT = 10  # in the outage: the service page (HTML) ...
STATUS_READS_PER_REPORT = 10  # ... and its status (JSON): 20 reads per report in all
OUTAGE = Event()  # set when the outage phase begins
_nodes = itertools.count()
_reports = itertools.count()


class Tally:
    """Answers by request name and status (0: no answer), and the acknowledged reports."""

    def __init__(self) -> None:
        self.statuses: defaultdict[str, Counter[int]] = defaultdict(Counter)
        self.acknowledged: list[str] = []  # the comments of reports answered 200 or 201

    def record(self, name: str, response: Any, context: dict[str, Any], **_: Any) -> None:
        status = getattr(response, "status_code", 0) or 0
        self.statuses[name][status] += 1
        if "comment" in context and 200 <= status < 300:
            self.acknowledged.append(context["comment"])


class Visitor(FastHttpUser):
    abstract = True

    def __init__(self, environment: Environment) -> None:
        nodes = PLAN["nodes"]
        self.host = nodes[next(_nodes) % len(nodes)]  # before the client is built on it
        super().__init__(environment)

    def report(self, slug: str, name: str) -> None:
        person = random.getrandbits(24)
        comment = f"lt-{next(_reports)}"
        self.client.post(
            f"/api/v1/services/{slug}/reports",
            json={"problem": "other", "comment": comment},
            headers={
                "X-Forwarded-For": f"{11 + person % 200}.{person >> 8 & 255}.{person >> 16}.7",
                "User-Agent": f"loadtest-{person}",
            },
            name=name,
            context={"comment": comment},
        )

    def read(self, slug: str, *, page: bool, phase: str) -> None:
        if page:
            self.client.get(f"/services/{slug}", name=f"page ({phase})")
        else:
            self.client.get(f"/api/v1/services/{slug}/status", name=f"status ({phase})")


class BaselineUser(Visitor):
    wait_time = constant_throughput(1)  # one report (and its reads) per user per second

    @task
    def visit(self) -> None:
        self.report(random.choice(PLAN["slugs"]), "report (baseline)")
        for number in range(BASELINE_READS_PER_REPORT):
            self.read(random.choice(PLAN["slugs"]), page=number % 2 == 0, phase="baseline")


class OutageUser(Visitor):
    # Its wait_time is set from the plan in main(): toward the target rate; when the servers
    # cannot keep up, the users go back to back, and the rate achieved is what this machine
    # sustains.

    def on_start(self) -> None:
        OUTAGE.wait()

    @task
    def visit(self) -> None:
        slug = PLAN["outage_slug"]
        self.report(slug, "report (outage)")
        for _ in range(PAGE_READS_PER_REPORT):
            self.read(slug, page=True, phase="outage")
        for _ in range(STATUS_READS_PER_REPORT):
            self.read(slug, page=False, phase="outage")


def snapshot(environment: Environment, tally: Tally, seconds: float) -> dict[str, Any]:
    requests = {
        name: {
            "count": entry.num_requests,
            "per_second": entry.num_requests / seconds,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "statuses": dict(tally.statuses[name]),
        }
        for (name, _method), entry in environment.stats.entries.items()
    }
    return {"seconds": seconds, "requests": requests}


def main() -> None:
    BaselineUser.fixed_count = PLAN["baseline_users"]
    OutageUser.fixed_count = PLAN["outage_users"]
    OutageUser.wait_time = constant_throughput(
        PLAN["target_reports_per_second"] / PLAN["outage_users"]
    )
    environment = Environment(user_classes=[BaselineUser, OutageUser])
    tally = Tally()
    environment.events.request.add_listener(tally.record)
    runner = environment.create_local_runner()
    users = PLAN["baseline_users"] + PLAN["outage_users"]
    # All users start at once (the outage users then wait for their phase); locust warns
    # that spawning more than 100 a second can misbehave.
    runner.start(users, spawn_rate=min(users, 100))
    gevent.sleep(PLAN["baseline_seconds"])
    phases = {"baseline": snapshot(environment, tally, PLAN["baseline_seconds"])}
    environment.stats.reset_all()
    tally.statuses.clear()
    OUTAGE.set()
    gevent.sleep(PLAN["outage_seconds"])
    phases["outage"] = snapshot(environment, tally, PLAN["outage_seconds"])
    runner.quit()  # requests still in flight are neither acknowledged nor counted
    result = {"phases": phases, "acknowledged": tally.acknowledged, "sent": next(_reports)}
    Path(sys.argv[2]).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
