"""The e-mail channel: one message format, sent by SMTP or written to a local maildir."""

from __future__ import annotations

import asyncio
import mailbox
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Literal

import aiosmtplib

from outagewatch.clock import Clock, SystemClock
from outagewatch.notify.protocol import DeliveryError, Destination, Notification

SmtpSecurity = Literal["starttls", "tls", "none"]

# RFC 5322's hard line limit, not the 78-character soft one: at 78, a long unsubscribe URL is
# folded into RFC 2047 encoded words, which mail clients do not read as a URL.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)

# Characters kept as they are in the Message-ID's left part; every other byte becomes =XX.
# Escaping (rather than replacing with one filler character) keeps distinct keys distinct, so
# a receiver that drops duplicates by Message-ID never drops a different notification.
_MESSAGE_ID_SAFE = re.compile(rb"[A-Za-z0-9_-]")


def message_id(key: str, *, domain: str) -> str:
    """A valid RFC 5322 msg-id that is the same for every attempt to send `key`."""
    left = "".join(
        chr(byte) if _MESSAGE_ID_SAFE.fullmatch(bytes([byte])) else f"={byte:02X}"
        for byte in key.encode()
    )
    return f"<{left}@{domain}>"


def build_email(
    notification: Notification, *, to: str, sender: str, message_id_domain: str, now: datetime
) -> EmailMessage:
    """The message as every mail transport sends it: text and HTML alternatives."""
    if "\r" in to or "\n" in to:
        raise ValueError(f"an e-mail address cannot span lines: {to!r}")
    message = EmailMessage(policy=MAIL_POLICY)
    # Python 3.11 writes a line break in a header value as it is, which would let a subject
    # add headers; a subject reads the same on one line.
    message["Subject"] = " ".join(notification.subject.split())
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = message_id(notification.key, domain=message_id_domain)
    # RFC 3834: auto-responders must not answer, so no vacation replies to the sender.
    message["Auto-Submitted"] = "auto-generated"
    if notification.unsubscribe_url:
        # RFC 8058 one-click: mail clients show an unsubscribe button that POSTs to the URL.
        message["List-Unsubscribe"] = f"<{notification.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(notification.text)
    message.add_alternative(notification.html, subtype="html")
    return message


def _domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def _build_for(
    destination: Destination, notification: Notification, *, sender: str, domain: str, now: datetime
) -> EmailMessage:
    try:
        return build_email(
            notification, to=destination.address, sender=sender, message_id_domain=domain, now=now
        )
    except ValueError as error:
        raise DeliveryError(str(error), permanent=True) from error


class SmtpNotifier:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: SmtpSecurity,
        username: str | None,
        password: str | None,
        sender: str,
        timeout_seconds: float = 20.0,
        message_id_domain: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self._security = security
        self._username = username
        self._password = password
        self._sender = sender
        self._timeout_seconds = timeout_seconds
        self._message_id_domain = message_id_domain or _domain_of(sender)
        self._clock = clock or SystemClock()

    async def send(self, destination: Destination, notification: Notification) -> None:
        message = _build_for(
            destination,
            notification,
            sender=self._sender,
            domain=self._message_id_domain,
            now=self._clock.now(),
        )
        try:
            await aiosmtplib.send(
                message,
                sender=parseaddr(self._sender)[1],
                recipients=[destination.address],
                hostname=self._host,
                port=self._port,
                username=self._username or None,
                password=self._password if self._username else None,
                use_tls=self._security == "tls",
                start_tls=self._security == "starttls",
                timeout=self._timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            refusal = error.recipients[0]
            raise _answer_error(refusal.code, refusal.message) from error
        except (
            aiosmtplib.SMTPAuthenticationError,
            aiosmtplib.SMTPSenderRefused,
            aiosmtplib.SMTPHeloError,
        ) as error:
            # The server refused us, not the recipient: a permanent error would disable every
            # subscriber's channel over the operator's settings, which retries survive once fixed.
            raise DeliveryError(
                f"mail server refused our session: {error.code} {error.message}", permanent=False
            ) from error
        except aiosmtplib.SMTPResponseException as error:
            raise _answer_error(error.code, error.message) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            # Connection refused, timeouts (TimeoutError is an OSError), TLS failures.
            raise DeliveryError(
                f"mail server {self._host}:{self._port} unreachable: "
                f"{type(error).__name__}: {error}",
                permanent=False,
            ) from error


def _answer_error(code: int, text: str) -> DeliveryError:
    # SMTP's first digit is the server's own verdict: 5 means do not try again, 4 means later.
    return DeliveryError(f"mail server answered {code} {text}", permanent=500 <= code < 600)


class MaildirNotifier:
    """Mail for installations without an SMTP server: an operator reads it on a page or with
    the CLI, and any mail client can open the folder."""

    def __init__(
        self,
        path: Path,
        *,
        sender: str,
        message_id_domain: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._path = path
        self._sender = sender
        self._message_id_domain = message_id_domain or _domain_of(sender)
        self._clock = clock or SystemClock()

    async def send(self, destination: Destination, notification: Notification) -> None:
        message = _build_for(
            destination,
            notification,
            sender=self._sender,
            domain=self._message_id_domain,
            now=self._clock.now(),
        )
        try:
            await asyncio.to_thread(self._write, message)
        except OSError as error:
            raise DeliveryError(
                f"cannot write to {self._path}: {error}", permanent=False
            ) from error

    def _write(self, message: EmailMessage) -> None:
        mailbox.Maildir(self._path, create=True).add(message)


@dataclass(frozen=True, slots=True)
class StoredMail:
    key: str
    received_at: datetime
    to: str
    subject: str
    text: str


def read_maildir(path: Path, limit: int = 50) -> list[StoredMail]:
    """The newest `limit` messages of a maildir, newest first; none if it does not exist."""
    entries = [
        entry
        for folder in (path / "new", path / "cur")
        if folder.is_dir()
        for entry in os.scandir(folder)
        if entry.is_file() and not entry.name.startswith(".")
    ]
    # Sorting by file time, not by parsing every message, keeps a large maildir cheap to list.
    entries.sort(key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
    return [_stored_mail(Path(entry.path), entry.stat().st_mtime) for entry in entries[:limit]]


def _stored_mail(path: Path, modified: float) -> StoredMail:
    with path.open("rb") as file:
        message = BytesParser(policy=policy.default).parse(file)
    body = message.get_body(preferencelist=("plain",))
    text = str(body.get_content()) if body is not None else ""
    return StoredMail(
        # The maildir key is the file name up to the ":2,flags" a mail client may append.
        key=path.name.partition(":")[0],
        received_at=datetime.fromtimestamp(modified, tz=UTC),
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        text=text,
    )
