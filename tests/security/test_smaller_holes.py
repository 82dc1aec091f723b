"""The smaller holes: redirects built from the Host header, a loose origin check, unsubscribe
links that confirm a guessed address, a world-readable data directory, and everyone's sign-in
links shown to any local user."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.notify.accounts import Accounts
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import SAME_SITE, service_id, sign_in
from tests.serving import site_in_thread


@pytest.mark.parametrize("path", ["/admin/", "/account/", "/search/", "/services/discord/"])
def test_trailing_slash_redirects_never_name_the_requests_host(
    client: TestClient, path: str
) -> None:
    response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)

    assert response.status_code in (301, 307, 308, 404)
    assert "evil.example" not in response.headers.get("location", "")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://testserver"},  # https on an http site
        {"Origin": "http://testserver:8080"},  # another port
        {"Origin": "http://evil.example", "Host": "evil.example"},  # both chosen by the sender
        {"Referer": "http://evil.example/page", "Host": "evil.example"},
    ],
)
def test_forms_from_another_origin_are_refused(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/signin", data={"email": "ada@example.org"}, headers=headers)

    assert response.status_code == 403


def test_forms_from_this_site_are_taken(client: TestClient) -> None:
    response = client.post("/signin", data={"email": "ada@example.org"}, headers=SAME_SITE)

    assert response.status_code == 200


def test_an_unsubscribe_link_does_not_carry_a_hash_of_the_address(
    client: TestClient, loaded_store: SqlStore, tmp_path: Path
) -> None:
    sign_in(client, loaded_store, "ada@example.org")
    accounts = Accounts(
        loaded_store,
        secret=Settings(data_dir=tmp_path).resolved_secret(),
        public_url="http://testserver",
    )
    tiktok = service_id(loaded_store, "tiktok")
    client.post("/services/tiktok/follow", data={"notify": "both"}, headers=SAME_SITE)
    link = accounts.unsubscribe_url(1, tiktok)
    payload = link.rsplit("/", 1)[1].split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()

    guessed = hashlib.sha256(b"ada@example.org").hexdigest()[:16]
    assert guessed not in decoded
    assert "ada@example.org" not in decoded
    assert json.loads(decoded)[:2] == [1, tiktok]
    assert accounts.unsubscribe(link.rsplit("/", 1)[1]) == (1, tiktok)  # and it still works


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_and_its_files_are_the_owners_alone(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    left_by_an_older_version = data_dir / "outagewatch.db-backup"
    left_by_an_older_version.write_bytes(b"old")
    left_by_an_older_version.chmod(0o644)
    environment = {**os.environ, "OUTAGEWATCH_DATA_DIR": str(data_dir)}
    environment.pop("OUTAGEWATCH_DATABASE_URL", None)

    subprocess.run(
        [sys.executable, "-m", "outagewatch", "migrate"],
        env={**environment, "OUTAGEWATCH_SECRET_KEY": ""},
        check=True,
        capture_output=True,
        timeout=120,
    )

    assert _mode(data_dir) == 0o700
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert data_dir / "outagewatch.db" in files
    assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}


def _mail_page(tmp_path: Path, store: SqlStore, clock: FixedClock, **settings: object) -> int:
    with site_in_thread(store, clock, tmp_path, **settings) as site:
        return httpx.get(f"{site.url}/operator/mail").status_code


def test_the_local_mailbox_page_is_not_for_any_local_user_by_default(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    assert _mail_page(tmp_path, loaded_store, clock) == 404
    assert _mail_page(tmp_path, loaded_store, clock, local_mail_page=True) == 200


def test_an_operator_account_reads_the_local_mailbox(
    client: TestClient, loaded_store: SqlStore
) -> None:
    with loaded_store.transaction():
        loaded_store.set_role("op@example.org", "operator", now=NOW)
    sign_in(client, loaded_store, "op@example.org")

    assert client.get("/operator/mail").status_code == 200
