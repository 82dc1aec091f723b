"""Drive a server with wrk when installed, else with a bounded asyncio client; same figures.

With a body, each request is a report POST from its own simulated person; without one
(body=None), an anonymous GET with the given headers, as a crowd opening the same page sends.
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

# Each request comes from its own simulated person: a random /24 network (sent as
# X-Forwarded-For, which the server trusts from 127.0.0.1 in benchmarks) and user agent.
WRK_SCRIPT = """
local body = '%(body)s'
local counter = 0
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%%x+)"), 16) %% 100000)
end
function request()
  counter = counter + 1
  local id = math.random(0, 16777215)
  local forwarded = (11 + id %% 200) .. "." .. (math.floor(id / 200) %% 256) .. "." ..
    (math.floor(id / 51200) %% 256) .. ".7"
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = forwarded,
    ["User-Agent"] = "bench-" .. id .. "-" .. counter,
  }, body)
end
"""


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests: int  # completed
    non_2xx: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def acknowledged(self) -> int:
        return self.requests - self.non_2xx


def _milliseconds(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"unexpected wrk latency {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def _percentile(output: str, percent: int) -> float:
    """A line of wrk's "Latency Distribution" table, e.g. '     99%   12.31ms'."""
    match = re.search(rf"^\s+{percent}%\s+(\S+)\s*$", output, re.MULTILINE)  # "1.50s "
    if match is None:
        raise ValueError(f"no {percent}% line in wrk's output:\n{output}")
    return _milliseconds(match.group(1))


def run_wrk(
    url: str,
    body: str | None,
    *,
    seconds: int,
    connections: int,
    threads: int,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    script: Path | None = None
    if body is not None:  # without a body, wrk's own GET: no script to slow the load down
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
            file.write(WRK_SCRIPT % {"body": body})
        script = Path(file.name)
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if script is not None:
        script.unlink()
    completed = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output)
    assert completed, output
    elapsed = float(completed.group(2)) * (60 if completed.group(3) == "m" else 1)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return LoadResult(
        tool="wrk",
        requests=int(completed.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        seconds=elapsed,
        p50_ms=_percentile(output, 50),
        p99_ms=_percentile(output, 99),
    )


def _address(person_id: int) -> str:
    """A /24 network of its own for each simulated person."""
    return f"{11 + person_id % 200}.{person_id >> 8 & 255}.{person_id >> 16}.7"


async def _run_client(
    url: str,
    body: str | None,
    *,
    seconds: int,
    connections: int,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    latencies: list[float] = []
    non_2xx = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async def person(client: httpx.AsyncClient) -> None:
        nonlocal non_2xx
        while time.monotonic() < deadline:
            person_id = random.getrandbits(24)
            started = time.perf_counter()
            if body is None:
                response = await client.get(url, headers=headers)
            else:
                response = await client.post(
                    url,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Forwarded-For": _address(person_id),
                        "User-Agent": f"bench-{person_id}",
                    },
                )
            latencies.append((time.perf_counter() - started) * 1000)
            non_2xx += not 200 <= response.status_code < 300

    started = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(person(client) for _ in range(connections)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return LoadResult(
        tool="python client",
        requests=len(latencies),
        non_2xx=non_2xx,
        seconds=elapsed,
        p50_ms=latencies[len(latencies) // 2],
        p99_ms=latencies[int(len(latencies) * 0.99)],
    )


def run_load(
    url: str,
    body: str | None,
    *,
    seconds: int,
    connections: int,
    threads: int = 2,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """POST `body` as many people, or GET with `headers` when body is None."""
    if shutil.which("wrk"):
        return run_wrk(
            url,
            body,
            seconds=seconds,
            connections=connections,
            threads=threads,
            headers=headers,
        )
    return asyncio.run(
        _run_client(url, body, seconds=seconds, connections=connections, headers=headers)
    )
