"""Accounts without passwords: sign-in by e-mail link, sessions, follows, unsubscribe links.

A sign-in link carries a random nonce signed with the installation's secret; the nonce's
row in storage makes it single-use and gives it its 15 minutes (by the injected clock).
Sessions are random tokens of which storage keeps only a hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, URLSafeSerializer

from outagewatch.basics.tokens import token_hash
from outagewatch.storage.records import Account, Follow, FollowChoice, OutboxItem, SigninRequest
from outagewatch.storage.seams import SignInStore

SIGNIN_LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=30)
# A mailbox gets a few links an hour at most, whoever asks: enough for a lost mail, too few
# to flood someone's inbox with our messages.
SIGNIN_MAILS_PER_ADDRESS = 3
SIGNIN_MAIL_PERIOD = timedelta(hours=1)


class InvalidAddressError(ValueError):
    pass


class InvalidLinkError(ValueError):
    """The link is forged, used, or expired; the page says so and offers a new one."""


class TooManySigninMailsError(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("too many sign-in links were sent to this address recently")
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True, slots=True)
class SignedIn:
    account: Account
    session_token: str  # the cookie's value; storage has only its hash
    followed: Follow | None  # the follow the link carried, now in effect


def normalise_address(raw: str) -> str:
    """A deliverable-looking address, lower-cased so one mailbox is one account.

    No DNS lookup: the confirmation mail is the real test of an address.
    """
    try:
        valid = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidAddressError(str(error)) from None
    return valid.normalized.lower()


def _legacy_owner_digest(email: str) -> str:
    # Links mailed before Dec 2026 carry this unkeyed digest (anyone could test a guessed
    # address against it); they keep working until they age out, new links never carry it.
    return hashlib.sha256(email.encode()).hexdigest()[:16]


class Accounts:
    def __init__(self, store: SignInStore, *, secret: bytes, public_url: str) -> None:
        self.store = store
        self.public_url = public_url.rstrip("/")
        self._links = URLSafeSerializer(secret, salt="outagewatch-signin-link")
        self._unsubscribe = URLSafeSerializer(secret, salt="outagewatch-unsubscribe")
        self._owner_key = hmac.new(secret, b"outagewatch-unsubscribe-owner", "sha256").digest()

    def _owner(self, account: Account) -> str:
        """Which account a link was made for (an id can be reused after a deletion): a MAC
        keyed by the installation secret, so nobody without it can test a guessed address
        against a link, as they could against a plain hash of it."""
        message = f"{account.id}\x00{account.created_at.isoformat()}\x00{account.email}".encode()
        return hmac.new(self._owner_key, message, "sha256").hexdigest()[:16]

    # -- signing in ----------------------------------------------------------------------

    def request_signin(
        self, raw_address: str, *, now: datetime, follow: FollowChoice | None = None
    ) -> None:
        """Queue a sign-in link to the address, known or not: the answer is the same, so
        nobody can learn who has an account. Raises TooManySigninMailsError."""
        email = normalise_address(raw_address)
        store = self.store
        with store.transaction():
            recent = store.signin_requests_since(email, since=now - SIGNIN_MAIL_PERIOD)
            if recent >= SIGNIN_MAILS_PER_ADDRESS:
                raise TooManySigninMailsError(int(SIGNIN_MAIL_PERIOD.total_seconds()))
            nonce = secrets.token_urlsafe(24)
            store.add_signin_request(
                SigninRequest(nonce, email, now, now + SIGNIN_LINK_LIFETIME, follow)
            )
            link = f"{self.public_url}/signin/confirm?token={self._links.dumps(nonce)}"
            store.enqueue_message(
                OutboxItem(
                    id=0,
                    key=f"signin:{nonce}",
                    event="signin",
                    kind="email",
                    address=email,
                    created_at=now,
                    service_id=follow.service_id if follow else None,
                    payload={"link": link, "expires_at": (now + SIGNIN_LINK_LIFETIME).isoformat()},
                )
            )

    def confirm(self, token: str, *, now: datetime) -> SignedIn:
        """Use a link: creates the account on first use, switches its e-mail channel on,
        applies the follow it carried and opens a session. Raises InvalidLinkError."""
        try:
            nonce = self._links.loads(token)
        except BadSignature:
            raise InvalidLinkError("This sign-in link is not valid.") from None
        store = self.store
        with store.transaction():
            request = store.use_signin_request(str(nonce), now=now)
            if request is None:
                raise InvalidLinkError("This sign-in link was already used or has expired.")
            account = store.account_for_email(request.email, now=now)
            # The link proved the mailbox works: its channel is (again) good to send to.
            store.add_channel(account.id, kind="email", address=account.email, secret=None, now=now)
            followed = store.follow(account.id, request.follow, now=now) if request.follow else None
            session_token = secrets.token_urlsafe(32)
            store.create_session(
                token_hash(session_token), account.id, now=now, expires_at=now + SESSION_LIFETIME
            )
        return SignedIn(account, session_token, followed)

    def session_account(self, session_token: str | None, *, now: datetime) -> Account | None:
        if not session_token:
            return None
        return self.store.session_account(token_hash(session_token), now=now)

    def sign_out(self, session_token: str) -> None:
        with self.store.transaction():
            self.store.end_session(token_hash(session_token))

    def delete(self, account: Account) -> None:
        with self.store.transaction():
            self.store.delete_account(account.id)

    # -- unsubscribe links ---------------------------------------------------------------

    def unsubscribe_url(self, account_id: int, service_id: int) -> str:
        account = self.store.account(account_id)
        owner = self._owner(account) if account else ""
        token = self._unsubscribe.dumps([account_id, service_id, owner])
        return f"{self.public_url}/unsubscribe/{token}"

    def unsubscribe(self, token: str) -> tuple[int, int] | None:
        """Stop a follow by its link (no sign-in needed: the link is the proof); the
        (account, service) it named, or None for a forged link or a deleted account."""
        try:
            account_id, service_id, owner = self._unsubscribe.loads(token)
            account_id, service_id, owner = int(account_id), int(service_id), str(owner)
        except (BadSignature, ValueError, TypeError):
            return None
        with self.store.transaction():
            account = self.store.account(account_id)
            # The link names the mailbox it was sent to: once that account is deleted, its
            # id may be reused (SQLite reuses the highest rowid) by someone else's account.
            if account is None or not any(
                hmac.compare_digest(expected, owner)
                for expected in (self._owner(account), _legacy_owner_digest(account.email))
            ):
                return None
            self.store.unfollow(account_id, service_id)
        return account_id, service_id
