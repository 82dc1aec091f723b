"""A shared link's preview image under a flash crowd, against a file read in the same run.

    python bench/preview.py --seconds 10 [--rounds 5] [--workers 2] [--connections 128]

A link shared during an outage is fetched by every chat app and social site its readers
use. The real server (`outagewatch serve`, N workers) answers a crowd asking for TikTok's
preview PNG, and, in turns with it, for the stylesheet (a static file of about its size: what
"no more than a file read" means), and the bare ASGI reference. It prints req/s, p50/p99
and the ratios over all rounds, interleaved as in bench/read.py. A render happens once per
status and hour per worker; the first request of each worker pays it (the warm-up).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ingest import _row  # noqa: E402
from loadgen import LoadResult, run_load  # noqa: E402
from read import _combined  # noqa: E402
from servers import bare_reference, site  # noqa: E402

PREVIEW = "/services/tiktok/preview.png"
STATIC = "/static/app.css"  # 15 KB, a file of about the PNG's size
GOAL = 1.0  # the preview at least as fast as the file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="of load per target, in all")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=128)
    options = parser.parse_args()
    seconds = max(1, options.seconds // options.rounds)

    def load(url: str, duration: int = seconds) -> LoadResult:
        return run_load(url, None, seconds=duration, connections=options.connections)

    environment = {
        "OUTAGEWATCH_RUN_DETECTION": "false",
        "OUTAGEWATCH_POLL_OFFICIAL_STATUS": "false",
    }
    runs: dict[str, list[LoadResult]] = {"preview": [], "static": [], "bare": []}
    with (
        tempfile.TemporaryDirectory(prefix="outagewatch-bench-") as temporary,
        bare_reference(server="uvicorn", workers=options.workers, path="/") as bare_url,
        site(
            Path(temporary), server="uvicorn", workers=options.workers, environment=environment
        ) as base,
    ):
        image = httpx.get(base + PREVIEW, timeout=30)
        icon = httpx.get(base + STATIC, timeout=30)
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        for url in (base + PREVIEW, base + STATIC, bare_url):
            load(url, 1)  # warm-up: every worker draws its image once here
        for _ in range(options.rounds):
            runs["preview"].append(load(base + PREVIEW))
            runs["static"].append(load(base + STATIC))
            runs["bare"].append(load(bare_url))

    totals = {name: _combined(results) for name, results in runs.items()}
    print(
        f"uvicorn, {options.workers} workers, {options.connections} connections, "
        f"{options.rounds} rounds of {seconds} s per target, load by {totals['bare'].tool}"
    )
    print(
        f"bytes per answer: preview PNG {len(image.content):,}, static file {len(icon.content):,}"
    )
    print(_row("bare ASGI", totals["bare"]))
    print(_row("static file (app.css)", totals["static"]))
    print(_row("preview PNG (cached)", totals["preview"]))
    ratio = totals["preview"].per_second / totals["static"].per_second
    verdict = "met" if ratio >= GOAL else "MISSED"
    print(f"ratio preview / static file: {ratio:.2f}   goal >= {GOAL}: {verdict}")
    print(f"ratio preview / bare: {totals['preview'].per_second / totals['bare'].per_second:.2f}")


if __name__ == "__main__":
    main()
