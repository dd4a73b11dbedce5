"""The one-click demo: every number it shows equals what ``resque_core`` computes for the same inputs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from resque_core.forecast.costing import Costing
from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.records import default_records
from resque_core.grid.csvfile import CsvProvider
from resque_core.grid.offline import annual_intensity_g_per_kwh
from resque_core.grid.schedule import plan
from resque_core.index.compute import compute_index
from resque_core.index.request import IndexRequest
from resque_core.reporting.export import to_html
from resque_core.units import co2_text, datetime_text, energy_text
from tests.app.conftest import demo_app, metric
from ui import actions
from ui.results import current_scenario


@pytest.fixture(scope="module")
def engine():
    """The demo computed directly with the engine (no Streamlit)."""
    report = compute_index(IndexRequest(**actions.DEFAULT_DATA, **actions.DEFAULT_MODEL, **actions.DEFAULT_INDEX))
    value, country, year = annual_intensity_g_per_kwh("DE")
    costing = Costing(intensity_g_per_kwh=value, intensity_source=f"annual average {country} {year or ''} (modeled)")
    fitted = Forecaster(level=0.8).fit(default_records(), "dist", source="default calibration")
    forecast = fitted.predict(report.value, costing=costing, shift_type="gaussian_noise")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    series = CsvProvider(actions.illustrative_csv(hour), kind="modeled").read("DE")
    planned = plan(series, forecast.measures["seconds"].point, forecast.measures["kwh"].point)
    return report, forecast, planned


def test_demo_shows_the_engine_numbers(engine):
    report, forecast, planned = engine
    at = demo_app()
    assert metric(at, "RESQUE_dist") == f"{report.value:.4g}"
    assert metric(at, "Noise floor") == f"{report.noise_floor:.4g}"
    assert metric(at, "Epochs") == f"{forecast.measures['epochs'].point:.4g}"
    assert metric(at, "Energy") == energy_text(forecast.measures["kwh"].point)
    assert metric(at, "CO2 (modeled") == co2_text(forecast.measures["co2_kg"].point)
    assert metric(at, "Best start") == datetime_text(planned.best_start)
    assert metric(at, "CO2 saved") == co2_text(planned.saved_kg)
    assert planned.saved_kg > 0  # the illustrative profile has a cleaner window than now
    captions = " ".join(c.value for c in at.main.caption)
    assert "illustrative, not live data" in captions
    assert len(at.download_button) == 1


def test_demo_report_contains_the_figures(engine):
    report, forecast, planned = engine
    at = demo_app()
    html = to_html([current_scenario(at.session_state)])
    assert f"{report.value:.4g}" in html and f"{forecast.measures['epochs'].point:.4g}" in html
    assert datetime_text(planned.best_start) in html and "illustrative, not live data" in html
