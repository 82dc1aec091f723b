"""The world map in real Chromium: the page's <use> references resolve against the outline
sprite, so the base world and each reporting country are drawn, in their shades."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.outage_site import ARTIFACTS, PageOpener
from tests.serving import ServerProcess as LiveServer

SERVICE = "duolingo"


@pytest.mark.browser
def test_the_map_draws_the_world_and_shades_the_countries_that_report(
    live_server: LiveServer, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    for number, country in enumerate(["BR", "BR", "BR", "JP"]):
        answer = httpx.post(
            f"{live_server.url}/api/v1/services/{SERVICE}/reports",
            json={"problem": "courses", "country": country},
            # A network each: more people behind one address weigh only its logarithm.
            headers={"User-Agent": f"map-viewer-{number}", "X-Forwarded-For": f"100.70.{number}.9"},
        )
        assert answer.status_code == 201, answer.text

    page = new_page()
    sprites: list[int] = []
    page.on(
        "response",
        lambda response: sprites.append(response.status) if "/map/" in response.url else None,
    )
    page.goto(f"{live_server.url}/services/{SERVICE}")
    world_map = page.locator("svg.world-map")
    expect(world_map.locator('use[data-country="BR"]')).to_have_count(1)

    # A <use> whose reference did not resolve has an empty box; a drawn one has the size of
    # what it shows. Brazil is a fair share of the map's width; the world is all of it.
    boxes = world_map.evaluate(
        """svg => Object.fromEntries([...svg.querySelectorAll('use')].map(use => {
            const box = use.getBBox();
            return [use.dataset.country || 'world', [box.width, box.height]];
        }))"""
    )
    fills = world_map.evaluate(
        """svg => Object.fromEntries([...svg.querySelectorAll('use')].map(use =>
            [use.dataset.country || 'world', getComputedStyle(use).fill]))"""
    )

    assert boxes["world"][0] > 900  # of the 1000-unit-wide view box
    assert 50 < boxes["BR"][0] < 300 and boxes["JP"][0] > 5
    assert fills["BR"] != fills["JP"] != fills["world"]  # three reports vs one vs none
    assert sprites and set(sprites) <= {200, 304}
    ARTIFACTS.mkdir(exist_ok=True)
    world_map.screenshot(path=str(ARTIFACTS / "world-map.png"))
