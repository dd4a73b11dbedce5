"""One CO2 story and the manager's headline, in a real browser, on one demo run.

Start leads with the headline (money at the demo's example price, the CO2's assumption, the best start's grid
data, how sure) above the index and engine figures; after zone FR on the Forecast page and a new schedule,
the Schedule page plans in FR and its saving is at most its CO2 if started now, each tile saying what it assumes.
"""

from __future__ import annotations

import re

import pytest

from resque_core.forecast.records import DEFAULT_CSV
from tests.e2e.conftest import ROOT, SETTLE_TIMEOUT_MS, metrics_on, new_page, run_demo_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not DEFAULT_CSV.is_file(), reason=f"the demo needs the default calibration {DEFAULT_CSV}"),
]
MASS_KG = {"t": 1e3, "kg": 1.0, "g": 1e-3, "mg": 1e-6, "µg": 1e-9}


@pytest.fixture(scope="module")
def page(browser, server_url):
    """One session for the module: the demo run once; the tests go on from where the one before left it."""
    page = new_page(browser)
    run_demo_in(page, server_url)
    yield page
    page.context.close()


def kg(text: str) -> float:
    """A CO2 tile's value in kg: "8.469 mg" -> 8.469e-06."""
    number, unit = text.split()
    return float(number) * MASS_KG[unit]


def cut_tiles(page) -> list[str]:
    """The tiles whose value the page cuts short (an ellipsis: wider than its box)."""
    return page.locator("[data-testid=stMetricValue]").evaluate_all(
        "els => els.filter(e => [e, ...e.querySelectorAll('*')].some(x => x.scrollWidth > x.clientWidth + 1))"
        ".map(e => e.innerText)"
    )


def test_start_leads_with_the_headline_above_the_engine_figures(page):
    main = page.locator("[data-testid=stMain]")
    money = main.get_by_text("Retraining will cost", exact=False).first
    money.wait_for(timeout=SETTLE_TIMEOUT_MS)
    text = main.inner_text()
    assert "example price, not yours" in money.inner_text()
    for words in ("It will emit", "at the annual average of Germany", "of training from scratch", "How sure: in "):
        assert words in text, words
    assert "grid data: illustrative, not live data" in text
    assert not re.search(r"\d[eE][+-]\d", text), "a figure in scientific notation"
    index_tile = main.locator("[data-testid=stMetricLabel]").filter(has_text="RESQUE_dist")
    assert money.bounding_box()["y"] < index_tile.bounding_box()["y"]  # the engine's figures below the answer
    assert cut_tiles(page) == []
    (ROOT / "out" / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ROOT / "out" / "screenshots" / "start-headline.png"), full_page=True)


def test_zone_fr_on_the_forecast_page_is_the_schedule_zone_and_its_saving_fits(page):
    page.get_by_role("link", name="Forecast", exact=True).click()
    page.get_by_text("Settings: calibration, hardware, grid and price").click()
    zone = page.get_by_label("Zone (country code)")
    zone.fill("FR")
    zone.press("Enter")
    page.get_by_role("button", name="Forecast", exact=True).click()
    page.get_by_text("At the annual average of France").first.wait_for(timeout=SETTLE_TIMEOUT_MS)

    page.get_by_role("link", name="Schedule", exact=True).click()
    page.get_by_text("Settings: grid data, zone, horizon, deadline").click()
    field = page.get_by_label("Zone (e.g. DE, FR, GB)", exact=True)
    field.wait_for(timeout=SETTLE_TIMEOUT_MS)
    assert field.input_value() == "FR"  # the schedule follows the forecast's zone
    page.get_by_role("button", name="Find the best window").click()
    main = page.locator("[data-testid=stMain]")
    main.get_by_text("annual average of France").first.wait_for(timeout=SETTLE_TIMEOUT_MS)
    tiles = metrics_on(page)
    now, best, saved = (kg(tiles[f"CO2 {w}"]) for w in ("if started now", "at the best start", "saved by waiting"))
    assert 0 < saved <= now and best == pytest.approx(now - saved, rel=1e-3) and best >= 0
    assert cut_tiles(page) == []
    assert "illustrative, not live data" in main.inner_text()
    page.screenshot(path=str(ROOT / "out" / "screenshots" / "schedule-fr.png"), full_page=True)
