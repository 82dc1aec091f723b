"""Without SMTP (the embedded default), mail lands in a local maildir and an operator page."""

from __future__ import annotations

from pathlib import Path

import httpx

from outagewatch.clock import FixedClock
from outagewatch.notify.email import read_maildir
from outagewatch.storage.sql import SqlStore
from tests.helpers import eventually
from tests.serving import site_in_thread


def test_mail_goes_to_the_local_mailbox_shown_to_the_machine_owner_only(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    with site_in_thread(
        loaded_store,
        clock,
        tmp_path,
        run_delivery=True,
        delivery_interval_seconds=0.2,
        local_mail_page=True,  # a single-user machine: its own user may read the mailbox
    ) as site:
        url = site.url
        asked = httpx.post(
            f"{url}/signin", data={"email": "ada@example.org"}, headers={"Origin": url}
        )
        assert asked.status_code == 200
        assert eventually(lambda: len(read_maildir(site.settings.maildir_path())) == 1)

        local = httpx.get(f"{url}/operator/mail")
        proxied = httpx.get(f"{url}/operator/mail", headers={"X-Forwarded-For": "203.0.113.7"})

    assert local.status_code == 200
    assert "Your link to sign in to OutageWatch" in local.text
    assert "ada@example.org" in local.text and "/signin/confirm?token=" in local.text
    assert proxied.status_code == 404  # through a proxy, a visitor is not the machine's owner
