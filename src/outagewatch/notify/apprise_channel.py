"""The Apprise channel: one URL reaches Slack, Discord, Telegram, ntfy and a hundred others."""

from __future__ import annotations

import apprise

from outagewatch.notify.protocol import DeliveryError, Destination, Notification
from outagewatch.notify.webhook import check_public_host

# Schemes whose host the subscriber chooses; the others reach their service's fixed public API.
USER_CHOSEN_HOST_SCHEMES = frozenset(
    {
        "json",
        "jsons",
        "xml",
        "xmls",
        "form",
        "forms",
        "ntfy",
        "ntfys",
        "matrix",
        "matrixs",
        "gotify",
        "gotifys",
    }
)
# In these modes the URL's host field holds a topic or token for a hosted service
# (ntfy.sh, t2bot.io), so there is no host of the subscriber's choosing to check.
HOSTED_SERVICE_MODES = frozenset({"cloud", "t2bot"})
PROBLEM_LEVELS = frozenset({"WARNING", "ERROR"})


def _single_service(url: str) -> apprise.Apprise | None:
    services = apprise.Apprise()
    # add() splits a string on commas and spaces; a second URL would escape the host check
    # and the subscriber's one channel would fan out, so only a single URL is accepted.
    if not services.add(url) or len(services) != 1:
        return None
    return services


def valid_apprise_url(url: str) -> bool:
    return _single_service(url) is not None


class AppriseNotifier:
    def __init__(self, *, allow_private: bool = False, timeout_seconds: float = 20.0) -> None:
        self._allow_private = allow_private
        self._timeout_seconds = timeout_seconds

    async def send(self, destination: Destination, notification: Notification) -> None:
        services = _single_service(destination.address)
        if services is None:
            raise DeliveryError("not a valid Apprise URL", permanent=True)
        if not self._allow_private:
            await self._keep_off_private_networks(destination.address, services)
        result = await services.async_notify(
            body=notification.text, title=notification.subject, timeout=self._timeout_seconds
        )
        with result:  # releases the log files Apprise may keep for a large result
            if result:
                return
            # The plugin's own warning names the cause ("error=500", "Connection error").
            problems = [entry.message for entry in result.logs() if entry.level in PROBLEM_LEVELS]
            reason = problems[-1] if problems else result.status.name.lower()
        raise DeliveryError(f"Apprise could not deliver: {reason}", permanent=False)

    async def _keep_off_private_networks(self, url: str, services: apprise.Apprise) -> None:
        service = services[0]
        # A redirect could lead past the address check to a private host.
        service.redirects = False
        scheme = url.partition("://")[0].lower()
        if scheme not in USER_CHOSEN_HOST_SCHEMES:
            return
        if getattr(service, "mode", None) in HOSTED_SERVICE_MODES:
            return
        # The plugin's own parse of the host is the one it connects to; IPv6 keeps brackets.
        host = str(service.host).strip("[]")
        await check_public_host(host, allow_private=False)
