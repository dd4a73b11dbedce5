"""Grid services answering badly, from a real local server: every answer is bounded and checked.

Bad values and times are dropped point by point with a note; an answer with too few good points
is refused so the chain falls back; the step comes from the data; a call has one deadline and a
size cap; a redirect never carries the key to another host.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
import requests
from fake_grid_server import EM_ZONES, SECRET_KEY, Answer, FakeGrid, em_forecast, floor, iso_ms, uk_national

from resque_core.grid.base import ProviderFailure, build_series
from resque_core.grid.chain import FallbackChain
from resque_core.grid.electricitymaps import ElectricityMapsProvider
from resque_core.grid.factory import list_zones
from resque_core.grid.fetch import CHUNK_BYTES
from resque_core.grid.job import schedule_job
from resque_core.grid.offline import OfflineProvider
from resque_core.grid.schedule import plan
from resque_core.grid.ukgrid import UKGridProvider

FORECAST = "/v3/carbon-intensity/forecast"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
H = 3600.0


def em(grid, **kwargs):
    kwargs.setdefault("timeout_s", 5.0)
    return ElectricityMapsProvider(SECRET_KEY, base_url=f"{grid.url}/v3", **kwargs)


def uk(grid, **kwargs):
    kwargs.setdefault("timeout_s", 5.0)
    return UKGridProvider(base_url=f"{grid.url}/uk", **kwargs)


def raw_forecast(points):
    """An Electricity Maps forecast body from (datetime text, value) pairs; NaN and Infinity as JS writes them."""
    return json.dumps({"zone": "DE", "forecast": [{"carbonIntensity": v, "datetime": t} for t, v in points]}).encode()


def hourly_points(start, values, step_s=3600):
    return [(iso_ms(start + timedelta(seconds=i * step_s)), v) for i, v in enumerate(values)]


# --- values ---------------------------------------------------------------------------------------


def test_bad_values_are_dropped_point_by_point_with_a_note(grid):
    start = floor(datetime.now(UTC), 3600)
    values = [300.0] * 24
    bad = {3: math.nan, 5: math.inf, 8: -5.0, 11: 1e308, 14: None, 17: "x", 20: True}
    for i, v in bad.items():
        values[i] = v
    grid.set(FORECAST, Answer(raw=raw_forecast(hourly_points(start, values))))
    series = em(grid).forecast("DE", 24)
    assert len(series) == 17 and set(series.values_g_per_kwh) == {300.0}
    assert datetime.fromisoformat(hourly_points(start, values)[3][0]) not in series.starts
    notes = " ".join(series.notes)
    for text in ("2 of 24 points were NaN or infinite", "1 of 24 points were negative",
                 "1 of 24 points were above 5000 g/kWh", "1 of 24 points had no value",
                 "2 of 24 points were not numbers"):  # fmt: skip
        assert text in notes, notes
    assert "Infinity" in raw_forecast([("t", math.inf)]).decode()  # the server really sent non-JSON-standard numbers


def test_one_null_in_five_is_still_used_and_each_is_bridged_with_a_note(grid):
    start = floor(datetime.now(UTC), 3600)
    values = [None if i % 5 == 4 else 300.0 - 10 * i for i in range(24)]  # cleaner later in the day
    grid.set(FORECAST, em_forecast("DE", start, 3600, values))
    result, series = schedule_job(FallbackChain([em(grid), OfflineProvider()]), "DE", 3 * H, 1.0, now=start)
    assert series.provider == "electricitymaps" and len(series) == 20
    assert any("4 of 24 points had no value and were dropped" in n for n in result.notes)
    assert any("4 single missing point(s) were bridged" in n for n in result.notes)
    four = series.starts.index(start + timedelta(hours=3))
    assert series.ends[four] == start + timedelta(hours=5) and series.values_g_per_kwh[four] == 270.0
    assert result.best.start == start + timedelta(hours=21)  # 21:00-24:00: 90, 80, 70 g/kWh
    assert result.best_intensity_g_per_kwh == pytest.approx(80.0)
    assert result.saved_pct > 0  # the offline average, used before, could save nothing


def test_too_few_good_points_fall_back_with_the_reason(grid):
    start = floor(datetime.now(UTC), 3600)
    grid.set(FORECAST, Answer(raw=raw_forecast(hourly_points(start, [math.nan] * 20 + [300.0] * 4))))
    with pytest.raises(ProviderFailure) as info:
        em(grid).forecast("DE", 24)
    assert info.value.reason == "malformed" and "only 4 of 24 points are usable" in str(info.value)
    series = FallbackChain([em(grid), OfflineProvider()]).intensity("DE", start, start + timedelta(hours=24))
    assert series.provider == "offline"
    assert any(n.startswith("Fell back from electricitymaps (malformed)") and "20 of 24" in n for n in series.notes)


def test_cli_falls_back_from_a_nan_answer_without_a_traceback(grid):
    start = floor(datetime.now(UTC), 3600)
    grid.set(FORECAST, Answer(raw=raw_forecast(hourly_points(start, [math.nan] * 24))))
    env = {**os.environ, "ELECTRICITYMAPS_API_KEY": SECRET_KEY, "ELECTRICITYMAPS_API_URL": f"{grid.url}/v3"}
    proc = subprocess.run(
        [sys.executable, "-m", "resque_core", "schedule", "--provider", "electricitymaps,offline", "--zone", "DE",
         "--duration", "3h", "--energy-kwh", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr and SECRET_KEY not in proc.stdout + proc.stderr
    assert "Fell back from electricitymaps (malformed)" in proc.stdout
    assert "24 of 24 points were NaN or infinite" in proc.stdout and "codecarbon annual average" in proc.stdout


# --- times ----------------------------------------------------------------------------------------


def test_duplicates_merge_or_drop_and_unsorted_points_are_sorted(grid):
    start = floor(datetime.now(UTC), 3600)
    values = [300.0, 280.0, 260.0, 240.0, 220.0, 200.0]
    points = hourly_points(start, values)
    hostile = [points[4], points[1], points[0], points[3], points[2], points[5]]  # shuffled
    hostile += [points[1], (points[2][0], 5.0)]  # 01:00 repeated as is; 02:00 again with a much lower value
    grid.set(FORECAST, Answer(raw=raw_forecast(hostile)))
    series = em(grid).forecast("DE", 6)
    assert series.starts == tuple(start + timedelta(hours=h) for h in (0, 1, 3, 4, 5))
    assert series.values_g_per_kwh == (300.0, 280.0, 240.0, 220.0, 200.0)  # no "last one wins": 5 is not believed
    notes = " ".join(series.notes)
    assert "1 time appeared more than once with different values; its 2 points were dropped" in notes
    assert "1 repeated point (same time, same value) was kept once" in notes and "sorted" in notes
    assert min(plan(series, 1 * H, 1.0, now=start).options, key=lambda o: o.co2_kg).intensity_g_per_kwh == 200.0


def test_naive_times_are_taken_as_utc_and_said_so(grid):
    start = floor(datetime.now(UTC), 3600)
    points = [(t.replace(".000Z", ""), v) for t, v in hourly_points(start, [100.0, 200.0, 300.0])]
    grid.set(FORECAST, Answer(raw=raw_forecast(points)))
    series = em(grid).forecast("DE", 3)
    assert series.starts[0] == start and series.starts[0].utcoffset() == timedelta(0)
    assert any("3 times had no time zone and were taken as UTC" in n for n in series.notes)


def test_the_step_comes_from_the_data_and_no_window_runs_into_a_gap(grid):
    start = floor(datetime.now(UTC), 900)
    quarters = [q for q in range(40) if not 16 <= q < 24]  # 15-minute points, none from 04:00 to 06:00
    values = {q: 400.0 if q < 12 else 50.0 if q < 16 else 500.0 for q in quarters}
    points = [(iso_ms(start + timedelta(minutes=15 * q)), values[q]) for q in quarters]
    grid.set(FORECAST, Answer(raw=raw_forecast(points)))
    result, series = schedule_job(em(grid, granularity="hourly"), "DE", 3 * H, 1.0, now=start)
    assert series.step_s == 900 and series.source == "Electricity Maps forecast (15-minute)"
    assert any("asked for hourly points, the service answered 15-minute points" in n for n in series.notes)
    gap_start, gap_end = start + timedelta(hours=4), start + timedelta(hours=6)
    assert series.ends[series.starts.index(start + timedelta(minutes=225))] == gap_start  # not held for an hour
    assert any("1 gap(s), the longest 2h00m" in n for n in result.notes)
    assert all(o.end <= gap_start or o.start >= gap_end for o in result.options)
    assert (result.best.start, result.best.end) == (start + timedelta(hours=1), gap_start)
    assert result.best_intensity_g_per_kwh == pytest.approx((2 * 400 + 50) / 3)


def test_uk_rows_are_checked_one_by_one(grid):
    start = floor(datetime.now(UTC), 1800)
    body = uk_national(start, [150.0, -1.0, 100.0, float("nan"), 90.0, 80.0])
    body["data"][4]["from"] = "yesterday"
    grid.set("/uk/intensity/", Answer(raw=json.dumps(body).encode()))
    series = uk(grid).intensity("GB", start, start + timedelta(hours=3))
    assert series.values_g_per_kwh == (150.0, 100.0, 80.0)
    notes = " ".join(series.notes)
    assert "1 of 6 points were negative" in notes and "1 of 6 points were NaN or infinite" in notes
    assert "1 of 6 points had an unreadable time" in notes


def test_build_series_refuses_half_bad_and_labels_nothing_when_clean():
    t0 = datetime(2026, 11, 23, tzinfo=UTC)
    starts = [t0 + timedelta(hours=h) for h in range(4)]
    clean = build_series(zone="X", provider="p", source="s", starts=starts, values_g_per_kwh=[1, 2, 3, 4],
                         kinds="forecast")  # fmt: skip
    assert clean.notes == () and clean.step_s == H
    with pytest.raises(ProviderFailure, match="only 1 of 4 points are usable"):
        build_series(zone="X", provider="p", source="s", starts=starts, values_g_per_kwh=[1, None, -1, math.nan],
                     kinds="forecast")  # fmt: skip
    with pytest.raises(ProviderFailure, match="only 1 of 1 points are usable"):
        build_series(zone="X", provider="p", source="s", starts=starts[:1], values_g_per_kwh=[1], kinds="forecast",
                     min_points=2)  # fmt: skip


# --- the call itself: deadline, size, redirects ---------------------------------------------------


def trickled_forecast(grid, path):
    start = floor(datetime.now(UTC), 3600)
    body = uk_national(start, [100.0] * 96) if path.startswith("/uk") else em_forecast("DE", start, 3600, [1.0] * 24)
    grid.set(path, Answer(raw=json.dumps(body).encode(), trickle_s=0.2))  # every read succeeds; the whole takes hours
    return start


@pytest.mark.parametrize("which", ["electricitymaps", "uk"])
def test_a_trickled_body_is_cut_at_the_deadline_and_the_chain_falls_back(grid, which):
    path = FORECAST if which == "electricitymaps" else "/uk/intensity/"
    start = trickled_forecast(grid, path)
    provider = em(grid, timeout_s=1.0) if which == "electricitymaps" else uk(grid, timeout_s=1.0)
    began = time.monotonic()
    with pytest.raises(ProviderFailure) as info:
        provider.intensity("DE" if which == "electricitymaps" else "GB", start, start + timedelta(hours=6))
    elapsed_s = time.monotonic() - began
    assert info.value.reason == "timeout" and "no answer within 1 s" in str(info.value)
    assert elapsed_s < 1.0 + 3.0 and grid.sent_bytes < 200  # hours of trickle, cut after about a second
    chained = FallbackChain([provider, OfflineProvider()]).intensity("GB", start, start + timedelta(hours=6))
    assert chained.provider == "offline" and any(
        n.startswith(f"Fell back from {which} (timeout)") for n in chained.notes
    )


@pytest.mark.parametrize("which", ["electricitymaps", "uk"])
@pytest.mark.parametrize("announced", [True, False])
def test_a_huge_body_is_refused_with_memory_bounded(grid, which, announced):
    cap = 5_000_000  # the default
    huge = 50_000_000
    path = FORECAST if which == "electricitymaps" else "/uk/intensity/"
    if announced:
        grid.set(path, Answer(raw=b" ", headers={"Content-Length": str(huge)}))  # the length alone is enough
    else:
        grid.set(path, Answer(stream_bytes=huge))
    provider = em(grid, timeout_s=30.0) if which == "electricitymaps" else uk(grid, timeout_s=30.0)
    start = floor(datetime.now(UTC), 3600)
    zone = "DE" if which == "electricitymaps" else "GB"
    with pytest.raises(ProviderFailure):  # once untraced: the modules a first request imports are not the body
        provider.intensity(zone, start, start + timedelta(hours=6))
    tracemalloc.start()
    try:
        with pytest.raises(ProviderFailure) as info:
            provider.intensity(zone, start, start + timedelta(hours=6))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (
        info.value.reason == "malformed" and "too large" in str(info.value) and "the limit is 5 MB" in str(info.value)
    )
    assert peak < cap + 4 * CHUNK_BYTES + 1024 * 1024, peak
    assert grid.sent_bytes < huge


@pytest.fixture
def other():
    server = FakeGrid().start()
    yield server
    server.stop()


def test_zones_never_follow_a_redirect_to_another_host(grid, other):
    other.set("/v3/zones", EM_ZONES)
    elsewhere = f"http://localhost:{other.server.server_address[1]}/v3/zones"
    grid.set("/v3/zones", Answer(302, {}, headers={"Location": elsewhere}))
    requests.get(f"{grid.url}/v3/zones", headers={"auth-token": SECRET_KEY}, timeout=5)  # a plain client...
    assert other.seen[-1].headers["auth-token"] == SECRET_KEY  # ...follows, and carries the key there
    other.seen.clear()
    provider = em(grid)
    with pytest.raises(ProviderFailure) as info:
        provider.zones()
    assert info.value.reason == "unreachable" and "redirect" in str(info.value) and "localhost" in str(info.value)
    zones, where = list_zones(provider)
    assert where == "codecarbon country list (offline)" and "DE" in zones
    assert other.seen == []


def test_sdk_calls_never_follow_a_redirect_to_another_host(grid, other):
    import openapi

    start = floor(datetime.now(UTC), 3600)
    other.set(FORECAST, em_forecast("DE", start, 3600, [100.0] * 24))
    grid.set(FORECAST, Answer(307, {}, headers={"Location": f"http://localhost:{other.server.server_address[1]}"
                                                            f"{FORECAST}?zone=DE"}))  # fmt: skip
    cfg = openapi.Configuration(host=f"{grid.url}/v3")
    cfg.api_key["authToken"] = SECRET_KEY
    openapi.CarbonIntensityAPI(openapi.ApiClient(cfg)).get_carbon_intensity_forecast(zone_key="DE")  # SDK defaults...
    assert other.seen[-1].headers["auth-token"] == SECRET_KEY  # ...follow and carry the key
    other.seen.clear()
    with pytest.raises(ProviderFailure) as info:
        em(grid).forecast("DE", 24)
    assert info.value.reason == "unreachable" and "not followed" in str(info.value)
    assert other.seen == [] and SECRET_KEY not in str(info.value)


def test_a_gzipped_answer_is_decoded_and_capped_by_its_decoded_size(grid):
    start = floor(datetime.now(UTC), 1800)
    payload = json.dumps(uk_national(start, [120.0] * 96)).encode()
    grid.set("/uk/intensity/", Answer(raw=gzip.compress(payload), headers={"Content-Encoding": "gzip"}))
    assert len(uk(grid).intensity("GB", start, start + timedelta(hours=6))) == 12
    bomb = gzip.compress(b" " * 20_000_000)  # 20 kB on the wire, 20 MB decoded
    grid.set("/uk/intensity/", Answer(raw=bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(ProviderFailure, match="too large"):
        uk(grid).intensity("GB", start, start + timedelta(hours=6))


def test_a_body_cut_by_the_deadline_in_the_worker_is_a_timeout_not_an_empty_answer():
    """The worker can reach the deadline before the caller's wait does (a loaded machine): the cut body must
    still read as a timeout, never as an empty (hence "malformed") answer."""
    from resque_core.grid.fetch import _Call

    class Trickle:  # a response whose body never ends
        headers: dict = {}

        def read1(self, n, decode_content=True):
            return b"{"

    call = _Call(lambda: Trickle(), "uk", "UK Carbon Intensity API", 0.0, 1_000_000)
    with pytest.raises(ProviderFailure, match="no answer within 0 s") as info:
        call._read(Trickle())
    assert info.value.reason == "timeout"
