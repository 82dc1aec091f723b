from __future__ import annotations

import asyncio

import pytest

from outagewatch.live import LiveHub, ServiceUpdate, StreamEndedError, Subscription


def _update(slug: str, hour: int, status: str = "ok") -> ServiceUpdate:
    return ServiceUpdate(slug, slug.title(), status, hour, hour)


def _taken(subscription: Subscription) -> list[ServiceUpdate]:
    """What the subscription holds now (a short bound: nothing here needs to wait)."""
    return asyncio.run(subscription.next(timeout=0.01))


def test_subscribers_get_updates_of_their_service_and_global_ones_get_all() -> None:
    hub = LiveHub()
    tiktok = hub.subscribe("tiktok")
    everything = hub.subscribe(None)

    hub.publish([_update("tiktok", 1), _update("discord", 5)])

    assert [update.slug for update in _taken(tiktok)] == ["tiktok"]
    assert [update.slug for update in _taken(everything)] == ["tiktok", "discord"]


def test_unchanged_figures_are_not_sent_again() -> None:
    hub = LiveHub()
    viewer = hub.subscribe("tiktok")

    first = hub.publish([_update("tiktok", 1)])
    taken_first = _taken(viewer)
    again = hub.publish([_update("tiktok", 1)])
    taken_again = _taken(viewer)
    changed = hub.publish([_update("tiktok", 1, status="major")])

    assert (first, again, changed) == (1, 0, 1)
    assert [u.reports_this_hour for u in taken_first] == [1] and taken_again == []
    assert [u.status for u in _taken(viewer)] == ["major"]
    assert hub.known_status("tiktok") == "major"


def test_a_viewer_who_falls_behind_gets_the_newest_figures_once() -> None:
    hub = LiveHub()
    viewer = hub.subscribe("tiktok")
    everything = hub.subscribe(None)

    for hour in range(50):
        hub.publish([_update("tiktok", hour), _update("discord", 100 + hour)])

    assert [u.reports_this_hour for u in _taken(viewer)] == [49]
    assert [(u.slug, u.reports_this_hour) for u in _taken(everything)] == [
        ("tiktok", 49),
        ("discord", 149),
    ]


def test_a_waiting_viewer_wakes_for_an_update_and_for_the_keepalive_beat() -> None:
    async def scenario() -> tuple[list[ServiceUpdate], list[ServiceUpdate]]:
        hub = LiveHub()
        viewer = hub.subscribe("tiktok")
        waiting = asyncio.ensure_future(viewer.next())
        await asyncio.sleep(0)  # let it start waiting
        hub.publish([_update("tiktok", 3)])
        woken = await asyncio.wait_for(waiting, 5)
        beating = asyncio.ensure_future(viewer.next())
        await asyncio.sleep(0)
        hub.beat()
        return woken, await asyncio.wait_for(beating, 5)

    woken, beat = asyncio.run(scenario())

    assert [u.reports_this_hour for u in woken] == [3]
    assert beat == []  # nothing new: the stream sends a keep-alive line


def test_closing_the_hub_ends_every_stream() -> None:
    async def scenario() -> None:
        hub = LiveHub()
        viewer = hub.subscribe("tiktok")
        waiting = asyncio.ensure_future(viewer.next())
        await asyncio.sleep(0)
        hub.close()
        with pytest.raises(StreamEndedError):
            await asyncio.wait_for(waiting, 5)

    asyncio.run(scenario())


def test_closed_subscriptions_stop_receiving() -> None:
    hub = LiveHub()
    viewer = hub.subscribe("tiktok")

    viewer.close()
    hub.publish([_update("tiktok", 1)])

    assert _taken(viewer) == []
    assert hub.viewers == 0
