"""Small builders shared by tests."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from fastapi.testclient import TestClient

from outagewatch.storage.records import NewReport
from outagewatch.storage.sql import SqlStore


def service_id(store: SqlStore, slug: str) -> int:
    for service in store.list_services():
        if service.slug == slug and service.id is not None:
            return service.id
    raise LookupError(slug)


def add_reports(
    store: SqlStore,
    slug: str,
    times: Iterable[datetime],
    *,
    problem: str = "messages",
    country: str | None = None,
    platform: str | None = None,
    counted: bool = True,
    networks: int | None = None,
    tag: str = "",
) -> None:
    """Store reports directly (no intake rules); uncounted ones count as duplicates."""
    target = service_id(store, slug)
    with store.transaction():
        store.record_reports(
            [
                NewReport(
                    service_id=target,
                    received_at=at,
                    problem=problem,
                    reporter_key=f"{tag}reporter-{index}",
                    network_key=f"{tag}network-{index % networks if networks else index}",
                    uncounted_reason=None if counted else "duplicate",
                    platform=platform,
                    country=country,
                )
                for index, at in enumerate(times)
            ]
        )


def eventually(condition: Callable[[], bool], *, timeout: float = 10.0) -> bool:
    """Whether `condition` comes true within `timeout` seconds, checking every 50 ms: for
    work another thread finishes (a bounded wait, never a fixed sleep)."""
    pause = threading.Event()  # never set: its wait() is a bounded pause
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        pause.wait(0.05)
    return True


# What a browser sends with a form from our own pages: the CSRF check wants it.
SAME_SITE = {"Origin": "http://testserver"}


def link_token(store: SqlStore, address: str) -> str:
    """The token of the newest sign-in link queued for an address (delivery is tested in
    tests/notify; here the queued message stands for the mail)."""
    links = [m for m in store.messages() if m.event == "signin" and m.address == address]
    assert links, f"no sign-in link was queued for {address}"
    match = re.search(r"token=(\S+)", links[-1].payload["link"])
    assert match is not None
    return match.group(1)


def sign_in(client: TestClient, store: SqlStore, address: str = "ada@example.org") -> None:
    response = client.post("/signin", data={"email": address}, headers=SAME_SITE)
    assert response.status_code == 200
    confirmed = client.post(
        "/signin/confirm",
        data={"token": link_token(store, address)},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/account"
