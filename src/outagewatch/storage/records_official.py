"""Plain records of official status pages: where we read them, what they said, how it went."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# What the poller found a status page to be (the catalog's statuspage_io flag is a hint):
# "unknown": not looked at yet; its first check asks for a Statuspage summary, then the page.
# "statuspage": an Atlassian Statuspage site, read through <base>/api/v2/summary.json.
# "betterstack": a Better Stack page, its overall state read from <page>/index.json.
# "feed": an RSS or Atom feed: the status page URL itself, or one its HTML page links to.
# "page": an HTML page linking to no feed: shown as a link, looked at again now and then.
SourceKind = Literal["unknown", "statuspage", "betterstack", "feed", "page"]


@dataclass(frozen=True, slots=True)
class OfficialSource:
    """A source claimed for one check: what to request and what we kept from the last answer."""

    service_id: int
    kind: SourceKind
    url: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0  # in a row, before this check
    feed_url: str | None = None  # found on the page at url: what is read instead


@dataclass(frozen=True, slots=True)
class OfficialSync:
    added: int
    changed: int  # a new URL; what we kept or learnt of the old one is forgotten
    removed: int  # the service no longer has a status page


@dataclass(frozen=True, slots=True)
class OfficialStatement:
    """One update of an official incident, as the service published it."""

    service_id: int
    update_key: str  # stable at the source: the same update read twice is stored once
    incident_key: str
    incident_name: str
    status: str  # investigating | identified | monitoring | resolved | postmortem | update
    body: str  # plain text
    at: datetime  # when the service published it
    fetched_at: datetime  # when we first read it
    impact: str | None = None
    link: str | None = None
    id: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class OfficialStatus:
    """What a service says of itself, and whether we could read it lately."""

    service_id: int
    kind: SourceKind
    url: str
    # none | minor | major | critical | maintenance | unknown; None before the first good read
    indicator: str | None
    description: str | None
    checked_at: datetime | None
    ok_at: datetime | None  # the last good read: "could not be read since ..."
    next_check_at: datetime  # "retrying at ..." while failing
    failures: int  # in a row
    last_error: str | None
    feed_url: str | None = None  # the feed its page links to, when that is what we read

    @property
    def failing(self) -> bool:
        return self.failures > 0
