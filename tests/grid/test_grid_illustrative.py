"""The illustrative provider: the shipped 48-h profile scaled to the zone's annual average, laid out from the hour
that holds now, labeled as such."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest

from resque_core.assets import asset_path
from resque_core.cli import main
from resque_core.grid.base import ProviderFailure
from resque_core.grid.factory import PROVIDERS, make_provider
from resque_core.grid.illustrative import IllustrativeProvider, anchor_hour
from resque_core.grid.job import schedule_job
from resque_core.grid.offline import annual_intensity_g_per_kwh

NOW = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
HOUR = datetime(2026, 11, 23, 10, tzinfo=UTC)


def shipped_profile() -> list[float]:
    with asset_path("illustrative_grid_48h.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [int(r["hour_offset"]) for r in rows] == list(range(48))
    return [float(r["carbon_intensity"]) for r in rows]


def test_the_profile_starts_at_the_hour_that_holds_now():
    series = IllustrativeProvider(now=NOW).series("DE")
    assert series.starts == tuple(HOUR + timedelta(hours=h) for h in range(48))
    assert series.ends == tuple(HOUR + timedelta(hours=h + 1) for h in range(48))
    shape = shipped_profile()
    average = annual_intensity_g_per_kwh("DE")[0]
    factor = average / (sum(shape) / len(shape))  # the shape, scaled so that its mean is the annual average
    assert series.values_g_per_kwh == pytest.approx([v * factor for v in shape], rel=1e-12)
    assert sum(series.values_g_per_kwh) / 48 == pytest.approx(average, rel=1e-12)
    assert series.values_g_per_kwh[0] / series.values_g_per_kwh[1] == pytest.approx(380.0 / 362.0)
    assert "scaled so its mean is the annual average of Germany" in series.source
    assert "scaled so its mean is the annual average of Germany" in series.notes[0]
    assert series.provider == "illustrative" and series.kind == "illustrative" and series.zone == "DE"
    assert series.source.startswith("illustrative, not live data") and "not live data" in series.notes[0]


def test_each_zone_gets_the_same_shape_at_its_own_average_and_an_unknown_zone_is_named():
    provider = IllustrativeProvider(now=NOW)
    france, poland = provider.series("FR").values_g_per_kwh, provider.series("PL").values_g_per_kwh
    assert sum(france) / 48 == pytest.approx(annual_intensity_g_per_kwh("FR")[0], rel=1e-12)
    assert sum(poland) / 48 == pytest.approx(annual_intensity_g_per_kwh("PL")[0], rel=1e-12)
    assert [p / f for p, f in zip(poland, france, strict=True)] == pytest.approx([poland[0] / france[0]] * 48)
    with pytest.raises(ProviderFailure, match="scaled to the zone's annual average: no annual average for zone 'XX'"):
        provider.series("XX")


def test_unpinned_it_follows_the_clock():
    before = anchor_hour(datetime.now(UTC))
    start = IllustrativeProvider().series().start
    assert start in (before, anchor_hour(datetime.now(UTC)))
    assert anchor_hour(datetime(2026, 11, 23, 10, 59, 59, tzinfo=UTC)) == HOUR


def test_intensity_clips_to_the_range_and_refuses_one_outside_it():
    provider = IllustrativeProvider(now=NOW)
    series = provider.intensity("FR", NOW - timedelta(hours=1), NOW + timedelta(hours=3))
    assert series.starts[0] == HOUR and series.end == NOW + timedelta(hours=3) and len(series) == 4
    assert series.values_g_per_kwh == provider.series("FR").values_g_per_kwh[:4] and series.zone == "FR"
    with pytest.raises(ProviderFailure, match="the illustrative profile covers") as err:
        provider.intensity("DE", NOW + timedelta(days=3), NOW + timedelta(days=4))
    assert err.value.reason == "empty" and err.value.provider == "illustrative"


def test_it_is_a_provider_by_name():
    assert "illustrative" in PROVIDERS
    provider = make_provider("illustrative", now=NOW)
    assert isinstance(provider, IllustrativeProvider) and provider.series().start == HOUR


def de_factor() -> float:
    """What the shipped shape is multiplied by for DE: its mean becomes DE's annual average."""
    shape = shipped_profile()
    return annual_intensity_g_per_kwh("DE")[0] / (sum(shape) / len(shape))


def test_schedule_job_finds_the_cleanest_window_of_the_profile():
    values = shipped_profile()
    planned, series = schedule_job(IllustrativeProvider(now=HOUR), "DE", 2 * 3600, 1.5, now=HOUR, horizon_s=48 * 3600)
    means = [(values[h] + values[h + 1]) / 2 for h in range(47)]
    best = means.index(min(means))
    assert len(series) == 48 and [o.start for o in planned.options] == [HOUR + timedelta(hours=h) for h in range(47)]
    assert planned.best_start == HOUR + timedelta(hours=best) == datetime(2026, 11, 24, 17, tzinfo=UTC)
    assert planned.co2_best_kg == pytest.approx(1.5 * 276 * de_factor() / 1000)
    assert planned.co2_now_kg == pytest.approx(1.5 * (380 + 362) / 2 * de_factor() / 1000)
    assert planned.kind == "illustrative" and planned.co2_saved_kg > 0


def test_cli_schedules_on_the_profile(capsys):
    argv = ["schedule", "--provider", "illustrative", "--zone", "DE", "--duration", "2h", "--energy-kwh", "1.5",
            "--horizon", "48h", "--now", "2026-11-23T10:20Z", "--json"]  # fmt: skip
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    planned, _ = schedule_job(IllustrativeProvider(now=NOW), "DE", 7200, 1.5, now=NOW, horizon_s=48 * 3600)
    assert data == planned.to_dict()
    assert data["provider"] == "illustrative" and data["kind"] == "illustrative"
    assert data["best_start"] == "2026-11-24T17:00:00Z" and data["co2_best_kg"] == pytest.approx(0.414 * de_factor())
    assert data["now_intensity_g_per_kwh"] == pytest.approx((40 * 380 + 60 * 362 + 20 * 345) / 120 * de_factor())
    assert main(["schedule", "--provider", "illustrative", "--duration", "2h", "--energy-kwh", "1"]) == 2
    assert "--zone is required" in capsys.readouterr().err
