"""The Apprise channel: one URL reaches Slack, Discord, Telegram, ntfy and a hundred others."""

from __future__ import annotations

import apprise

from outagewatch.notify import outbound_guard
from outagewatch.notify.protocol import DeliveryError, Destination, Notification
from outagewatch.notify.webhook import check_public_host

# Apprise 2.3 knows 189 services. A URL is delivered only if its scheme is in one of these
# lists (tests/security/test_apprise_schemes.py fails when Apprise adds one we have not sorted).
#
# Services at their own fixed public address: the URL holds tokens, not a host.
# fmt: off
FIXED_HOST_SCHEMES = frozenset({
    "46elks", "acs", "aprs", "atalk", "awswhatsapp", "azure", "bale", "bluesky", "brevo", "bsky",
    "bulksms", "bulkvs", "burstsms", "chanify", "clickatell", "clicksend", "cliq", "cm", "d7sms",
    "dapnet", "dingtalk", "discord", "dot", "eight00com", "elks", "exotel", "fcm", "feishu",
    "firehydrant", "flock", "freemobile", "gchat", "gio", "github", "groundmail", "groupme",
    "guilded", "gupshup", "httpsms", "ifttt", "ilert", "incidentio", "instagram", "jira", "join",
    "kakao", "kakaotalk", "kaleyra", "kavenegar", "klr", "kook", "kudosity", "kumulos", "lark",
    "lauther", "lfg", "line", "mailersend", "mobilemessage", "mobilemsg", "msg91", "msgbird",
    "nexmo", "nostr", "notifiarr", "notifyapp", "notifyre", "o365", "octopush", "onesignal",
    "opsgenie", "pagerduty", "pagertree", "pbul", "pingram", "plivo", "postmark", "pover",
    "prowl", "psafer", "psafers", "push", "pushed", "pushme", "pushplus", "pushward", "pushy",
    "qq", "reddit", "resend", "revolt", "ringc", "ryver", "schan", "sendgrid", "serwersms", "ses",
    "seven", "sfr", "signalgrid", "signl4", "simplepush", "sinch", "slack", "smsc", "smsmanager",
    "smsmgr", "smstunnel", "sns", "spike", "splunk", "spugpush", "spush", "squadcast",
    "stackfield", "strmlabs", "telesign", "telnyx", "tgram", "threema", "tweet", "twilio",
    "twist", "twitter", "vapid", "viber", "victorops", "voipms", "vonage", "webex", "wecom",
    "wecombot", "whapi", "whatsapp", "wpush", "wxpusher", "wxteams", "x", "youlmk", "zalo",
    "zcliq", "zohocliq", "zoom", "zulip",
})
# fmt: on
# Services at a host the subscriber names, reached through requests or smtplib: both resolve
# through socket.getaddrinfo, where outbound_guard checks and pins every address.
# fmt: off
PINNED_USER_HOST_SCHEMES = frozenset({
    "apprise", "apprises", "bark", "barks", "betterstack", "deltachat", "deltachats", "emby",
    "embys", "enigma2", "enigma2s", "evolution", "evolutions", "flowtriq", "flowtriqs", "fluxer",
    "fluxers", "form", "forms", "goalert", "goalerts", "gorush", "gorushs", "gotify", "gotifys",
    "hassio", "hassios", "humhub", "humhubs", "infobip", "jellyfin", "jellyfins", "json", "jsons",
    "kodi", "kodis", "lametric", "lametrics", "mailgun", "mailto", "mailtos", "mastodon",
    "mastodons", "matrix", "matrixs", "misskey", "misskeys", "mmost", "mmosts", "nctalk",
    "nctalks", "ncloud", "nclouds", "notica", "noticas", "notifico", "notificos", "ntfy", "ntfys",
    "onebot", "onebots", "opsimate", "opsimates", "parsep", "parseps", "pinglet", "pinglets",
    "pjet", "pjets", "pushdeer", "pushdeers", "rocket", "rockets", "sendpulse", "session",
    "sessions", "signal", "signals", "smseagle", "smseagles", "smtp2go", "sogs", "sparkpost",
    "synology", "synologys", "toot", "toots", "trigv", "trigvs", "wechat", "workflow",
    "workflows", "xbmc", "xbmcs", "xml", "xmls", "xmatters",
})
# fmt: on
# Everything else connects some other way (UDP syslog, IRC, XMPP, MQTT, AMQP, SMPP, Growl,
# desktop notifications on the server itself), where no check can pin the address: refused
# unless OUTAGEWATCH_ALLOW_PRIVATE_WEBHOOKS says this installation trusts its subscribers.
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


def deliverable_scheme(url: str, *, allow_private: bool) -> bool:
    """Whether a URL's scheme can be sent to on this server (see the lists above)."""
    scheme = url.partition("://")[0].lower()
    return allow_private or scheme in FIXED_HOST_SCHEMES or scheme in PINNED_USER_HOST_SCHEMES


def valid_apprise_url(url: str) -> bool:
    return _single_service(url) is not None


class AppriseNotifier:
    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout_seconds: float = 20.0,
        proxy: str | None = None,
    ) -> None:
        """`proxy`: the operator's proxy for notifications; proxies set in the environment
        are never used (outbound_guard says why)."""
        self._allow_private = allow_private
        self._timeout_seconds = timeout_seconds
        self._proxy = proxy

    async def send(self, destination: Destination, notification: Notification) -> None:
        services = _single_service(destination.address)
        if services is None:
            raise DeliveryError("not a valid Apprise URL", permanent=True)
        with outbound_guard.bypassing_the_environment(proxy=self._proxy):
            if self._allow_private:
                result = await self._notify(services, notification)
            else:
                # Through a proxy, the proxy resolves the host: the check by name before
                # sending is then the only one (smtplib, which takes no proxy, stays pinned).
                await self._keep_off_private_networks(destination.address, services)
                with outbound_guard.public_only(proxy=self._proxy):
                    result = await self._notify(services, notification)
        with result:  # releases the log files Apprise may keep for a large result
            if result:
                return
            # The plugin's own warning names the cause ("error=500", "Connection error").
            problems = [entry.message for entry in result.logs() if entry.level in PROBLEM_LEVELS]
            reason = problems[-1] if problems else result.status.name.lower()
        raise DeliveryError(f"Apprise could not deliver: {reason}", permanent=False)

    async def _notify(
        self, services: apprise.Apprise, notification: Notification
    ) -> apprise.AppriseResult:
        return await services.async_notify(
            body=notification.text, title=notification.subject, timeout=self._timeout_seconds
        )

    async def _keep_off_private_networks(self, url: str, services: apprise.Apprise) -> None:
        service = services[0]
        # A redirect could lead past the address check to a private host.
        service.redirects = False
        scheme = url.partition("://")[0].lower()
        if scheme in FIXED_HOST_SCHEMES:
            return
        if scheme not in PINNED_USER_HOST_SCHEMES:
            raise DeliveryError(
                f"{scheme}:// URLs cannot be checked for private addresses on this server",
                permanent=True,
            )
        if getattr(service, "mode", None) in HOSTED_SERVICE_MODES:
            return
        # Checked before sending for a clear, permanent error; the guard then pins what the
        # plugin resolves itself. The plugin's own parse of the host; IPv6 keeps brackets.
        host = str(service.host).strip("[]")
        await check_public_host(host, allow_private=False)
