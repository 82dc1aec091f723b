"""A real SMTP server on 127.0.0.1 for tests: it records what it receives and can refuse mail."""

from __future__ import annotations

import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.local_http import Log
from tests.serving import free_port

TRY_AGAIN_LATER = "451 4.3.0 Try again later"
NO_SUCH_MAILBOX = "550 5.1.1 No such mailbox"


class MailServer:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.log: Log[EmailMessage] = Log()
        self._lock = threading.Lock()
        self._failing = False
        self._rejected: set[str] = set()
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    def start(self) -> MailServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        """A copy of the messages received so far, oldest first."""
        return self.log.items()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        return self.log.wait_for(count, timeout)

    def fail_temporarily(self, failing: bool = True) -> None:
        """While on, every RCPT and DATA is answered with a 451 (try again later)."""
        with self._lock:
            self._failing = failing

    def reject_recipient(self, address: str) -> None:
        """Answer RCPT for `address` with a 550 (no such mailbox) from now on."""
        with self._lock:
            self._rejected.add(address.lower())

    def _refusal_for(self, recipient: str | None) -> str | None:
        with self._lock:
            if self._failing:
                return TRY_AGAIN_LATER
            if recipient is not None and recipient.lower() in self._rejected:
                return NO_SUCH_MAILBOX
            return None


class _Handler:
    """aiosmtpd calls these hooks on its own thread's event loop."""

    def __init__(self, mail_server: MailServer) -> None:
        self._mail_server = mail_server

    async def handle_RCPT(  # noqa: N802 - aiosmtpd finds hooks by this name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        refusal = self._mail_server._refusal_for(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd finds hooks by this name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        refusal = self._mail_server._refusal_for(None)
        if refusal is not None:
            return refusal
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or b"")
        self._mail_server.log.append(message)
        return "250 Message accepted for delivery"
