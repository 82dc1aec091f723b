"""axe-core finds nothing on the main pages, in light and dark mode, during an outage.

axe-core comes from the pinned npm package in tests/browser/axe (`npm ci` there; .ci/run
does it): nothing is downloaded while the tests run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from outagewatch.storage.sql import SqlStore
from tests.browser.outage_site import DESKTOP, PHONE, PageOpener
from tests.helpers import service_id

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
MAIN_PAGES = ("/", "/services/tiktok", "/categories/banking", "/search?q=bank", "/signin")
RUN_AXE = """async () => {
  const result = await axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "best-practice"] });
  const where = (violation) => violation.nodes.map((node) => node.target.join(" ")).join(", ");
  return result.violations.map((violation) => `${violation.id}: ${where(violation)}`);
}"""


def _axe_source() -> str:
    if not AXE.exists():
        reason = "axe-core not installed (run `npm ci` in tests/browser/axe)"
        if os.environ.get("OUTAGEWATCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"OUTAGEWATCH_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return AXE.read_text()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_violation_on_the_main_pages(
    outage_site: str,
    loaded_store: SqlStore,
    new_page: PageOpener,
    scheme: str,
    size: dict[str, int],
) -> None:

    axe = _axe_source()
    incident = loaded_store.incidents_of(service_id(loaded_store, "tiktok"), limit=1)[0]
    page = new_page(viewport=size, color_scheme=scheme, bypass_csp=True)
    violations = {}
    for path in (*MAIN_PAGES, f"/incidents/{incident.id}"):
        page.goto(f"{outage_site}{path}")
        page.evaluate(axe)
        found = page.evaluate(RUN_AXE)
        if found:
            violations[path] = found

    assert violations == {}
