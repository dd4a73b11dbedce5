"""The one-click demo: every number it shows equals what ``resque_core`` computes for the same inputs."""

from __future__ import annotations

import html

import pytest

from resque_core.forecast.costing import Costing
from resque_core.grid.base import iso_utc
from resque_core.grid.illustrative import IllustrativeProvider
from resque_core.grid.job import schedule_job
from resque_core.grid.offline import annual_intensity_g_per_kwh
from resque_core.index.compute import compute_index
from resque_core.index.request import IndexRequest
from resque_core.model.source import ModelSource
from resque_core.reporting.export import to_html
from resque_core.reporting.headline import headline_sentences
from resque_core.units import co2_text, datetime_text, energy_text
from tests.app.conftest import cli_plan, demo_app, metric
from ui import actions
from ui.plain_text import literal
from ui.results import current_scenario
from ui.settings import DataChoice, IndexSettings, ScheduleSettings


@pytest.fixture(scope="module")
def demo():
    return demo_app()


@pytest.fixture(scope="module")
def engine(demo, default_forecaster):
    """The demo computed directly with the engine (no Streamlit), at the minute the demo planned in."""
    report = compute_index(IndexRequest(model=ModelSource(), **DataChoice().inputs(), **IndexSettings().inputs()))
    value, country, year = annual_intensity_g_per_kwh("DE")
    costing = Costing(intensity_g_per_kwh=value, intensity_source=f"annual average {country} {year or ''} (modeled)")
    forecast = default_forecaster(0.8).predict(report.value, costing=costing, shift_type="gaussian_noise")
    now = demo.session_state["results"]["schedule"][0].now  # the clock's minute when the demo ran
    planned, _ = schedule_job(
        IllustrativeProvider(now=now),
        "DE",
        forecast.measures["seconds"].point,
        forecast.measures["kwh"].point,
        now=now,
        horizon_s=ScheduleSettings().horizon_h * 3600,
    )
    return report, forecast, planned


def test_demo_shows_the_engine_numbers(demo, engine):
    report, forecast, planned = engine
    at = demo
    assert metric(at, "RESQUE_dist") == f"{report.value:.4g}"
    assert metric(at, "Noise floor") == f"{report.noise_floor:.4g}"
    assert metric(at, "Epochs") == f"{forecast.measures['epochs'].point:.4g}"
    assert metric(at, "Energy") == energy_text(forecast.measures["kwh"].point)
    assert metric(at, "CO2 (modeled") == co2_text(forecast.measures["co2_kg"].point)
    assert metric(at, "Best start") == datetime_text(planned.best_start)
    assert metric(at, "CO2 saved") == co2_text(planned.co2_saved_kg)
    assert planned.co2_saved_kg > 0  # the illustrative profile has a cleaner window than now
    assert at.session_state["results"]["schedule"][0] == planned
    captions = " ".join(c.value for c in at.main.caption)
    assert "illustrative, not live data" in captions
    assert len(at.download_button) == 1


def test_cli_reproduces_the_demo_schedule(demo, capsys):
    """``schedule --provider illustrative`` with the demo's job, zone, horizon and minute gives its plan."""
    page_plan, page_series = demo.session_state["results"]["schedule"]
    assert page_series.provider == "illustrative" and page_series.kind == "illustrative"
    cli = cli_plan(capsys, page_plan, "48h")
    assert cli == page_plan.to_dict()  # every figure, to the last bit
    assert cli["best_start"] == iso_utc(page_plan.best_start) and cli["co2_saved_kg"] > 0
    assert cli["kind"] == "illustrative" and "illustrative, not live data" in cli["source"]
    assert actions.schedule_of(demo.session_state)["co2_best_kg"] == cli["co2_best_kg"]


def test_demo_report_contains_the_figures(demo, engine):
    report, forecast, planned = engine
    html = to_html([current_scenario(demo.session_state)])
    assert f"{report.value:.4g}" in html and f"{forecast.measures['epochs'].point:.4g}" in html
    assert datetime_text(planned.best_start) in html and "illustrative, not live data" in html


def test_start_and_report_write_the_same_headline(demo):
    """The manager's headline is one function's sentences, on the Start page above the index, and atop the report."""
    sentences = headline_sentences(current_scenario(demo.session_state))
    page = "\n".join(m.value for m in demo.main.markdown)
    report = to_html([current_scenario(demo.session_state)])
    assert len(sentences) == 6 and all(literal(s) in page for s in sentences)
    assert all(html.escape(s) in report for s in sentences)
    assert report.index(html.escape(sentences[0])) < report.index("Budget totals")
    money, effort, co2, scratch, best, sure = sentences
    assert money.startswith("Retraining will cost ") and "EUR (at 0.3 EUR/kWh, example price, not yours)" in money
    assert "at the annual average of Germany" in co2 and "in zone DE" in best and "illustrative, not live data" in best
    assert scratch.startswith("Retraining costs about ") and "of training from scratch" in scratch
    coverage = demo.session_state["results"]["forecast"].coverage
    assert f"in {coverage.covered} of {coverage.runs} past runs" in sure and coverage.runs > 0
    assert not any("e-0" in s or "e+" in s for s in sentences)
    labels = [m.label for m in demo.main.metric]
    assert labels.index("Money (modeled)") < labels.index("RESQUE_dist")  # the engine's figures below the answer
    captions = " ".join(c.value for c in demo.main.caption)
    assert "example price, not yours" in captions and "At the annual average of Germany" in captions
