"""Every public page fits a phone and a desktop, and dark mode keeps buttons readable."""

from __future__ import annotations

import pytest

from outagewatch.storage.sql import SqlStore
from tests.browser.outage_site import DESKTOP, PHONE, PageOpener
from tests.helpers import link_token

PUBLIC_PAGES = (
    "/",
    "/services/tiktok",
    "/services/royal-bank-of-canada",
    "/categories/banking",
    "/categories/social-media",
    "/search?q=bank",
    "/about",
    "/credits",
    "/account",
    "/signin",
)
SIZES = {"desktop": DESKTOP, "phone": PHONE}
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.browser
@pytest.mark.parametrize("size_name", ["desktop", "phone"])
def test_no_public_page_scrolls_sideways(
    outage_site: str, loaded_store: SqlStore, new_page: PageOpener, size_name: str
) -> None:

    page = new_page(viewport=SIZES[size_name])
    incident = loaded_store.incidents_of(
        next(s.id for s in loaded_store.list_services() if s.slug == "tiktok") or 0, limit=1
    )[0]
    overflowing = {}
    for path in (*PUBLIC_PAGES, f"/incidents/{incident.id}"):
        page.goto(f"{outage_site}{path}")
        overflowing[path] = page.evaluate(OVERFLOW)
    sign_in(page, outage_site, loaded_store)
    page.goto(f"{outage_site}/services/tiktok")
    page.get_by_role("button", name="Notify me").first.click()
    page.goto(f"{outage_site}/account")
    overflowing["/account (signed in)"] = page.evaluate(OVERFLOW)

    assert {path: px for path, px in overflowing.items() if px > 0} == {}


def sign_in(page: object, site: str, store: SqlStore) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(f"{site}/signin")
    page.get_by_label("E-mail address").fill("a.rather.long.address@example.org")
    page.get_by_role("button", name="Send me a link").click()
    page.goto(
        f"{site}/signin/confirm?token={link_token(store, 'a.rather.long.address@example.org')}"
    )
    page.get_by_role("button", name="Sign in").click()


CONTRASTS = """() => {
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const buttons = document.querySelectorAll(".search button, .button:not(.secondary)");
  return [...buttons].map((button) => {
    const style = getComputedStyle(button);
    const [a, b] = [luminance(rgb(style.color)), luminance(rgb(style.backgroundColor))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    return [button.textContent.trim(), Math.round(ratio * 10) / 10];
  });
}"""


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_filled_buttons_are_readable_in_light_and_dark_mode(
    outage_site: str, loaded_store: SqlStore, new_page: PageOpener, scheme: str
) -> None:

    page = new_page(viewport=DESKTOP, color_scheme=scheme)
    contrasts = []
    for path in ("/", "/services/tiktok"):
        page.goto(f"{outage_site}{path}")
        contrasts += page.evaluate(CONTRASTS)
    sign_in(page, outage_site, loaded_store)
    contrasts += page.evaluate(CONTRASTS)  # the account page: "Delete my account"

    names = {name for name, _ in contrasts}
    assert {"Search", "Report a problem", "Delete my account"} <= names
    assert [(name, ratio) for name, ratio in contrasts if ratio < 4.5] == []
