"""Reading Statuspage summaries and RSS/Atom feeds: pure functions, no server needed."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from outagewatch.signals.official_parsing import (
    SourceFormatError,
    discover_feed,
    guess_status,
    is_web_page,
    parse_feed,
    parse_statuspage_summary,
    plain_text,
    statuspage_summary_url,
)
from tests.signals.status_server import fixture

BASE = "https://status.chat.example"
FETCHED_AT = datetime(2026, 11, 18, 15, 42, tzinfo=UTC)


def _summary() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture("statuspage_summary.json"))
    return data


def _first_incident(data: dict[str, Any]) -> dict[str, Any]:
    incident: dict[str, Any] = data["incidents"][0]
    return incident


def test_each_update_of_an_unresolved_incident_becomes_an_update_oldest_first() -> None:
    parsed = parse_statuspage_summary(_summary(), base_url=BASE)

    assert (parsed.indicator, parsed.description) == ("major", "Partial System Outage")
    assert [update.status for update in parsed.updates] == [
        "investigating",
        "identified",
        "monitoring",
    ]
    assert [update.at for update in parsed.updates] == [
        datetime(2026, 11, 18, 14, 52, 10, 321000, tzinfo=UTC),
        datetime(2026, 11, 18, 15, 9, 41, 402000, tzinfo=UTC),  # written as 10:09 -05:00
        datetime(2026, 11, 18, 15, 31, 7, 190000, tzinfo=UTC),
    ]
    first = parsed.updates[0]
    assert first.update_key == "statuspage:p31zjtct2jer:k6xs3bf01nvq"
    assert first.incident_key == "p31zjtct2jer"
    assert first.incident_name == "Messages delayed or not delivered"
    assert first.link == "https://stspg.io/chat4812"
    assert first.impact == "major"
    assert first.body.startswith("We are investigating reports of messages")


def test_a_page_without_incidents_says_all_is_well_with_no_updates() -> None:
    parsed = parse_statuspage_summary(
        json.loads(fixture("statuspage_resolved.json")), base_url=BASE
    )

    assert (parsed.indicator, parsed.description, parsed.updates) == (
        "none",
        "All Systems Operational",
        (),
    )


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("status", "not a Statuspage summary: missing 'status'"),
        ("page", "not a Statuspage summary: missing 'page'"),
        ("incidents", "not a Statuspage summary: missing 'incidents'"),
        ("components", "not a Statuspage summary: missing 'components'"),
    ],
)
def test_a_summary_missing_a_documented_part_is_refused(missing: str, message: str) -> None:
    data = _summary()
    del data[missing]

    with pytest.raises(SourceFormatError) as raised:
        parse_statuspage_summary(data, base_url=BASE)

    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ([1, 2], "not a Statuspage summary: the answer is not an object"),
        (
            {"page": {}, "status": {"indicator": "none"}, "components": [], "incidents": []},
            "not a Statuspage summary: missing 'description'",
        ),
        (
            {
                "page": {},
                "status": {"indicator": "none", "description": "ok"},
                "components": [],
                "incidents": {},
            },
            "not a Statuspage summary: 'incidents' is not a list",
        ),
    ],
)
def test_a_summary_of_the_wrong_shape_says_what_is_off(answer: Any, message: str) -> None:
    with pytest.raises(SourceFormatError) as raised:
        parse_statuspage_summary(answer, base_url=BASE)

    assert str(raised.value) == message


def test_an_incident_without_updates_or_an_update_without_a_time_is_refused() -> None:
    without_updates = _summary()
    del _first_incident(without_updates)["incident_updates"]
    timeless = _summary()
    for update in _first_incident(timeless)["incident_updates"]:
        for key in ("display_at", "created_at", "updated_at"):
            del update[key]

    with pytest.raises(SourceFormatError, match="incident p31zjtct2jer has no 'incident_updates'"):
        parse_statuspage_summary(without_updates, base_url=BASE)
    with pytest.raises(SourceFormatError, match="update without a time"):
        parse_statuspage_summary(timeless, base_url=BASE)


def test_missing_optional_fields_fall_back_to_stable_values() -> None:
    data = _summary()
    incident = _first_incident(data)
    del incident["shortlink"], incident["impact"]
    update = incident["incident_updates"][0]
    del update["id"], update["display_at"], update["body"]
    data["status"]["indicator"] = "catastrophic"

    parsed = parse_statuspage_summary(data, base_url=BASE + "/")
    again = parse_statuspage_summary(copy.deepcopy(data), base_url=BASE)

    newest = parsed.updates[-1]
    assert parsed.indicator == "unknown"
    assert (
        newest.update_key == "statuspage:p31zjtct2jer:2026-11-18T15:31:07.190000+00:00:monitoring"
    )
    assert newest.update_key == again.updates[-1].update_key
    assert newest.at == datetime(2026, 11, 18, 15, 31, 7, 190000, tzinfo=UTC)  # created_at
    assert newest.link == f"{BASE}/incidents/p31zjtct2jer"
    assert (newest.impact, newest.body) == (None, "")


def test_the_summary_url_is_under_the_page_unless_a_json_url_is_given() -> None:
    assert statuspage_summary_url(BASE) == f"{BASE}/api/v2/summary.json"
    assert statuspage_summary_url(BASE + "/") == f"{BASE}/api/v2/summary.json"
    assert statuspage_summary_url(f"{BASE}/api/v2/status.json") == f"{BASE}/api/v2/status.json"


def test_each_rss_item_becomes_a_plain_text_update_in_time_order() -> None:
    parsed = parse_feed(fixture("status_feed.rss"), fetched_at=FETCHED_AT)

    assert [update.status for update in parsed.updates] == [
        "investigating",
        "identified",
        "resolved",
    ]
    assert [update.at for update in parsed.updates] == [
        datetime(2026, 11, 18, 14, 20, tzinfo=UTC),  # written as 15:20 +0100
        datetime(2026, 11, 18, 14, 40, tzinfo=UTC),
        datetime(2026, 11, 18, 15, 5, tzinfo=UTC),
    ]
    first = parsed.updates[0]
    assert first.body.splitlines() == [
        "Some card payments are being declined.",
        "We are investigating & will update within 30 minutes.",
    ]
    assert first.incident_key == "bank-2026-11-18-cards-1"
    assert first.update_key == "feed:bank-2026-11-18-cards-1:2026-11-18T14:20:00+00:00"
    assert first.link == "https://status.bank.example/incidents/2026-11-18-cards"
    assert first.incident_name == "Card payments declined"
    assert (parsed.indicator, parsed.description) == ("none", "Resolved: card payments declined")


def test_an_atom_feed_uses_entry_content_and_its_updated_time() -> None:
    parsed = parse_feed(fixture("status_feed.atom"), fetched_at=FETCHED_AT)

    newest = parsed.updates[-1]
    assert len(parsed.updates) == 2
    assert newest.at == datetime(2026, 11, 18, 15, 31, 7, tzinfo=UTC)
    assert newest.status == "monitoring"
    assert newest.body.splitlines()[:2] == [
        "Nov 18, 15:31 UTC",
        "Monitoring - A fix has been deployed. We are monitoring the results.",
    ]
    assert newest.link == "https://status.chat.example/incidents/p31zjtct2jer"
    # The newest entry is not an all-clear, and a feed has no overall status to read.
    assert parsed.indicator == "unknown"


def test_an_entry_without_a_date_is_dated_when_first_seen_and_one_without_identity_is_skipped() -> (
    None
):
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>s</title>
      <item><title>Planned work</title><link>https://status.example/m/1</link></item>
      <item><title>No way to know this one again</title></item>
    </channel></rss>"""

    parsed = parse_feed(feed, fetched_at=FETCHED_AT)

    assert [(update.incident_key, update.at) for update in parsed.updates] == [
        ("https://status.example/m/1", FETCHED_AT)
    ]
    assert parsed.updates[0].update_key == "feed:https://status.example/m/1:"
    assert parsed.updates[0].status == "update"


def test_an_empty_feed_has_no_updates_and_an_unknown_status() -> None:
    feed = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>s</title><id>x</id></feed>'

    parsed = parse_feed(feed, fetched_at=FETCHED_AT)

    assert (parsed.indicator, parsed.description, parsed.updates) == ("unknown", None, ())


@pytest.mark.parametrize(
    "content",
    [b"<!doctype html><html><body><h1>Status</h1></body></html>", b'{"status": "ok"}', b""],
)
def test_what_is_not_a_feed_is_refused(content: bytes) -> None:
    with pytest.raises(SourceFormatError) as raised:
        parse_feed(content, fetched_at=FETCHED_AT)

    assert str(raised.value) == "not an RSS/Atom feed"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Resolved - we keep monitoring for a while", "resolved"),
        ("We are MONITORING the fix", "monitoring"),
        ("The cause has been identified", "identified"),
        ("Investigating elevated errors", "investigating"),
        ("Scheduled maintenance on Sunday", "update"),
        ("Unidentified errors", "update"),
    ],
)
def test_the_status_is_guessed_from_whole_words(text: str, status: str) -> None:
    assert guess_status(text) == status


def test_plain_text_keeps_words_apart_across_blocks_and_decodes_entities() -> None:
    html = "<p>First&nbsp;part</p><p>Second <b>bold</b>&amp;done</p><ul><li>a</li><li>b</li></ul>"

    assert plain_text(html) == "First part\nSecond bold&done\na\nb"


def test_a_page_announces_its_feed_as_an_absolute_address() -> None:
    page = b"""<html><head>
    <link rel="icon" href="/favicon.ico">
    <link rel="alternate" type="text/calendar" href="/maintenance.ics">
    <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="history.atom">
    <link rel="alternate" type="application/rss+xml" href="/history.rss">
    </head></html>"""

    found = discover_feed(page, base_url="https://status.example.com/en/")

    assert found == "https://status.example.com/en/history.atom"  # the first feed, made whole


def test_a_page_without_a_feed_or_with_a_non_web_one_announces_none() -> None:
    plain = b"<html><head><title>Status</title></head><body>All good</body></html>"
    odd = b'<html><head><link rel="alternate" type="application/rss+xml" href="javascript:x()">'

    assert discover_feed(plain, base_url="https://status.example.com/") is None
    assert discover_feed(odd, base_url="https://status.example.com/") is None


@pytest.mark.parametrize(
    ("body", "content_type", "page"),
    [
        (b"<!DOCTYPE html><html></html>", None, True),
        (b"\n  <html lang='en'>", "application/octet-stream", True),
        (b'<?xml version="1.0"?><rss version="2.0"></rss>', "text/html", False),  # mislabelled
        (b"<feed xmlns='http://www.w3.org/2005/Atom'>", "text/html", False),
        (b"<!-- built by a CMS --><div>status</div>", "text/html; charset=utf-8", True),
        (b'{"status": "ok"}', "application/json", False),
    ],
)
def test_a_web_page_is_told_from_a_feed_by_its_start_then_its_type(
    body: bytes, content_type: str | None, page: bool
) -> None:
    assert is_web_page(body, content_type) is page
