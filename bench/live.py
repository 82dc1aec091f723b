"""How fast an open page learns of a new report: report -> Server-Sent Event, end to end.

    python bench/live.py [--viewers 200] [--reports 20] [--workers 2]

Starts the real server (N workers, temporary SQLite), opens `viewers` event streams on one
service (spread over the workers by the kernel), then sends reports one at a time and
measures, for every viewer, the time from sending the report to receiving the update that
carries it. The reference, measured in the same run, is the report's own round trip (its
acknowledgement). Prints p50, p99 and max, and the ratio of p50 to the round trip.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.serving import start_server

SERVICE = "whatsapp"


async def viewer(
    url: str, arrivals: dict[int, list[float]], ready: asyncio.Event, opened: list[int]
) -> None:
    async with (
        httpx.AsyncClient(timeout=None) as client,
        client.stream("GET", f"{url}/api/v1/services/{SERVICE}/events") as stream,
    ):
        opened.append(1)
        if len(opened) == VIEWERS:
            ready.set()
        async for line in stream.aiter_lines():
            if line.startswith("data: "):
                count = json.loads(line[6:])["reports_this_hour"]
                arrivals.setdefault(count, []).append(time.perf_counter())


async def measure(url: str, reports: int) -> tuple[list[float], list[float]]:
    arrivals: dict[int, list[float]] = {}
    ready = asyncio.Event()
    opened: list[int] = []
    viewers = [asyncio.create_task(viewer(url, arrivals, ready, opened)) for _ in range(VIEWERS)]
    await asyncio.wait_for(ready.wait(), timeout=60)
    await asyncio.sleep(2)  # let every stream get its first figures
    delays: list[float] = []
    round_trips: list[float] = []
    async with httpx.AsyncClient(base_url=url) as client:
        for number in range(reports):
            sent = time.perf_counter()
            answer = await client.post(
                f"/api/v1/services/{SERVICE}/reports",
                json={"problem": "messages"},
                headers={
                    "User-Agent": f"live-bench-{number}",
                    "X-Forwarded-For": f"100.{64 + number // 256}.{number % 256}.9",
                },
            )
            round_trips.append(time.perf_counter() - sent)
            assert answer.status_code == 201, answer.text  # a new, counted report
            count = answer.json()["reports_this_hour"]
            deadline = time.perf_counter() + 10
            while len(arrivals.get(count, [])) < VIEWERS and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)
            delays += [arrived - sent for arrived in arrivals.get(count, [])]
            missing = VIEWERS - len(arrivals.get(count, []))
            if missing:
                print(f"report {number}: {missing} viewers got no update within 10 s")
    for task in viewers:
        task.cancel()
    return delays, round_trips


VIEWERS = 200


def main() -> None:
    global VIEWERS
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    VIEWERS = options.viewers
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(
            Path(data_dir),
            workers=options.workers,
            OUTAGEWATCH_RUN_DETECTION="false",
            # Each report poses as its own network (X-Forwarded-For): believed from here only.
            OUTAGEWATCH_TRUSTED_PROXIES="127.0.0.1/32",
        )
        try:
            delays, round_trips = asyncio.run(measure(server.url, options.reports))
        finally:
            server.stop()
    delays.sort()
    p50 = statistics.median(delays)
    p99 = delays[int(len(delays) * 0.99) - 1]
    trip = statistics.median(round_trips)
    print(
        f"{options.viewers} viewers, {options.reports} reports, {options.workers} workers: "
        f"report -> update p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {delays[-1] * 1000:.0f} ms; report round trip p50 {trip * 1000:.1f} ms"
    )
    print(f"ratio update/round trip (p50): {p50 / trip:.1f}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
