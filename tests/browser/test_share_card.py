"""A shared link as a chat app would read it, in real Chromium against the real server:
the tags resolve, and the preview shows the page's status in the page's colour."""

from __future__ import annotations

import pytest

from tests.browser.outage_site import ARTIFACTS, PageOpener
from tests.serving import ServerProcess as LiveServer

SAMPLE = """() => {
  const image = document.images[0];
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const [r, g, b] = context.getImageData(600, 8, 1, 1).data;  // the band in the status colour
  return [image.naturalWidth, image.naturalHeight, `rgb(${r}, ${g}, ${b})`];
}"""


@pytest.mark.browser
def test_a_service_page_shares_a_card_showing_its_status(
    live_server: LiveServer, new_page: PageOpener
) -> None:

    page = new_page()
    page.goto(f"{live_server.url}/services/tiktok")
    tags = {
        key: page.locator(f'meta[property="{key}"]').get_attribute("content")
        for key in ("og:title", "og:url", "og:image", "og:description")
    }
    twitter_card = page.locator('meta[name="twitter:card"]').get_attribute("content")
    title = page.title()
    status_colour = page.locator(".status-word").evaluate("e => getComputedStyle(e).color")

    answer = page.goto(tags["og:image"] or "")
    width, height, band = page.evaluate(SAMPLE)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tiktok-share-card.png"))

    assert tags["og:title"] == title
    assert tags["og:url"] == f"{live_server.url}/services/tiktok"
    assert (tags["og:image"] or "").startswith(f"{live_server.url}/services/tiktok/preview.png")
    assert twitter_card == "summary_large_image"
    assert answer is not None and answer.status == 200
    assert answer.headers["content-type"] == "image/png"
    assert (width, height) == (1200, 630)
    assert band == status_colour  # "No issues" green, as the status word on the page
