"""In a real browser: Compare models compares the shipped checkpoints on the demo's data (no data loaded), to a
target accuracy of 0.8, and shows the recommendation, the table's recommended row and the Pareto
chart, with no figure in scientific notation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from resque_core.forecast.records import DEFAULT_CSV
from tests.e2e.conftest import DEMO_TIMEOUT_MS, SETTLE_TIMEOUT_MS, SHOTS, go_to, new_page, require_file, settled
from tests.e2e.test_accessibility import scientific_on

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not DEFAULT_CSV.is_file(), reason=f"the comparison needs the default calibration {DEFAULT_CSV}"),
]


@pytest.fixture(scope="module")
def compared(browser, server_url):
    """One page (one Streamlit session) in which the shipped checkpoints were compared."""
    page = new_page(browser)
    page.goto(server_url)
    go_to(page, "Compare models")
    page.get_by_text("An accuracy on the new data", exact=True).click()  # the settings are open: none compared yet
    target = page.get_by_role("spinbutton", name="Target accuracy")
    target.fill("0.8")  # within reach under the demo's heavy noise: an option is recommended
    target.press("Enter")
    settled(page)
    page.get_by_role("button", name="Compare", exact=True).click()
    answer = page.get_by_text("Recommended:").or_(page.get_by_text("No option meets the target."))
    error = page.locator("[data-testid=stAlertContentError]")
    answer.or_(error).first.wait_for(timeout=DEMO_TIMEOUT_MS)
    if error.count():
        pytest.fail(f"the comparison failed on the page: {error.first.inner_text()}")
    settled(page)
    yield page
    page.context.close()


def test_the_recommendation_names_the_tables_recommended_row(compared):
    page = compared
    said = page.locator("[data-testid=stAlertContentSuccess]").inner_text()
    assert "Recommended: " in said, said  # after the icon's name
    name = said.split("Recommended: ", 1)[1].split(": ", 1)[0]
    assert "the least CO2 of the" in said and "reach accuracy 0.8 on the new data" in said
    table = page.locator("[data-testid=stTable]")
    expect(table.get_by_text(f"{name} (recommended)", exact=True)).to_be_visible(timeout=SETTLE_TIMEOUT_MS)


def test_the_pareto_chart_is_drawn_with_the_front_the_target_and_the_recommended_option(compared):
    chart = compared.locator("[data-testid=stPlotlyChart]")
    expect(chart).to_have_count(1, timeout=SETTLE_TIMEOUT_MS)
    chart.locator(".main-svg").first.wait_for(timeout=SETTLE_TIMEOUT_MS)
    drawn = chart.inner_text()
    for text in ("on the Pareto front", "target (", "recommended", "CO2 (", "expected accuracy"):
        assert text in drawn, (text, drawn[:500])
    assert scientific_on(compared) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    compared.set_viewport_size({"width": 1280, "height": 1500})  # the answer, the table and the chart in one shot
    compared.get_by_role("heading", name="Compare models", level=1).scroll_into_view_if_needed()
    settled(compared)
    compared.screenshot(path=str(SHOTS / "compare-light.png"))


def test_the_page_with_its_answer_has_no_serious_violation(compared):
    """axe-core on the page once the answer is drawn (the accessibility tour sees its form alone)."""
    from tests.e2e.test_accessibility import AXE_JS, blocking_violations, described, practice_violations

    require_file(AXE_JS, "run `npm ci` (package.json) to check accessibility")
    found = blocking_violations(compared) + practice_violations(compared)
    assert not found, f"axe-core:\n{described({'Compare models': found})}"
