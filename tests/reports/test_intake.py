"""Report bodies: what is accepted, and the clear error for everything else."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.catalog.model import Service
from outagewatch.reports import intake
from outagewatch.reports.intake import IntakeError
from outagewatch.reports.platforms import PLATFORMS
from outagewatch.storage.records import NewReport

CHAT = Service(
    slug="chat",
    name="Chat",
    category="messaging",
    url="https://chat.example",
    description="Chat.",
    popularity=3,
    icon="chat.svg",
    id=7,
)
# Where and when the reports below came from; no platform or country known from the request.
ARRIVAL = intake.Arrival(
    received_at=datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
    reporter_key="reporter-1",
    network_key="network-1",
    platform=None,
    country=None,
)
PROBLEMS = [problem.slug for problem in CATEGORY_BY_SLUG["messaging"].problems]


def _accept(body: object, arrival: intake.Arrival = ARRIVAL) -> NewReport:
    return intake.validate(intake.parse_body(json.dumps(body).encode()), CHAT, arrival)


def _refusal(body: bytes) -> IntakeError:
    with pytest.raises(IntakeError) as caught:
        intake.validate(intake.parse_body(body), CHAT, ARRIVAL)
    return caught.value


def test_a_problem_alone_is_a_report() -> None:
    report = _accept({"problem": "messages"})

    assert report == NewReport(
        service_id=7,
        received_at=ARRIVAL.received_at,
        problem="messages",
        reporter_key="reporter-1",
        network_key="network-1",
    )


def test_every_field_is_kept_and_the_country_upper_cased() -> None:
    report = _accept({"problem": "calls", "platform": "ios", "country": "gb", "comment": " hi "})

    assert (report.problem, report.platform, report.country, report.comment) == (
        "calls",
        "ios",
        "GB",
        "hi",
    )


def test_the_reports_own_platform_and_country_win_over_what_its_arrival_says() -> None:
    arrival = replace(ARRIVAL, platform="android", country="FR")

    named = _accept({"problem": "calls", "platform": "ios", "country": "gb"}, arrival)
    unnamed = _accept({"problem": "calls"}, arrival)

    assert (named.platform, named.country) == ("ios", "GB")
    assert (unnamed.platform, unnamed.country) == ("android", "FR")


def test_control_characters_in_comments_become_spaces() -> None:
    assert _accept({"problem": "other", "comment": "a\x00b\u202ec"}).comment == "a b c"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"", 400, "not valid JSON"),
        (b"[]", 422, "Invalid report"),
        (b'{"platform": "ios"}', 422, "problem"),
        (b'{"problem": 3}', 422, "Expected `str`"),
        (b'{"problem": "messages", "extra": 1}', 422, "unknown field"),
        (b'{"problem": "card-payments"}', 422, "Unknown problem 'card-payments'"),
        (b'{"problem": "messages", "platform": "fax"}', 422, "Unknown platform 'fax'"),
        (b'{"problem": "messages", "country": "XX"}', 422, "Unknown country 'XX'"),
        (b'{"problem": "messages", "country": "GBR"}', 422, "Unknown country 'GBR'"),
        (b'{"problem": "messages", "comment": "' + b"x" * 281 + b'"}', 422, "longer than"),
        (b'{"problem": "' + b"x" * 4096 + b'"}', 413, "larger than 4096"),
    ],
)
def test_bad_bodies_get_a_clear_error(body: bytes, status: int, words: str) -> None:
    error = _refusal(body)

    assert error.status == status
    assert words in error.message


@given(st.binary(max_size=5000))
def test_any_bytes_are_accepted_or_refused_with_a_client_error(body: bytes) -> None:
    try:
        intake.validate(intake.parse_body(body), CHAT, ARRIVAL)
    except IntakeError as error:
        assert error.status in (400, 413, 422)
        assert error.message


json_values = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=300)
    | st.sampled_from(PROBLEMS + list(PLATFORMS) + ["US", "gb", "ZZ"])
    | st.lists(st.integers(), max_size=2)
)
FIELDS = st.sampled_from(["problem", "platform", "country", "comment", "x"])


@given(st.dictionaries(FIELDS, json_values))
def test_any_json_object_is_accepted_or_refused_with_a_client_error(
    body: dict[str, object],
) -> None:
    try:
        _accept(body)
    except IntakeError as error:
        assert error.status in (400, 413, 422)


@given(
    problem=st.sampled_from(PROBLEMS),
    platform=st.none() | st.sampled_from(PLATFORMS),
    country=st.none() | st.sampled_from(["US", "gb", "De", "JP", "BR"]),
    comment=st.none() | st.text(max_size=200),
)
def test_every_well_formed_report_is_accepted(
    problem: str, platform: str | None, country: str | None, comment: str | None
) -> None:
    body = {"problem": problem, "platform": platform, "country": country, "comment": comment}

    report = _accept({key: value for key, value in body.items() if value is not None})

    assert report.problem == problem
    assert report.platform == platform
    assert report.country == (country.upper() if country else None)
