"""What notify tests share: a deliverer to the local mail server and webhooks, and the
accounts it signs unsubscribe links with."""

from __future__ import annotations

from outagewatch.catalog.search import CatalogIndex
from outagewatch.notify.accounts import Accounts
from outagewatch.notify.deliverer import Deliverer
from outagewatch.notify.email import SmtpNotifier
from outagewatch.notify.messages import Composer
from outagewatch.notify.protocol import Notifier
from outagewatch.notify.webhook import WebhookNotifier
from outagewatch.storage.sql import SqlStore
from tests.mailserver import MailServer

SECRET = b"test-secret"
PUBLIC_URL = "http://outagewatch.test"


def accounts_for(store: SqlStore) -> Accounts:
    return Accounts(store, secret=SECRET, public_url=PUBLIC_URL)


def deliverer_to(store: SqlStore, mail_server: MailServer, worker: str = "w1") -> Deliverer:
    """Mail over SMTP to `mail_server`, webhooks to any address (local ones included)."""
    catalog = CatalogIndex(store.list_services())
    composer = Composer(
        site_name="OutageWatch",
        public_url=PUBLIC_URL,
        service_of=catalog.by_id.get,
        incident_of=store.incident,
        unsubscribe_url=accounts_for(store).unsubscribe_url,
    )
    notifiers: dict[str, Notifier] = {
        "email": SmtpNotifier(
            host=mail_server.host,
            port=mail_server.port,
            security="none",
            username=None,
            password=None,
            sender="OutageWatch <alerts@outagewatch.test>",
            timeout_seconds=5,
        ),
        "webhook": WebhookNotifier(allow_private=True, timeout_seconds=5),
    }
    return Deliverer(store, notifiers, composer, worker=worker)
