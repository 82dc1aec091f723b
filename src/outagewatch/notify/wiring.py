"""The deliverer as configured: SMTP when a server is set, else the local maildir."""

from __future__ import annotations

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import Clock
from outagewatch.config import Settings
from outagewatch.notify.accounts import Accounts
from outagewatch.notify.apprise_channel import AppriseNotifier
from outagewatch.notify.deliverer import Deliverer
from outagewatch.notify.email import MaildirNotifier, SmtpNotifier
from outagewatch.notify.messages import Composer
from outagewatch.notify.protocol import Notifier
from outagewatch.notify.webhook import WebhookNotifier
from outagewatch.storage.seams import DeliveryWiringStore


def mail_notifier(settings: Settings, clock: Clock) -> Notifier:
    if settings.smtp_host:
        return SmtpNotifier(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            sender=settings.mail_from,
            timeout_seconds=settings.smtp_timeout_seconds,
            clock=clock,
        )
    return MaildirNotifier(settings.maildir_path(), sender=settings.mail_from, clock=clock)


def build_deliverer(
    settings: Settings,
    store: DeliveryWiringStore,
    catalog: CatalogIndex,
    accounts: Accounts,
    clock: Clock,
    *,
    worker: str | None = None,
) -> Deliverer:
    composer = Composer(
        site_name=settings.site_name,
        public_url=settings.public_url,
        service_of=catalog.by_id.get,
        incident_of=store.incident,
        unsubscribe_url=accounts.unsubscribe_url,
    )
    notifiers: dict[str, Notifier] = {
        "email": mail_notifier(settings, clock),
        "webhook": WebhookNotifier(
            allow_private=settings.allow_private_webhooks,
            clock=clock,
            proxy=settings.notify_proxy,
        ),
        "apprise": AppriseNotifier(
            allow_private=settings.allow_private_webhooks, proxy=settings.notify_proxy
        ),
    }
    return Deliverer(store, notifiers, composer, worker=worker)
