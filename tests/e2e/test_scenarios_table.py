"""The Scenarios page's comparison table in a real browser: every column shows at 1440 px, and on a phone the
table scrolls sideways to its last column rather than cutting it off."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SETTLE_TIMEOUT_MS, run_demo_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

# the table, its scrolling box, and its last header's right edge against that box's
GEOMETRY = """e => {
  const table = e.querySelector('table'), box = table.parentElement;
  const last = [...table.querySelectorAll('thead th')].pop();
  return {table: table.scrollWidth, box: box.clientWidth, scroll: box.scrollWidth,
          overflow: getComputedStyle(box).overflowX, last: last.textContent,
          lastRight: last.getBoundingClientRect().right, boxRight: box.getBoundingClientRect().right};
}"""


@pytest.fixture(scope="module")
def scenarios_page(browser, server_url):
    """One demo run, saved as a scenario, on the Scenarios page of a 1440-px-wide window."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    run_demo_in(page, server_url)
    page.locator("[data-testid=stSidebarNavLink]", has_text="Scenarios").click()
    page.get_by_role("button", name="Save scenario").click()
    page.get_by_text("Comparison (1 scenario)").wait_for(timeout=SETTLE_TIMEOUT_MS)
    yield page
    context.close()


def comparison(page) -> dict:
    return page.locator("[data-testid=stTable]").first.evaluate(GEOMETRY)


def test_every_column_of_the_comparison_shows_at_1440_px(scenarios_page):
    shape = comparison(scenarios_page)
    assert shape["last"] == "saved (%)"
    assert shape["table"] <= shape["box"] and shape["lastRight"] <= shape["boxRight"] + 1, shape


def test_on_a_phone_the_comparison_scrolls_to_its_last_column(scenarios_page):
    scenarios_page.set_viewport_size({"width": 390, "height": 844})
    try:
        scenarios_page.wait_for_function(
            "() => document.querySelector('[data-testid=stTable]').getBoundingClientRect().width < 400",
            timeout=SETTLE_TIMEOUT_MS,
        )
        shape = comparison(scenarios_page)
        assert shape["scroll"] > shape["box"] and shape["overflow"] in ("auto", "scroll"), shape
        table = scenarios_page.locator("[data-testid=stTable] table").first
        table.evaluate("t => { t.parentElement.scrollLeft = t.parentElement.scrollWidth; }")
        shape = comparison(scenarios_page)
        assert shape["lastRight"] <= shape["boxRight"] + 1, shape  # scrolled to: the last column is in view
    finally:
        scenarios_page.set_viewport_size({"width": 1440, "height": 900})
