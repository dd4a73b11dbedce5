"""The Runs page in a real browser: a run another process wrote to the records database, with its chart."""

from __future__ import annotations

import pytest

from resque_core.live import LiveRun, Prior, RunStore
from resque_core.live.store import utc_now
from resque_core.live.summary import run_summary
from tests.e2e.conftest import ROOT, dashboard_server, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
SETTLE_TIMEOUT_MS = 30_000  # a ceiling, not a pause: each wait ends when its element shows


def test_the_runs_page_shows_a_run_tracked_elsewhere_with_its_chart(browser, tmp_path):
    """A run that has just begun on another machine: what is left comes from its prior alone, so the page needs no
    fit of the refinement (the AppTests cover the refined figures) and the test stays short."""
    now = utc_now()
    prior = Prior(epochs=4, low=2, high=9, kwh_per_epoch=0.05, seconds_per_epoch=600.0, index=0.04, index_kind="dist")
    run = LiveRun(
        "live-e2e-run", "resnet18-camera-e2e", "running", now, now, "trainer-7", 1, 0.9, "accuracy 0.9 on the new data",
        20.0, prior, "DEU", 380.0, "codecarbon-estimate",
    )  # fmt: skip
    RunStore(tmp_path / "records.sqlite").begin(run)  # the database dashboard_server points RESQUE_DB to
    with dashboard_server(tmp_path / "server.log") as url:
        page = new_page(browser)
        page.goto(url)
        page.get_by_role("button", name="Run the demo").wait_for(timeout=SETTLE_TIMEOUT_MS)  # the session is up
        page.get_by_role("link", name="Runs", exact=True).click()
        tiles = page.locator("[data-testid=stMetricLabel]")
        tiles.filter(has_text="Epochs left").wait_for(timeout=SETTLE_TIMEOUT_MS)
        heading = page.locator("[data-testid=stMarkdownContainer]").filter(has_text="resnet18-camera-e2e").first
        assert "running" in heading.inner_text() and "0 evaluations" in heading.inner_text()
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=SETTLE_TIMEOUT_MS)
        assert page.locator("[data-testid=stException]").count() == 0
        (ROOT / "out" / "screenshots").mkdir(parents=True, exist_ok=True)
        page.locator(".js-plotly-plot").first.screenshot(path=str(ROOT / "out" / "screenshots" / "runs-chart.png"))

        hours = run_summary(run)["remaining"]["seconds"]["point"] / 3600  # a button in a fragment opens a page
        page.get_by_role("button", name="Re-plan what is left on the Schedule page").click()
        duration = page.get_by_label("Job duration (hours)")
        duration.wait_for(timeout=SETTLE_TIMEOUT_MS)  # 1 run in 4 drew a blank page when it switched in the fragment
        assert float(duration.input_value()) == pytest.approx(hours, rel=1e-3)
        assert page.get_by_role("heading", name="Schedule").count() == 1
        page.context.close()
