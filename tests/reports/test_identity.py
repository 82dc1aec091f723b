from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outagewatch.reports.client import TrustedProxies, client_address
from outagewatch.reports.identity import ReporterKeys, network_of
from outagewatch.reports.platforms import platform_from_user_agent

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)
KEYS = ReporterKeys(b"0123456789abcdef0123456789abcdef")


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
    ],
)
def test_a_reporter_is_known_by_network_not_address(address: str, network: str) -> None:
    assert network_of(address) == network


def test_the_same_person_gets_the_same_key_all_day() -> None:
    morning = KEYS.reporter_key(network="203.0.113.0/24", user_agent="UA", now=NOW)
    evening = KEYS.reporter_key(
        network="203.0.113.0/24", user_agent="UA", now=NOW + timedelta(hours=11)
    )

    assert morning == evening
    assert len(morning) == 32
    assert "203" not in morning


def test_keys_rotate_at_midnight_utc() -> None:
    today = KEYS.reporter_key(network="203.0.113.0/24", user_agent="UA", now=NOW)
    tomorrow = KEYS.reporter_key(
        network="203.0.113.0/24", user_agent="UA", now=NOW + timedelta(days=1)
    )

    assert today != tomorrow


def test_browsers_on_one_network_are_different_reporters_of_one_network() -> None:
    first = KEYS.reporter_key(network="203.0.113.0/24", user_agent="Firefox", now=NOW)
    second = KEYS.reporter_key(network="203.0.113.0/24", user_agent="Chrome", now=NOW)

    assert first != second
    assert KEYS.network_key(network="203.0.113.0/24", now=NOW) not in (first, second)


def test_another_installation_cannot_link_keys() -> None:
    other = ReporterKeys(b"another secret of sixteen+ bytes")

    assert other.reporter_key(network="n", user_agent="u", now=NOW) != KEYS.reporter_key(
        network="n", user_agent="u", now=NOW
    )


PROXIES = TrustedProxies(["10.0.0.0/8", "127.0.0.1", "2001:db8::/32"])


def test_forwarded_for_is_ignored_from_strangers() -> None:
    assert client_address("198.51.100.1", "203.0.113.5", PROXIES) == "198.51.100.1"


def test_forwarded_for_is_believed_from_our_proxies() -> None:
    assert client_address("10.1.2.3", "203.0.113.5", PROXIES) == "203.0.113.5"


def test_a_spoofed_hop_left_of_the_real_client_is_ignored() -> None:
    chain = "1.2.3.4, 203.0.113.5, 10.9.9.9"

    assert client_address("127.0.0.1", chain, PROXIES) == "203.0.113.5"


def test_ipv6_proxies_are_trusted_too() -> None:
    assert client_address("2001:db8::5", "2a00:1450::1", PROXIES) == "2a00:1450::1"
    assert client_address("2001:db9::5", "2a00:1450::1", PROXIES) == "2001:db9::5"


def test_a_malformed_chain_falls_back_to_the_peer() -> None:
    assert client_address("10.1.2.3", "not-an-ip", PROXIES) == "10.1.2.3"


def test_a_peer_that_is_not_an_address_shares_the_unknown_network() -> None:
    assert client_address("testclient", None, PROXIES) == "0.0.0.0"


@pytest.mark.parametrize(
    ("agent", "platform"),
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "ios"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8)", "android"),
        ("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0", "web"),
        ("", "web"),
    ],
)
def test_platform_defaults_from_the_user_agent(agent: str, platform: str) -> None:
    assert platform_from_user_agent(agent) == platform
