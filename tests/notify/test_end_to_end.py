"""On a running server: follow a service, an outage, its recovery, and exactly one e-mail.

The server runs in this process with a fixed clock and its own deliverer; the test runs the
detection ticks itself, so forty minutes of outage and recovery take no waiting. The mail
goes over real SMTP to a local server.
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.sql import SqlStore
from tests.helpers import add_reports, eventually
from tests.mailserver import MailServer

# The product promises the recovery message within 2 minutes of the recovery; the wait is
# bounded by that promise, not a guess at how fast this machine is.
RECOVERY_MAIL_PROMISE_SECONDS = 120


def _text(mail: object) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[attr-defined,no-any-return]


def test_a_follower_gets_exactly_one_recovery_mail_with_a_working_unsubscribe(
    notifying_site: str, loaded_store: SqlStore, clock: FixedClock, mail_server: MailServer
) -> None:
    origin = {"Origin": notifying_site}
    with httpx.Client(base_url=notifying_site, headers=origin, follow_redirects=True) as browser:
        asked = browser.post(
            "/services/whatsapp/follow", data={"email": "ada@example.org", "notify": "recovery"}
        )
        assert "Check your inbox" in asked.text
        (signin_mail,) = mail_server.wait_for(1, timeout=30)
        token = re.search(r"token=(\S+)", _text(signin_mail))
        assert token is not None
        confirmed = browser.post("/signin/confirm", data={"token": token.group(1)})
        assert "You follow WhatsApp" in confirmed.text

    monitor = Monitor(loaded_store)
    catalog = CatalogIndex(loaded_store.list_services())
    add_reports(loaded_store, "whatsapp", [clock.now() - timedelta(seconds=i) for i in range(400)])
    monitor.tick(catalog, now=clock.now())
    for _ in range(8):  # forty quiet minutes, a tick every five
        clock.advance(timedelta(minutes=5))
        monitor.tick(catalog, now=clock.now())

    _signin, recovery = mail_server.wait_for(2, timeout=RECOVERY_MAIL_PROMISE_SECONDS)
    assert recovery["Subject"] == "WhatsApp is back online"
    assert recovery["To"] == "ada@example.org"
    body = _text(recovery)
    assert "Reports fell back to the usual level" in body
    assert "Major outage detected" in body  # the incident's timeline travels with it

    def incident_messages() -> list[tuple[str, str]]:
        return [(m.event, m.state) for m in loaded_store.messages() if m.event != "signin"]

    # The mail server has it before the deliverer records it as sent.
    assert eventually(lambda: incident_messages() == [("recovered", "sent")]), incident_messages()
    queued = [m for m in loaded_store.messages() if m.event == "recovered"]
    assert len(mail_server.messages) == 2  # no "problems started" mail: not asked for

    unsubscribe = re.fullmatch(r"<(.+)>", str(recovery["List-Unsubscribe"]).strip())
    assert unsubscribe is not None
    one_click = httpx.post(unsubscribe.group(1), content=b"List-Unsubscribe=One-Click")
    assert one_click.status_code == 200
    account = queued[0].account_id
    assert account is not None
    assert loaded_store.follows_of(account) == []
