"""One CO2 story per scenario: the forecast's CO2 and the schedule's are of the same zone and job, and add up.

For every zone, grid provider and hardware profile (a job that can pause, one with a deadline): the
schedule plans the forecast's job (its kWh) in the forecast's zone; the CO2 saved is never more than the
CO2 if started now, and the CO2 at the best start is the CO2 if started now less the saving, never below 0.
On the illustrative profile the zone's profile averages the zone's annual average, the intensity the
forecast's CO2 is at (the issue: with zone FR the schedule once saved 2.15 g of a 1.721 g forecast).
Pure Python: the real costing and scheduling, no model.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from resque_core.forecast.costing import CostSettings, build_costing
from resque_core.forecast.result import Forecast, Interval, Source
from resque_core.grid.csvfile import CsvProvider
from resque_core.grid.illustrative import IllustrativeProvider
from resque_core.grid.job import schedule_job
from resque_core.grid.offline import OfflineProvider
from resque_core.reporting.headline import headline_sentences
from resque_core.reporting.scenario import Scenario, forecast_section, schedule_section
from resque_core.units import co2_text
from ui.settings import ScheduleSettings, forecast_zone

NOW = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
ZONES = ("DE", "FR", "PL", "SE", "US-CAL-CISO")
PROFILES = ("nvidia-a100-sxm", "nvidia-l4", "amd-epyc-7763")
PROVIDERS = ("illustrative", "csv", "offline")
SECONDS_PER_EPOCH = 900.0  # 30 epochs: 7.5 h, so the job spans several hours of the profile


def grid_csv() -> bytes:
    """A 48-h series of the user's own, with a clean night: the CSV provider's data."""
    start = NOW.replace(minute=0)
    rows = [f"{(start + timedelta(hours=h)).isoformat()},{300 + 150 * ((h % 24) < 8) - 120 * ((h % 24) > 18)}"
            for h in range(48)]  # fmt: skip
    return ("datetime,carbon_intensity\n" + "\n".join(rows)).encode()


def provider(name: str):
    return {
        "illustrative": IllustrativeProvider(now=NOW),
        "csv": CsvProvider(grid_csv()),
        "offline": OfflineProvider(),
    }[name]


def forecast_in(zone: str, profile: str) -> tuple[Forecast, dict]:
    """A forecast priced as the Forecast page prices it (``CostSettings`` -> ``build_costing``), and its inputs."""
    settings = CostSettings(
        energy="profile", profile=profile, seconds_per_epoch=SECONDS_PER_EPOCH, intensity="zone", zone=zone
    )
    bare = Forecast(
        0.1, "dist", 0.8, {"epochs": Interval(30.0, 20.0, 45.0)}, {}, Source("default", "modeled"), 20, False
    )
    return build_costing(settings).apply(bare), asdict(settings)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("grid", PROVIDERS)
def test_forecast_and_schedule_tell_one_co2_story(zone, grid):
    for profile, interruptible, deadline_h in zip(PROFILES, (False, True, False), (None, None, 20), strict=True):
        forecast, inputs = forecast_in(zone, profile)
        settings = ScheduleSettings(provider=grid, zone=forecast_zone(inputs), interruptible=interruptible)
        seconds, kwh = forecast.measures["seconds"].point, forecast.measures["kwh"].point
        deadline = NOW + timedelta(hours=deadline_h) if deadline_h else None
        plan, series = schedule_job(
            provider(grid), settings.zone, seconds, kwh, now=NOW, horizon_s=settings.horizon_h * 3600,
            deadline=deadline, interruptible=interruptible,
        )  # fmt: skip
        assert settings.zone == zone and plan.zone == series.zone == zone  # both name the forecast's zone
        assert plan.energy_kwh == kwh and plan.duration_s == seconds  # the schedule's job is the forecast's
        assert 0.0 <= plan.co2_saved_kg <= plan.co2_now_kg
        assert plan.co2_best_kg == pytest.approx(plan.co2_now_kg - plan.co2_saved_kg, rel=1e-12, abs=1e-18)
        assert plan.co2_best_kg >= 0.0
        annual = forecast.source.intensity_g_per_kwh
        assert forecast.measures["co2_kg"].point == pytest.approx(kwh * annual / 1000, rel=1e-12)
        if grid == "illustrative":  # the zone's profile averages the forecast's intensity
            assert sum(series.values_g_per_kwh) / len(series) == pytest.approx(annual, rel=1e-12)
            assert plan.co2_saved_kg > 0 and "annual average of" in series.source
        if grid == "offline":  # a flat annual average: the forecast's own CO2, and nothing to gain by waiting
            assert plan.co2_now_kg == pytest.approx(forecast.measures["co2_kg"].point, rel=1e-9)
            assert plan.co2_saved_kg == 0.0
        scenario = Scenario("s", forecast=forecast_section(forecast), schedule=schedule_section(plan, series))
        best = next(s for s in headline_sentences(scenario) if s.startswith("Best start"))
        assert f"in zone {zone}" in best and f"{co2_text(plan.co2_now_kg)} if started now" in best
        saving = f"saving {co2_text(plan.co2_saved_kg)}" if plan.co2_saved_kg > 0 else "no start is cleaner than now"
        assert saving in best


def test_the_schedule_zone_is_the_forecast_zone_unless_its_intensity_is_not_a_zone():
    assert forecast_zone(asdict(CostSettings(intensity="zone", zone="FR"))) == "FR"
    assert forecast_zone(asdict(CostSettings(intensity="typed", intensity_g_per_kwh=50.0))) is None
    assert forecast_zone(None) is None
    assert ScheduleSettings().zone == "DE"  # the demo's: DEMO_COST's zone
