"""The seam between deliveries and the ways a message leaves: one Notifier per channel kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ChannelKind = Literal["email", "webhook", "apprise"]


@dataclass(frozen=True, slots=True)
class Notification:
    """One message, rendered once, the same on every attempt.

    `key` is the idempotency key: it becomes the e-mail's Message-ID and the webhook's
    delivery id, so a receiver can drop a copy sent again after a crash mid-send.
    """

    key: str
    subject: str
    text: str
    html: str
    unsubscribe_url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)  # the JSON a webhook receives


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a channel sends: an e-mail address, an Apprise URL or a webhook URL (+ secret)."""

    kind: ChannelKind
    address: str
    secret: str | None = None


class DeliveryError(Exception):
    """A send that did not succeed. Permanent: retrying cannot help (no such mailbox, 410
    Gone), so the channel is disabled; otherwise it is retried with backoff."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Notifier(Protocol):
    async def send(self, destination: Destination, notification: Notification) -> None:
        """Deliver or raise DeliveryError; returning means the transport accepted it."""
        ...
