"""Benchmark of the read path under a flash crowd, against a bare ASGI app in the same run.

    python bench/read.py --seconds 10 [--rounds 5] [--workers 2] [--server uvicorn|granian]
                         [--connections 128] [--request-log-cost]

It starts the real server as production runs it (`outagewatch serve`, N workers, detection
and official-status polling off) on a temporary database holding the catalog and an outage's
worth of TikTok reports, and the bare ASGI reference (bench/bare_app.py) on the same server
program with the same workers. A crowd of anonymous clients (wrk if installed, else the
bounded Python client) asks for TikTok's status JSON, for its service page as browsers do
(Accept-Encoding: gzip), and for the page uncompressed, as fast as the server answers.

The reference is measured before and after each round of the three, and each round's ratio
is taken against the average of the two; `--seconds` per target is split into `--rounds`
short runs. Machines shared with other work swing by 2x within a minute (measured here),
and interleaving keeps such drift out of the ratios. It prints req/s (over all rounds), the
median p50 and p99 of the rounds, and each ratio over all rounds with its range.

With --request-log-cost it runs two sites instead, one writing a line per request and one
not (OUTAGEWATCH_LOG_REQUESTS), and measures the status JSON of both in the same rounds:
what the request log costs the leanest answer, free of the drift between two runs, in rate
and in the servers' CPU time per answer (which other people's load changes far less).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import procstat  # noqa: E402
from ingest import _row  # noqa: E402
from loadgen import LoadResult, run_load  # noqa: E402
from servers import bare_reference, site  # noqa: E402

SERVICE = "tiktok"
STATUS_PATH = f"/api/v1/services/{SERVICE}/status"
PAGE_PATH = f"/services/{SERVICE}"
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}  # what every browser sends
UNCOMPRESSED = {"Accept-Encoding": "identity"}
OUTAGE_REPORTS = 300  # so the page has a chart, problems, regions and a map to show
PROBLEMS = ["login", "feed", "messages", "app-website-errors"]
NETWORKS = ["81.2", "2.16", "5.39", "8.8", "31.13", "41.203"]  # /16s of a few countries


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    headers: dict[str, str]
    goal: float | None  # of the bare app's req/s (issue 7); None: shown for information


TARGETS = [
    Target("status JSON", STATUS_PATH, {}, 0.8),
    # ~33 KB in an outage (~8 KB gzipped) against the reference's 90 bytes: a lower bar.
    Target("page (gzip, browsers)", PAGE_PATH, BROWSER, 0.6),
    Target("page (uncompressed)", PAGE_PATH, UNCOMPRESSED, None),
]


def bare_server(options: argparse.Namespace) -> contextlib.AbstractContextManager[str]:
    return bare_reference(server=options.server, workers=options.workers, path=STATUS_PATH)


@contextlib.contextmanager
def site_server(
    options: argparse.Namespace, data_dir: Path, *, log_requests: bool = True
) -> Iterator[str]:
    environment = {
        "OUTAGEWATCH_RUN_DETECTION": "false",
        "OUTAGEWATCH_POLL_OFFICIAL_STATUS": "false",
        "OUTAGEWATCH_LOG_REQUESTS": str(log_requests).lower(),
    }
    with site(
        data_dir, server=options.server, workers=options.workers, environment=environment
    ) as base:
        _report_an_outage(base)
        yield base


def _report_an_outage(base: str) -> None:
    """Reports from many people and a few countries, through the public API."""
    with httpx.Client(base_url=base, timeout=10) as client:
        for person in range(OUTAGE_REPORTS):
            network = NETWORKS[person % len(NETWORKS)]
            answer = client.post(
                f"/api/v1/services/{SERVICE}/reports",
                json={"problem": PROBLEMS[person % len(PROBLEMS)]},
                headers={
                    # A /24 each: the rate limits and brigade rule work per network.
                    "X-Forwarded-For": f"{network}.{person % 250}.7",
                    "User-Agent": f"bench-reader-{person}",
                },
            )
            answer.raise_for_status()


def _response_size(base: str, target: Target) -> int:
    """Bytes per answer; and a check that the load measures the snapshot, not a fallback:
    every answer of the snapshot carries an ETag."""
    answer = httpx.get(base + target.path, headers=target.headers, timeout=10)
    if answer.status_code != 200 or "etag" not in answer.headers:
        raise RuntimeError(f"{target.path} is not served from the snapshot: {answer.headers}")
    return int(answer.headers["content-length"])


def _combined(results: list[LoadResult]) -> LoadResult:
    """Rounds as one run: requests over the time of all; the median round's percentiles."""
    return LoadResult(
        tool=results[0].tool,
        requests=sum(result.requests for result in results),
        non_2xx=sum(result.non_2xx for result in results),
        seconds=sum(result.seconds for result in results),
        p50_ms=statistics.median(result.p50_ms for result in results),
        p99_ms=statistics.median(result.p99_ms for result in results),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="of load per target, in all")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=128)
    parser.add_argument("--server", choices=["granian", "uvicorn"], default="uvicorn")
    parser.add_argument(
        "--request-log-cost", action="store_true", help="status JSON with and without the log"
    )
    options = parser.parse_args()
    seconds = max(1, options.seconds // options.rounds)
    if options.request_log_cost:
        request_log_cost(options, seconds)
        return

    def load(url: str, headers: dict[str, str], duration: int = seconds) -> LoadResult:
        return run_load(
            url, None, seconds=duration, connections=options.connections, headers=headers
        )

    bare: list[LoadResult] = []
    runs: dict[str, list[LoadResult]] = {target.name: [] for target in TARGETS}
    with (
        tempfile.TemporaryDirectory(prefix="outagewatch-bench-") as temporary,
        bare_server(options) as bare_url,
        site_server(options, Path(temporary)) as base,
    ):
        sizes = {target.name: _response_size(base, target) for target in TARGETS}
        load(bare_url, {}, 1)  # warm-up
        for target in TARGETS:
            load(base + target.path, target.headers, 1)
        bare.append(load(bare_url, {}))
        for _ in range(options.rounds):
            for target in TARGETS:
                runs[target.name].append(load(base + target.path, target.headers))
            bare.append(load(bare_url, {}))

    reference = _combined(bare)
    print(
        f"server: {options.server}, {options.workers} workers, {options.connections} "
        f"connections, {options.rounds} rounds of {seconds} s per target, load by "
        f"{reference.tool}, anonymous GETs"
    )
    print("bytes per answer: " + ", ".join(f"{name} {size:,}" for name, size in sizes.items()))
    print(_row("bare ASGI", reference))
    for target in TARGETS:
        print(_row(target.name, _combined(runs[target.name])))
    for target in TARGETS:
        results = runs[target.name]
        ratio = _combined(results).per_second / reference.per_second
        per_round = [
            result.per_second / ((before.per_second + after.per_second) / 2)
            for result, before, after in zip(results, bare, bare[1:], strict=False)
        ]
        verdict = (
            ""
            if target.goal is None
            else f"   goal >= {target.goal}: {'met' if ratio >= target.goal else 'MISSED'}"
        )
        print(
            f"ratio {target.name} / bare: {ratio:.2f}   "
            f"(rounds {min(per_round):.2f}-{max(per_round):.2f}){verdict}"
        )


def _server_pid(data_dir: Path) -> int:
    """The `outagewatch serve` started on this data directory (its workers are its children)."""
    for candidate in Path("/proc").iterdir():
        if not candidate.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            command = (candidate / "cmdline").read_bytes().split(b"\0")
            environment = (candidate / "environ").read_bytes().split(b"\0")
            if b"serve" in command and f"OUTAGEWATCH_DATA_DIR={data_dir}".encode() in environment:
                return int(candidate.name)
    raise RuntimeError(f"no server runs on {data_dir}")


def request_log_cost(options: argparse.Namespace, seconds: int) -> None:
    """Status JSON from a site that logs each request and one that does not, in turns."""

    def load(url: str) -> LoadResult:
        return run_load(url, None, seconds=seconds, connections=options.connections)

    kinds = ("with request log", "without")
    runs: dict[str, list[LoadResult]] = {name: [] for name in (*kinds, "bare ASGI")}
    cpu = dict.fromkeys(kinds, 0.0)
    with (
        tempfile.TemporaryDirectory(prefix="outagewatch-bench-") as logged_dir,
        tempfile.TemporaryDirectory(prefix="outagewatch-bench-") as quiet_dir,
        bare_server(options) as bare_url,
        site_server(options, Path(logged_dir), log_requests=True) as logged,
        site_server(options, Path(quiet_dir), log_requests=False) as quiet,
    ):
        urls = {"with request log": logged + STATUS_PATH, "without": quiet + STATUS_PATH}
        pids = {
            "with request log": _server_pid(Path(logged_dir)),
            "without": _server_pid(Path(quiet_dir)),
        }
        for url in (*urls.values(), bare_url):
            run_load(url, None, seconds=1, connections=options.connections)  # warm-up
        for round_number in range(options.rounds):
            # Alternating which goes first, so neither always follows the reference.
            order = kinds if round_number % 2 == 0 else kinds[::-1]
            for name in order:
                before = procstat.cpu_seconds(pids[name])
                runs[name].append(load(urls[name]))
                cpu[name] += procstat.cpu_seconds(pids[name]) - before
            runs["bare ASGI"].append(load(bare_url))
    print(
        f"server: {options.server}, {options.workers} workers, {options.connections} "
        f"connections, {options.rounds} rounds of {seconds} s each, status JSON"
    )
    combined = {name: _combined(results) for name, results in runs.items()}
    for name, result in combined.items():
        print(_row(name, result))
    bare = combined["bare ASGI"].per_second
    per_answer = {name: cpu[name] / combined[name].requests * 1e6 for name in kinds}
    for name in kinds:
        print(
            f"ratio {name} / bare: {combined[name].per_second / bare:.2f}   "
            f"server CPU per answer {per_answer[name]:.1f} us"
        )
    per_round = [
        logged.per_second / quiet.per_second
        for logged, quiet in zip(runs[kinds[0]], runs[kinds[1]], strict=True)
    ]
    cost = 1 - combined[kinds[0]].per_second / combined[kinds[1]].per_second
    print(
        f"the request log costs the status JSON {cost:.0%} of its rate "
        f"(with / without per round {min(per_round):.2f}-{max(per_round):.2f}) and "
        f"{per_answer[kinds[0]] / per_answer[kinds[1]] - 1:.0%} more server CPU per answer"
    )


if __name__ == "__main__":
    main()
