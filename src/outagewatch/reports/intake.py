"""What a report may say, and the clear error for everything else.

Parsing and validation are pure: bytes, a service and the report's arrival in, the report as it
will be stored (storage.records.NewReport) or an IntakeError out. That one type then travels
unchanged through the desk and the group-commit writer to its row; only the writer's verdict
(counted, or why not) is added on the way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import msgspec

from outagewatch.basics.services import Service
from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.catalog.countries import is_country_code
from outagewatch.reports.platforms import PLATFORMS
from outagewatch.storage.records import NewReport

MAX_BODY_BYTES = 4096
_LONE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
MAX_COMMENT_CHARS = 280


class ReportRequest(msgspec.Struct, forbid_unknown_fields=True):
    """The JSON body of POST /api/v1/services/{slug}/reports."""

    problem: str
    platform: str | None = None
    country: str | None = None
    comment: str | None = None


class IntakeError(Exception):
    """A report we refuse, with the HTTP status and a message for the person or program."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Arrival:
    """When a report came and from whom, as a report keeps it: keyed, never the address."""

    received_at: datetime
    reporter_key: str
    network_key: str
    platform: str | None  # the User-Agent's, for a report that names none
    country: str | None  # the address's, for a report that names none


_DECODER = msgspec.json.Decoder(ReportRequest)


def parse_body(body: bytes) -> ReportRequest:
    if len(body) > MAX_BODY_BYTES:
        raise IntakeError(413, f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        return _DECODER.decode(body)
    except msgspec.ValidationError as error:
        raise IntakeError(422, f"Invalid report: {error}.") from None
    except msgspec.DecodeError as error:
        if _LONE_SURROGATE.search(body):
            raise IntakeError(
                400, "The body holds a UTF-16 surrogate escape (\\ud800-\\udfff) alone: not text."
            ) from None
        raise IntakeError(400, f"The body is not valid JSON: {error}.") from None


def _clean_comment(comment: str) -> str | None:
    """Drop control and formatting characters (they only hide things) and outer spaces."""
    cleaned = "".join(
        char if char in "\n" or unicodedata.category(char)[0] != "C" else " " for char in comment
    ).strip()
    return cleaned or None


def validate(request: ReportRequest, service: Service, arrival: Arrival) -> NewReport:
    assert service.id is not None, "services from storage carry their id"
    problems = [problem.slug for problem in CATEGORY_BY_SLUG[service.category].problems]
    if request.problem not in problems:
        raise IntakeError(
            422, f"Unknown problem {request.problem!r} for {service.name}; use one of {problems}."
        )
    if request.platform is not None and request.platform not in PLATFORMS:
        raise IntakeError(
            422, f"Unknown platform {request.platform!r}; use one of {list(PLATFORMS)}."
        )
    country = request.country
    # Checked before upper-casing: "ß".upper() is "SS", and "ﬀ" (a ligature) becomes "FF".
    if country is not None and not (len(country) == 2 and country.isascii()):
        raise IntakeError(422, f"Unknown country {request.country!r}; use ISO 3166-1 alpha-2.")
    country = country.upper() if country is not None else None
    if country is not None and not is_country_code(country):
        raise IntakeError(422, f"Unknown country {request.country!r}; use ISO 3166-1 alpha-2.")
    comment = _clean_comment(request.comment) if request.comment is not None else None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise IntakeError(422, f"The comment is longer than {MAX_COMMENT_CHARS} characters.")
    return NewReport(
        service_id=service.id,
        received_at=arrival.received_at,
        problem=request.problem,
        reporter_key=arrival.reporter_key,
        network_key=arrival.network_key,
        platform=request.platform or arrival.platform,
        country=country or arrival.country,
        comment=comment,
    )
