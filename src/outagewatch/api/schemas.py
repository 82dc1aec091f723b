"""The shapes of API responses; they are the OpenAPI document's schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    status: int
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class StatusOut(BaseModel):
    word: Literal["ok", "possible", "major"] = Field(description="Machine-readable status")
    label: str = Field(description="'No issues', 'Possible problems' or 'Major outage'")
    since: datetime
    explanation: str | None = Field(
        default=None, description="e.g. '412 reports in the last 15 minutes; about 9 are usual'"
    )
    stale: bool = Field(
        default=False,
        description="No recent data: reports could not be received just now, so the status "
        "is the last one held, not a fresh judgement",
    )
    evidence: dict[str, Any] = Field(
        default_factory=dict,
        description="observed, expected, ratio, probability, window_minutes (the window that "
        "decided), top_problems, "
        "top_regions, top_platforms ([value, reports] pairs) of the last decision",
    )


class ServiceBrief(BaseModel):
    slug: str
    name: str
    category: str
    url: str
    icon: str = Field(description="Path of the service's SVG icon")
    popularity: int = Field(ge=1, le=5)
    countries: list[str] = Field(description="ISO 3166-1 alpha-2; empty means worldwide")
    status: Literal["ok", "possible", "major"]


class ServiceList(BaseModel):
    total: int
    items: list[ServiceBrief]


class HourOut(BaseModel):
    start: datetime
    reports: int
    usual: float | None = Field(description="Usual reports for this hour; null while learning")


class ProblemOut(BaseModel):
    slug: str
    title: str
    reports: int
    share: float


class RegionOut(BaseModel):
    country: str
    name: str
    reports: int
    share: float


class ServiceDetail(BaseModel):
    slug: str
    name: str
    category: str
    category_name: str
    url: str
    icon: str
    description: str
    owner: str | None
    aliases: list[str]
    countries: list[str]
    status_page: str | None
    statuspage_io: bool
    status: StatusOut
    reports_this_hour: int = Field(description="Counted reports in the last 60 minutes")
    reports_today: int = Field(description="Counted reports since 00:00 UTC")
    left_out_today: int = Field(
        description="Reports kept but not counted since 00:00 UTC: their networks had already "
        "weighed in (a network counts the logarithm of its reporters) or sent more than their "
        "share of a minute"
    )
    series: list[HourOut] = Field(description="The last 24 hours, oldest first")
    problems: list[ProblemOut]
    regions: list[RegionOut]
    related: list[ServiceBrief]
    generated_at: datetime


class ProblemType(BaseModel):
    slug: str
    title: str
    description: str


class CategoryOut(BaseModel):
    slug: str
    name: str
    services: int
    problems: list[ProblemType]


class IncidentEventOut(BaseModel):
    at: datetime
    kind: str = Field(
        description="started, detected, escalated, easing, spread, resolved; update (from "
        "our operators), review, probe (the website check), official (a statement of the "
        "service itself, with its link)"
    )
    message: str
    link: str | None = Field(default=None, description="Where an official statement was published")


class IncidentOut(BaseModel):
    id: int
    service: str
    state: Literal["open", "resolved"]
    severity: Literal["ok", "possible", "major"]
    started_at: datetime = Field(description="Estimated: where the rise in reports began")
    detected_at: datetime
    peak_at: datetime
    peak_reports: int = Field(description="Most counted reports in 15 minutes")
    resolved_at: datetime | None
    timeline: list[IncidentEventOut]
