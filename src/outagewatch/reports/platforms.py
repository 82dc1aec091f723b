"""Where the problem is seen: the app on iOS or Android, the website, or a desktop app."""

from __future__ import annotations

PLATFORMS = ("ios", "android", "web", "desktop")


def platform_from_user_agent(user_agent: str) -> str:
    """A default the reporter can change: phones report their OS, everything else 'web'."""
    agent = user_agent.lower()
    if "android" in agent:
        return "android"
    if "iphone" in agent or "ipad" in agent or "ios" in agent.split("/")[0]:
        return "ios"
    return "web"
