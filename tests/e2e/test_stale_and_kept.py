"""In a real browser, one demo run: a price change keeps Start's results (the schedule is not stale), the sidebar
is never behind them, and Data & model keeps the fields the user entered across pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from resque_core.assets import asset_path
from resque_core.forecast.records import DEFAULT_CSV
from tests.e2e.conftest import SETTLE_TIMEOUT_MS, STAGES, new_page, run_demo_in, settled

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not DEFAULT_CSV.is_file(), reason=f"the demo needs the default calibration {DEFAULT_CSV}"),
]
CHANGED_MONEY = """([label, old]) => [...document.querySelectorAll('[data-testid=stMetric]')]
    .some(card => card.innerText.includes(label) && (old === null || !card.innerText.includes(old)))"""


@pytest.fixture(scope="module")
def demo(browser, server_url):
    """One page (one Streamlit session) in which the demo ran, shared by this module's tests."""
    page = new_page(browser)
    metrics = run_demo_in(page, server_url)
    yield page, metrics
    page.context.close()


def nav(page, name: str):
    """The sidebar's link to a page (the main area has links with longer names)."""
    return page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=name, exact=True)


def sidebar_text(page) -> str:
    return page.locator("[data-testid=stSidebar]").inner_text()


def test_a_price_keeps_start_full_and_the_schedule_done(demo):
    page, before = demo
    nav(page, "Forecast").click()
    page.get_by_text("Settings: calibration, hardware, grid and price").click()
    page.get_by_text("Per kWh", exact=True).click()
    price = page.get_by_label("Price per kWh (EUR)")
    price.fill("0.77")
    price.press("Enter")
    page.get_by_role("button", name="Forecast", exact=True).click()
    old = next((value for label, value in before.items() if label.startswith("Money")), None)
    page.wait_for_function(CHANGED_MONEY, arg=["Money", old], timeout=SETTLE_TIMEOUT_MS)
    nav(page, "Start").click()
    expect(page.get_by_text("Best start")).to_be_visible(timeout=SETTLE_TIMEOUT_MS)
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_text("done", exact=True)).to_have_count(STAGES, timeout=SETTLE_TIMEOUT_MS)
    assert "missing" not in sidebar_text(page) and "stale" not in sidebar_text(page)
    expect(page.get_by_text("RESQUE_dist", exact=True)).to_be_visible(timeout=SETTLE_TIMEOUT_MS)  # all still there
    settled(page)
    assert page.get_by_text("Stale: re-run").count() == 0  # the price moved no job: nothing to re-run


def test_data_and_model_keeps_what_was_entered_across_pages(demo):
    page, _ = demo
    nav(page, "Data & model").click()
    page.get_by_text("Upload", exact=True).click()  # the checkpoint's upload option
    page.locator("[data-testid=stFileUploader] input[type=file]").last.set_input_files(
        str(asset_path("default_digits_0-9.pt"))
    )
    classes = page.get_by_role("spinbutton", name="Number of classes")
    classes.fill("10")
    classes.press("Enter")
    page.get_by_text("Input spec: set it here").click()
    mean = page.get_by_role("textbox", name="Mean", exact=True)
    mean.fill("0.2")
    mean.press("Enter")
    expect(page.get_by_role("textbox", name="Mean", exact=True)).to_have_value("0.2", timeout=SETTLE_TIMEOUT_MS)
    settled(page)  # the server has the typed values (the field showing them is not proof of that)
    nav(page, "Forecast").click()
    expect(page.get_by_role("heading", name="Forecast")).to_be_visible(timeout=SETTLE_TIMEOUT_MS)
    nav(page, "Data & model").click()
    page.get_by_text("What is loaded").wait_for(timeout=SETTLE_TIMEOUT_MS)
    expect(page.get_by_role("textbox", name="Mean", exact=True)).to_have_value("0.2", timeout=SETTLE_TIMEOUT_MS)
    expect(page.get_by_role("spinbutton", name="Number of classes")).to_have_value("10")
    assert page.get_by_text("uploaded earlier in this session").count() == 1
    assert "missing" not in sidebar_text(page)
