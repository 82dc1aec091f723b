"""Each channel against a real local server: what arrives, and which failures a retry can fix."""

from __future__ import annotations

import asyncio
import os
import re
import ssl
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import trustme

from outagewatch.clock import FixedClock
from outagewatch.notify.apprise_channel import AppriseNotifier, valid_apprise_url
from outagewatch.notify.email import MaildirNotifier, SmtpNotifier, message_id, read_maildir
from outagewatch.notify.protocol import DeliveryError, Destination, Notification, Notifier
from outagewatch.notify.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookNotifier,
    check_public_url,
    sign,
    verify,
)
from tests.local_http import LocalHttpServer, Response, closed_port_url
from tests.mailserver import MailServer
from tests.serving import free_port

NOW = datetime(2026, 11, 18, 15, 42, 30, tzinfo=UTC)
SENDER = "OutageWatch <alerts@outagewatch.example>"
NOTIFICATION = Notification(
    key="incident:42:opened",
    subject="Discord is down",
    text="Discord has a major outage.",
    html="<p>Discord has a <b>major</b> outage.</p>",
    unsubscribe_url="https://outagewatch.example/unsubscribe/abc",
    data={"status": "major", "service": "discord"},
)
SHORT_TIMEOUT_SECONDS = 0.2  # only ever waited for in full by the tests of hung servers


def _send(notifier: Notifier, destination: Destination) -> None:
    asyncio.run(notifier.send(destination, NOTIFICATION))


def _delivery_error(notifier: Notifier, destination: Destination) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _send(notifier, destination)
    return caught.value


def _smtp(port: int, *, timeout_seconds: float = 5.0) -> SmtpNotifier:
    return SmtpNotifier(
        host="127.0.0.1",
        port=port,
        security="none",
        username=None,
        password=None,
        sender=SENDER,
        timeout_seconds=timeout_seconds,
        clock=FixedClock(NOW),
    )


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content()).strip()


def _mail_to(address: str = "ada@example.org") -> Destination:
    return Destination("email", address)


def test_smtp_delivers_text_and_html_with_the_key_as_message_id(mail_server: MailServer) -> None:
    _send(_smtp(mail_server.port), _mail_to())

    [message] = mail_server.wait_for(1)
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Discord is down"
    assert message["Message-ID"] == "<incident=3A42=3Aopened@outagewatch.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"].datetime == NOW
    assert _body(message, "plain") == NOTIFICATION.text
    assert _body(message, "html") == NOTIFICATION.html


def test_smtp_mail_offers_one_click_unsubscribe(mail_server: MailServer) -> None:
    _send(_smtp(mail_server.port), _mail_to())

    [message] = mail_server.wait_for(1)
    assert message["List-Unsubscribe"] == "<https://outagewatch.example/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_message_ids_are_valid_and_distinct_for_keys_that_differ_only_in_punctuation() -> None:
    first = message_id("incident:42", domain="outagewatch.example")
    second = message_id("incident-42", domain="outagewatch.example")

    assert first != second
    for identifier in (first, second):
        assert re.fullmatch(r"<[A-Za-z0-9=_-]+@outagewatch\.example>", identifier)


def test_a_mail_server_saying_try_again_later_is_transient(mail_server: MailServer) -> None:
    mail_server.fail_temporarily()

    error = _delivery_error(_smtp(mail_server.port), _mail_to())

    assert not error.permanent
    assert "451" in error.message
    assert mail_server.messages == []


def test_an_unknown_mailbox_is_permanent(mail_server: MailServer) -> None:
    mail_server.reject_recipient("nobody@example.org")

    error = _delivery_error(_smtp(mail_server.port), _mail_to("nobody@example.org"))

    assert error.permanent
    assert "550 5.1.1 No such mailbox" in error.message


def test_an_unreachable_mail_server_is_transient() -> None:
    error = _delivery_error(_smtp(free_port()), _mail_to())

    assert not error.permanent


def test_a_mail_server_that_never_greets_is_transient(silent_port: int) -> None:
    notifier = _smtp(silent_port, timeout_seconds=SHORT_TIMEOUT_SECONDS)

    error = _delivery_error(notifier, _mail_to())

    assert not error.permanent


def test_an_address_spanning_lines_is_permanent_and_adds_no_header(
    mail_server: MailServer,
) -> None:
    error = _delivery_error(_smtp(mail_server.port), _mail_to("ada@example.org\r\nBcc: x@y.z"))

    assert error.permanent
    assert mail_server.messages == []


def test_the_maildir_keeps_mail_and_lists_the_newest_first(tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    notifier = MaildirNotifier(maildir, sender=SENDER, clock=FixedClock(NOW))
    older = datetime(2026, 1, 1, tzinfo=UTC)
    asyncio.run(notifier.send(_mail_to("first@example.org"), replace(NOTIFICATION, subject="1")))
    for path in (maildir / "new").iterdir():
        os.utime(path, (older.timestamp(), older.timestamp()))
    asyncio.run(notifier.send(_mail_to("second@example.org"), replace(NOTIFICATION, subject="2")))

    newest, oldest = read_maildir(maildir)

    assert (newest.subject, newest.to) == ("2", "second@example.org")
    assert (oldest.subject, oldest.to, oldest.received_at) == ("1", "first@example.org", older)
    assert oldest.text.strip() == NOTIFICATION.text
    assert [mail.subject for mail in read_maildir(maildir, limit=1)] == ["2"]


def test_a_missing_maildir_lists_no_mail(tmp_path: Path) -> None:
    assert read_maildir(tmp_path / "never-written") == []


def _webhook(receiver: LocalHttpServer, *, secret: str = "s3cret") -> Destination:
    return Destination("webhook", f"{receiver.url}/hooks/outage", secret=secret)


def _private_webhooks(timeout_seconds: float = 5.0) -> WebhookNotifier:
    return WebhookNotifier(
        timeout_seconds=timeout_seconds, allow_private=True, clock=FixedClock(NOW)
    )


def test_a_webhook_receives_signed_compact_json(webhook_receiver: LocalHttpServer) -> None:
    _send(_private_webhooks(), _webhook(webhook_receiver))

    [request] = webhook_receiver.wait_for(1)
    assert request.path == "/hooks/outage"
    assert request.body == b'{"service":"discord","status":"major"}'
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "OutageWatch-Webhook/1"
    assert request.headers["X-OutageWatch-Delivery"] == "incident:42:opened"
    assert request.headers["X-OutageWatch-Timestamp"] == str(int(NOW.timestamp()))
    later = NOW + timedelta(seconds=30)
    assert verify("s3cret", request.headers, request.body, now=later)


def _signed_headers(secret: str, at: datetime, body: bytes) -> dict[str, str]:
    timestamp = int(at.timestamp())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def test_a_signature_made_with_another_secret_does_not_verify() -> None:
    headers = _signed_headers("another secret", NOW, b"{}")

    assert not verify("s3cret", headers, b"{}", now=NOW)


def test_a_signature_older_than_the_tolerance_does_not_verify() -> None:
    headers = _signed_headers("s3cret", NOW - timedelta(minutes=6), b"{}")

    assert not verify("s3cret", headers, b"{}", now=NOW)


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (500, False),
        (503, False),
        (408, False),
        (429, False),
        (302, False),
        (410, True),
        (404, True),
        (400, True),
    ],
)
def test_a_webhook_answer_decides_whether_a_retry_can_help(
    webhook_receiver: LocalHttpServer, status: int, permanent: bool
) -> None:
    webhook_receiver.respond_with(status)

    error = _delivery_error(_private_webhooks(), _webhook(webhook_receiver))

    assert error.permanent is permanent
    assert str(status) in error.message


def test_an_unreachable_webhook_is_transient() -> None:
    destination = Destination("webhook", f"{closed_port_url()}/", secret="s3cret")

    error = _delivery_error(_private_webhooks(), destination)

    assert not error.permanent


def test_a_webhook_that_never_answers_is_transient(silent_port: int) -> None:
    destination = Destination("webhook", f"http://127.0.0.1:{silent_port}/", secret="s3cret")

    error = _delivery_error(_private_webhooks(SHORT_TIMEOUT_SECONDS), destination)

    assert not error.permanent


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:10.0.0.7]/hook",
        "file:///etc/passwd",
    ],
)
def test_the_guard_refuses_urls_that_do_not_reach_the_public_internet(url: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        asyncio.run(check_public_url(url, allow_private=False))

    assert caught.value.permanent


def test_the_guard_lets_private_addresses_through_when_allowed() -> None:
    asyncio.run(check_public_url("http://10.0.0.7/hook", allow_private=True))


def test_the_guard_accepts_a_public_address() -> None:
    asyncio.run(check_public_url("https://93.184.215.14/hook", allow_private=False))


def test_the_guard_refuses_files_even_when_private_addresses_are_allowed() -> None:
    with pytest.raises(DeliveryError):
        asyncio.run(check_public_url("file:///etc/passwd", allow_private=True))


def test_a_webhook_to_a_private_address_is_refused_before_sending(
    webhook_receiver: LocalHttpServer,
) -> None:
    error = _delivery_error(WebhookNotifier(), _webhook(webhook_receiver))

    assert error.permanent
    assert webhook_receiver.requests == []


def _apprise_json(receiver: LocalHttpServer) -> Destination:
    return Destination("apprise", f"{receiver.url.replace('http://', 'json://')}/notify")


def test_apprise_delivers_title_and_body(webhook_receiver: LocalHttpServer) -> None:
    _send(AppriseNotifier(allow_private=True), _apprise_json(webhook_receiver))

    [request] = webhook_receiver.wait_for(1)
    assert request.path == "/notify"
    assert request.json()["title"] == NOTIFICATION.subject
    assert request.json()["message"] == NOTIFICATION.text


@pytest.mark.parametrize(
    "url", ["not a url", "nosuchservice://host", "json://a.example json://b.example"]
)
def test_anything_but_one_apprise_url_is_invalid_and_permanent(url: str) -> None:
    error = _delivery_error(AppriseNotifier(), Destination("apprise", url))

    assert error.permanent
    assert not valid_apprise_url(url)


def test_an_apprise_receiver_failing_is_transient(webhook_receiver: LocalHttpServer) -> None:
    webhook_receiver.respond_with(500)

    error = _delivery_error(AppriseNotifier(allow_private=True), _apprise_json(webhook_receiver))

    assert not error.permanent


def test_apprise_refuses_a_private_host_unless_allowed(webhook_receiver: LocalHttpServer) -> None:
    error = _delivery_error(AppriseNotifier(), _apprise_json(webhook_receiver))

    assert error.permanent
    assert webhook_receiver.requests == []


def test_a_webhook_goes_to_the_address_that_was_checked_with_its_name_in_host_and_tls() -> None:
    """No second DNS look-up between the check and the connection (DNS rebinding): the
    request is sent to the checked address, and HTTPS still verifies the host's name."""
    authority = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("hooks.example").configure_cert(server_side)
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    looked_up: list[str] = []

    async def resolve(host: str) -> list[str]:
        looked_up.append(host)
        return ["127.0.0.1"]  # no resolver on this machine knows hooks.example

    notifier = WebhookNotifier(
        allow_private=True, clock=FixedClock(NOW), resolve=resolve, ssl_context=trusting
    )
    with LocalHttpServer(otherwise=Response(200), tls=server_side) as receiver:
        url = f"https://hooks.example:{receiver.port}/hooks/outage"
        _send(notifier, Destination("webhook", url, secret="s3cret"))
        (request,) = receiver.wait_for(1)

    assert looked_up == ["hooks.example"]  # once, by the check
    assert request.path == "/hooks/outage"
    assert request.headers["Host"] == f"hooks.example:{receiver.port}"


def test_a_webhook_host_that_resolves_to_a_private_address_is_refused_before_sending() -> None:
    async def resolve(host: str) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]  # one public, one private: refused

    error = _delivery_error(
        WebhookNotifier(clock=FixedClock(NOW), resolve=resolve),
        Destination("webhook", "https://hooks.example/x", secret="s3cret"),
    )

    assert error.permanent and "10.0.0.7" in error.message
