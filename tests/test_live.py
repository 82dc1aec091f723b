from __future__ import annotations

import asyncio

from outagewatch.live import SUBSCRIBER_BUFFER, LiveHub, ServiceUpdate


def _update(slug: str, hour: int, status: str = "ok") -> ServiceUpdate:
    return ServiceUpdate(slug, slug.title(), status, hour, hour)


def test_subscribers_get_updates_of_their_service_and_global_ones_get_all() -> None:
    hub = LiveHub()
    tiktok = hub.subscribe("tiktok")
    everything = hub.subscribe(None)

    hub.publish([_update("tiktok", 1), _update("discord", 5)])

    assert tiktok.queue.qsize() == 1
    assert everything.queue.qsize() == 2


def test_unchanged_figures_are_not_sent_again() -> None:
    hub = LiveHub()
    viewer = hub.subscribe("tiktok")

    first = hub.publish([_update("tiktok", 1)])
    again = hub.publish([_update("tiktok", 1)])
    changed = hub.publish([_update("tiktok", 1, status="major")])

    assert (first, again, changed) == (1, 0, 1)
    assert viewer.queue.qsize() == 2
    assert hub.known_status("tiktok") == "major"


def test_a_slow_viewer_keeps_only_the_newest_updates() -> None:
    hub = LiveHub()
    viewer = hub.subscribe("tiktok")

    for hour in range(SUBSCRIBER_BUFFER + 10):
        hub.publish([_update("tiktok", hour)])

    oldest_kept = asyncio.run(viewer.next(timeout=1))
    assert viewer.queue.qsize() == SUBSCRIBER_BUFFER - 1
    assert oldest_kept is not None and oldest_kept.reports_this_hour == 10


def test_closed_subscriptions_stop_receiving() -> None:
    hub = LiveHub()
    viewer = hub.subscribe("tiktok")

    viewer.close()
    hub.publish([_update("tiktok", 1)])

    assert viewer.queue.empty()
    assert hub.viewers == 0
