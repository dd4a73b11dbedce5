"""The UK Carbon Intensity API provider against a local server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fake_grid_server import Answer, floor, uk_national, uk_regional

from resque_core.errors import ScheduleError
from resque_core.grid.base import ProviderFailure
from resque_core.grid.schedule import plan
from resque_core.grid.ukgrid import UKGridProvider, outcode_of


def uk(grid, postcode=None, timeout_s=2.0):
    return UKGridProvider(postcode, base_url=f"{grid.url}/uk", timeout_s=timeout_s)


def window(hours=48):
    now = datetime.now(UTC)
    return now, now + timedelta(hours=hours)


def test_national_forecast_in_half_hour_steps(grid):
    start = floor(datetime.now(UTC), 1800)
    values = [200 - (i % 10) * 10 for i in range(96)]
    grid.set("/uk/intensity/", uk_national(start, values))
    series = uk(grid).intensity("GB", *window())
    assert series.zone == "GB" and series.kind == "forecast" and series.step_s == 1800
    assert series.values_g_per_kwh[:3] == (200.0, 190.0, 180.0)
    assert series.starts[2] - series.starts[1] == timedelta(minutes=30)  # the first point is cut at "now"
    assert "national" in series.source and not series.notes
    path = grid.seen[-1].path
    assert path == f"/uk/intensity/{start:%Y-%m-%dT%H:%M}Z/fw48h"


def test_regional_forecast_by_postcode(grid):
    start = floor(datetime.now(UTC), 1800)
    grid.set("/uk/regional/intensity/", uk_regional(start, [120.0] * 96))
    series = uk(grid, postcode="rg10 9xy").intensity("GB", *window())
    assert series.zone == "GB-RG10" and "South England" in series.source
    assert grid.seen[-1].path.endswith("/fw48h/postcode/RG10")


def test_forecast_that_ends_early_is_noted_and_limits_the_job(grid):
    start = floor(datetime.now(UTC), 1800)
    grid.set("/uk/intensity/", uk_national(start, [150.0, 100.0, 50.0, 75.0]))  # 2 h instead of 48 h
    series = uk(grid).intensity("GB", *window())
    assert series.end == start + timedelta(hours=2)
    assert any("ends early" in note for note in series.notes)
    result = plan(series, 3600, 1.0, now=start)
    assert result.best.start == start + timedelta(minutes=60) and result.saved_pct > 0
    with pytest.raises(ScheduleError, match="longer than"):
        plan(series, 3 * 3600, 1.0, now=start)


def test_null_forecasts_are_skipped_and_actuals_are_measured(grid):
    start = floor(datetime.now(UTC), 1800)
    body = uk_national(start, [None, 180.0, 170.0])
    body["data"][0]["intensity"]["actual"] = 190
    grid.set("/uk/intensity/", body)
    series = uk(grid).intensity("GB", *window())
    assert series.kinds == ("measured", "forecast", "forecast") and series.values_g_per_kwh[0] == 190.0


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Answer(500, {"error": {"code": "500", "message": "down"}}), "server"),
        (Answer(429, {}, headers={"Retry-After": "30"}), "rate-limit"),
        (Answer(200, raw=b"<html>"), "malformed"),
        (Answer(200, {"data": "nope"}), "malformed"),
        (Answer(200, {"data": []}), "empty"),
        (Answer(200, {"data": [{"from": "x", "to": "y", "intensity": {"forecast": 1}}]}), "malformed"),
        (Answer(hang=True), "timeout"),
    ],
)
def test_failures_have_reasons(grid, answer, reason):
    grid.set("/uk/intensity/", answer)
    with pytest.raises(ProviderFailure) as info:
        uk(grid, timeout_s=0.3).intensity("GB", *window())
    assert info.value.reason == reason and info.value.provider == "uk"
    assert len(grid.seen) == 1  # one request, no hidden retries
    if reason == "rate-limit":
        assert "retry after 30 s" in str(info.value)


def test_bad_inputs_are_refused(grid):
    with pytest.raises(ProviderFailure, match="not a UK postcode"):
        outcode_of("12345")
    with pytest.raises(ProviderFailure, match="Great Britain only"):
        uk(grid).intensity("DE", *window())
    with pytest.raises(ProviderFailure, match="timeout_s"):
        UKGridProvider(timeout_s=-1)
    assert outcode_of(" sw1a 1aa ") == "SW1A"
