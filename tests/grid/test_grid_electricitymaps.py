"""Electricity Maps through the real SDK against a local server: shapes, fallbacks, failures, the key."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from fake_grid_server import EM_ZONES, SECRET_KEY, Answer, em_forecast, em_history, em_point, floor

from resque_core.grid.base import ProviderFailure
from resque_core.grid.chain import FallbackChain
from resque_core.grid.electricitymaps import ElectricityMapsProvider
from resque_core.grid.factory import make_provider
from resque_core.grid.offline import OfflineProvider

FORECAST = "/v3/carbon-intensity/forecast"
HISTORY = "/v3/carbon-intensity/history"
LATEST = "/v3/carbon-intensity/latest"


def provider(grid, key=SECRET_KEY, **kwargs):
    kwargs.setdefault("timeout_s", 2.0)
    return ElectricityMapsProvider(key, base_url=f"{grid.url}/v3", **kwargs)


def now_range(hours=24):
    now = datetime.now(UTC)
    return now - timedelta(hours=1), now + timedelta(hours=hours)


@pytest.mark.parametrize(("granularity", "step_s"), [("5_minutes", 300), ("15_minutes", 900), ("hourly", 3600)])
def test_forecast_at_each_granularity_goes_through_the_sdk(grid, granularity, step_s):
    start = floor(datetime.now(UTC), step_s)
    n = 24 * 3600 // step_s
    values = [200 + (i % 7) * 10 for i in range(n)]
    grid.set(FORECAST, em_forecast("DE", start, step_s, values))
    series = provider(grid, granularity=granularity).intensity("DE", *now_range(23))
    assert series.kind == "forecast" and series.provider == "electricitymaps"
    assert series.step_s == step_s
    assert series.starts[0] == start and series.values_g_per_kwh[:7] == tuple(float(v) for v in values[:7])
    assert all((e - s).total_seconds() == step_s for s, e in zip(series.starts[1:-1], series.ends[1:-1], strict=True))
    assert "Electricity Maps forecast" in series.source
    seen = grid.seen[-1]
    assert seen.headers["auth-token"] == SECRET_KEY
    assert seen.query["zoneKey"] == ["DE"] and seen.query["temporalGranularity"] == [granularity]
    assert seen.query["horizonHours"] == ["23"]


@pytest.mark.parametrize("status", [400, 401, 403])
def test_free_key_falls_back_to_history_shifted_one_day(grid, status):
    grid.set(FORECAST, Answer(status, {"status": "error", "message": "Forecast is not available for your plan"}))
    last = floor(datetime.now(UTC), 3600)
    values = list(range(300, 324))
    grid.set(HISTORY, em_history("DE", last, 3600, values))
    series = provider(grid).intensity("DE", *now_range(24))
    assert series.kind == "history-proxy"
    assert "past 24 h shifted by +24 h" in series.source
    assert any("no forecast access" in n for n in series.notes)
    first = last - timedelta(hours=23) + timedelta(hours=24)
    assert series.starts[0] == first and series.values_g_per_kwh[0] == 300.0
    assert series.values_g_per_kwh[-1] == 323.0


def test_history_without_sdk_required_fields_is_still_read(grid):
    grid.set(FORECAST, Answer(403, {"status": "error", "message": "no access"}))
    last = floor(datetime.now(UTC), 3600)
    recorded = em_history("FR", last, 3600, [0] * 24)["history"]
    body = {
        "zone": "FR",
        "history": [{"carbonIntensity": 50 + i, "datetime": p["datetime"]} for i, p in enumerate(recorded)],
    }
    grid.set(HISTORY, body)
    series = provider(grid).intensity("FR", *now_range(24))
    assert series.kind == "history-proxy" and len(series) >= 23


def test_zone_without_forecast_uses_history(grid):
    grid.set(FORECAST, Answer(404, {"status": "error", "message": "No forecast for zone"}))
    grid.set(HISTORY, em_history("SE-SE3", floor(datetime.now(UTC), 3600), 3600, [20.0] * 24))
    series = provider(grid).intensity("SE-SE3", *now_range(24))
    assert series.kind == "history-proxy" and any("no forecast for this zone" in n for n in series.notes)


def test_bad_key_on_forecast_and_history_says_so(grid):
    grid.set(FORECAST, Answer(401, {"status": "error", "message": "Invalid auth-token"}))
    grid.set(HISTORY, Answer(401, {"status": "error", "message": "Invalid auth-token"}))
    with pytest.raises(ProviderFailure) as info:
        provider(grid).intensity("DE", *now_range())
    assert info.value.reason == "bad-key"
    assert "API key was refused" in str(info.value) and "fallback also failed" in str(info.value)


def test_latest_tolerates_missing_fields_the_sdk_requires(grid):
    moment = floor(datetime.now(UTC), 3600)
    grid.set(LATEST, em_point("DE", moment, 287, full=False))
    series = provider(grid).latest("DE")
    assert series.kind == "measured" and series.values_g_per_kwh == (287.0,) and series.starts == (moment,)


def test_zones_listed_from_the_api(grid):
    grid.set("/v3/zones", EM_ZONES)
    assert provider(grid).zones() == {"DE": "Germany", "FR": "France", "GB": "Great Britain"}


def test_zones_failures(grid):
    grid.set("/v3/zones", Answer(200, raw=b"[]"))
    with pytest.raises(ProviderFailure, match="not a table of zones"):
        provider(grid).zones()
    grid.set("/v3/zones", Answer(503, {"message": "maintenance"}))
    with pytest.raises(ProviderFailure, match="HTTP 503.*maintenance") as info:
        provider(grid).zones()
    assert info.value.reason == "server"


def test_no_key_is_a_clear_failure_without_a_request(grid):
    with pytest.raises(ProviderFailure, match="no API key") as info:
        provider(grid, key=None).intensity("DE", *now_range())
    assert info.value.reason == "bad-key" and grid.seen == []


def test_factory_reads_the_environment_only_when_called(grid):
    env = {"ELECTRICITYMAPS_API_KEY": SECRET_KEY, "ELECTRICITYMAPS_API_URL": f"{grid.url}/v3"}
    grid.set(FORECAST, em_forecast("DE", floor(datetime.now(UTC), 3600), 3600, [100] * 24))
    series = make_provider("electricitymaps", env=env, timeout_s=2).intensity("DE", *now_range(20))
    assert series.values_g_per_kwh[0] == 100.0 and grid.seen[-1].headers["auth-token"] == SECRET_KEY


FAILURES = [
    (Answer(401, {"status": "error", "message": f"bad token {SECRET_KEY}"}), "bad-key", "API key was refused"),
    (Answer(429, {"status": "error", "message": "Too many"}, headers={"Retry-After": "17"}), "rate-limit", "17 s"),
    (Answer(500, {"status": "error"}, headers={"X-Echo": SECRET_KEY}), "server", "HTTP 500"),
    (Answer(502, raw=b"<html>bad gateway</html>"), "server", "HTTP 502"),
    (Answer(200, raw=b"{not json" + SECRET_KEY.encode()), "malformed", "not valid JSON"),
    (Answer(200, {"zone": "DE", "forecast": [{"carbonIntensity": "x"}]}), "malformed", "only 0 of 1 points are usable"),
    (Answer(200, {"zone": "DE", "forecast": "nope"}), "malformed", "no 'forecast' list"),
    (Answer(200, {"zone": "DE", "forecast": []}), "empty", "no data points"),
    (Answer(hang=True), "timeout", "no answer within 0.3 s"),
]


@pytest.mark.parametrize(("answer", "reason", "text"), FAILURES)
def test_each_failure_has_a_reason_and_never_shows_the_key(grid, caplog, answer, reason, text):
    grid.set(FORECAST, answer)
    grid.set(HISTORY, {"zone": "DE", "history": []} if reason == "empty" else answer)
    em = provider(grid, timeout_s=0.3)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderFailure) as info:
        em.intensity("DE", *now_range())
    paths = [seen.path for seen in grid.seen]
    assert paths and len(paths) == len(set(paths))  # one request per endpoint: no hidden retries
    failure = info.value
    assert failure.reason == reason and text in str(failure)
    if reason == "rate-limit":
        assert failure.retry_after_s == 17.0
    chained = FallbackChain([em, OfflineProvider()]).intensity("DE", *now_range())
    assert chained.provider == "offline" and any(reason in n for n in chained.notes)
    texts = [str(failure), repr(failure), repr(em), *chained.notes, *(r.getMessage() for r in caplog.records)]
    cause = failure.__cause__
    while cause is not None:
        texts.append(str(cause))
        cause = cause.__cause__
    assert not [t for t in texts if SECRET_KEY in t]


def test_repr_hides_the_key(grid):
    assert SECRET_KEY not in repr(provider(grid)) and "***" in repr(provider(grid))


def test_unreachable_server_is_reported(grid):
    em = ElectricityMapsProvider(SECRET_KEY, base_url="http://127.0.0.1:9/v3", timeout_s=0.5)
    with pytest.raises(ProviderFailure) as info:
        em.intensity("DE", *now_range())
    assert info.value.reason == "unreachable" and SECRET_KEY not in str(info.value)


def test_bad_settings_are_refused():
    with pytest.raises(ProviderFailure, match="granularity"):
        ElectricityMapsProvider("k", granularity="daily")
    with pytest.raises(ProviderFailure, match="timeout_s"):
        ElectricityMapsProvider("k", timeout_s=0)


def test_the_sdk_quirks_worked_around_are_real(grid):
    """If the SDK fixes these, the raw-answer workarounds in electricitymaps.py can go."""
    import openapi
    from electricitymaps.client import ElectricityMapsClient

    cfg = openapi.Configuration(host=f"{grid.url}/v3")
    cfg.api_key["authToken"] = SECRET_KEY
    client = ElectricityMapsClient(openapi.ApiClient(cfg))
    with pytest.raises(RecursionError):
        _ = client.no_such_attribute
    moment = floor(datetime.now(UTC), 3600)
    grid.set(LATEST, em_point("DE", moment, 287, full=False))
    with pytest.raises(ValueError):  # pydantic ValidationError: emissionFactorType, isEstimated missing
        client.carbon_intensity.latest(zone_key="DE")
    grid.set(HISTORY, em_history("DE", moment, 3600, [300.0] * 24))  # the recorded shape, no temporalGranularity
    with pytest.raises(ValueError):
        client.carbon_intensity.history(zone_key="DE")
    assert provider(grid).history_proxy("DE").values_g_per_kwh[0] == 300.0
