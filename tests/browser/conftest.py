"""Browser fixtures: the real `outagewatch serve` process and Debian's headless Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
SERVER_START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]


def _chromium_path() -> str:
    configured = os.environ.get("OUTAGEWATCH_CHROMIUM")
    for candidate in (configured, *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    reason = "Chromium not found (install Debian's chromium or set OUTAGEWATCH_CHROMIUM)"
    if os.environ.get("OUTAGEWATCH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"OUTAGEWATCH_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll the starting server; every wait is bounded, and so is the whole."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/categories", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            # The socket is not open yet; block on the process briefly instead of spinning.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
    raise RuntimeError("server did not start in time")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    port = _free_port()
    environment = {
        **os.environ,
        "OUTAGEWATCH_DATA_DIR": str(tmp_path_factory.mktemp("live")),
        "OUTAGEWATCH_PORT": str(port),
    }
    environment.pop("OUTAGEWATCH_DATABASE_URL", None)
    command = [sys.executable, "-m", "outagewatch", "serve"]
    process = subprocess.Popen(command, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, process)
        yield LiveServer(url, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    executable = _chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: object) -> Iterator[object]:
    context = chromium.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()
