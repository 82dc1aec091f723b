"""Memory and CPU time of a server and its workers, read from /proc (Linux only).

CPU seconds are what the benchmarks print beside wall-clock figures: on a shared machine,
other people's load stretches latencies far more than it changes the CPU a step costs.
"""

from __future__ import annotations

import os
from pathlib import Path


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (a server's supervisor and its workers)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        found.append(current)
        pending += [int(child) for child in children]
    return found


def memory_mb(pid: int) -> float:
    """Resident memory of the whole tree."""
    total_kb = 0
    for member in process_tree(pid):
        status = Path(f"/proc/{member}/status").read_text().splitlines()
        total_kb += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return total_kb / 1024


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the whole tree so far (exited children excluded)."""
    ticks = 0
    for member in process_tree(pid):
        # Fields after the command's closing parenthesis; utime and stime are 14th and 15th.
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time spent by every process on the machine so far, all cores added up."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
