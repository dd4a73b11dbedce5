"""The three-click demo path in a real headless browser: run, read, download the report, screenshot."""

from __future__ import annotations

import pathlib

import pytest
from playwright.sync_api import expect

from resque_core.forecast.records import DEFAULT_CSV
from tests.e2e.conftest import SETTLE_TIMEOUT_MS, SHOTS, STAGES, elsewhere, new_page, run_demo_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
needs_calibration = pytest.mark.skipif(
    not DEFAULT_CSV.is_file(),
    reason=f"the demo needs the default calibration {DEFAULT_CSV} (resque_core.forecast.records.default_records)",
)


def _check_report_offline(browser, path: pathlib.Path, theme: str) -> None:
    """The downloaded report draws its charts with the network off (plotly.js is inlined)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=theme, offline=True)
    report = context.new_page()
    report.goto(path.as_uri())
    report.locator(".plotly .main-svg").first.wait_for(timeout=30_000)
    assert report.locator(".js-plotly-plot").count() >= 4
    if theme == "light":
        report.screenshot(path=str(SHOTS / "report.png"))
    context.close()


@pytest.mark.slow  # about 15-30 s: a real browser drives the whole demo
@needs_calibration
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_three_click_demo_and_report(browser, server_url, theme, tmp_path):
    page = new_page(browser, theme)
    outside: list[str] = []  # offline first: the dashboard fetches nothing from another host (favicon, fonts...)
    page.on("request", lambda r: outside.append(r.url) if elsewhere(r.url) else None)
    metrics = run_demo_in(page, server_url)
    assert outside == [], outside
    index, epochs, best = metrics["RESQUE_dist"], metrics["Epochs (modeled)"], metrics["Best start"]
    assert 0 < float(index) < 1 and float(epochs) > 0 and best.endswith("UTC")
    assert "illustrative, not live data" in page.content()
    assert page.locator("[data-testid=stSidebar]").inner_text().count("done") == STAGES
    page.screenshot(path=str(SHOTS / f"demo-{theme}.png"))

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the HTML report").click()  # click 2
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".html"
    html = saved.read_text(encoding="utf-8")
    assert index in html and epochs in html and best in html
    assert "illustrative, not live data" in html and "modeled" in html and "Plotly.newPlot" in html

    _check_report_offline(browser, saved, theme)

    page.get_by_role("link", name="Schedule details").click()  # optional third click: the details
    page.get_by_text("Top windows").wait_for(timeout=SETTLE_TIMEOUT_MS)
    expect(page.locator("[data-testid=stMetricValue]").filter(has_text=best)).to_be_visible(timeout=SETTLE_TIMEOUT_MS)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=SETTLE_TIMEOUT_MS)  # the chart is drawn
    page.screenshot(path=str(SHOTS / f"schedule-{theme}.png"))
    page.context.close()


def test_a_deep_link_on_a_fresh_server_lands_on_the_dashboard(browser, tmp_path):
    """The first request of a new server may name a page: it must not run that page outside app.py."""
    from tests.e2e.conftest import dashboard_server

    with dashboard_server(tmp_path / "server.log") as url:
        page = new_page(browser)
        page.goto(f"{url}/forecast")
        page.get_by_role("button", name="Run the demo").wait_for(timeout=30_000)
        assert "Pipeline" in page.locator("[data-testid=stSidebar]").inner_text()
        assert page.locator("[data-testid=stException]").count() == 0
        page.context.close()
