"""CSV and offline providers, the series type, the TTL cache and the fallback chain."""

from __future__ import annotations

import io
import json
import pathlib
from datetime import UTC, datetime, timedelta

import pytest
from fake_grid_server import EM_ZONES, SECRET_KEY

from resque_core.grid.base import IntensitySeries, ProviderFailure, build_series
from resque_core.grid.cache import CachedProvider
from resque_core.grid.chain import FallbackChain
from resque_core.grid.csvfile import CsvProvider
from resque_core.grid.factory import list_zones, make_chain, make_provider
from resque_core.grid.offline import OfflineProvider, annual_intensity_g_per_kwh, iso3_of

T0 = datetime(2026, 11, 23, tzinfo=UTC)
GOOD_CSV = "datetime,carbon_intensity\n2026-11-23T00:00Z,300\n2026-11-23T01:00Z,200\n2026-11-23T02:00Z,100\n"


def test_csv_reads_times_and_values(tmp_path):
    path = tmp_path / "grid.csv"
    path.write_text(GOOD_CSV)
    series = CsvProvider(path).intensity("DE", T0, T0 + timedelta(hours=3))
    assert series.values_g_per_kwh == (300.0, 200.0, 100.0) and series.kind == "forecast"
    assert series.starts[0] == T0 and series.end == T0 + timedelta(hours=3)
    assert "grid.csv" in series.source and series.notes == ()


def test_csv_naive_times_are_utc_and_said_so():
    text = "datetime,carbon_intensity,extra\n2026-11-23 00:00,10,x\n2026-11-23 00:15,20,y\n2026-11-23 01:00,30,z\n"
    series = CsvProvider(text.encode()).read()
    assert series.starts[0] == T0 and series.starts[0].tzinfo is not None
    assert any("taken as UTC" in n for n in series.notes)
    assert series.ends[1] == T0 + timedelta(hours=1)  # irregular step held to the next point


def test_csv_offsets_are_converted_and_file_objects_accepted():
    text = "datetime,carbon_intensity\n2026-11-23T01:00+01:00,50\n2026-11-23T02:00+01:00,60\n"
    upload = io.BytesIO(text.encode("utf-8-sig"))
    series = CsvProvider(upload, name="upload.csv").read()
    assert series.starts[0] == T0 and upload.tell() == 0  # rewound for the next reader


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,co2\n2026-11-23T00:00Z,1\n", "expected columns 'datetime'.*found 'time', 'co2'"),
        ("Datetime,Carbon_Intensity\n2026-11-23T00:00Z,1\n", "expected columns"),
        ("", "found no header"),
        ("datetime,carbon_intensity\n", "no rows"),
        ("datetime,carbon_intensity\nyesterday,1\n", "line 2: 'yesterday' is not an ISO 8601"),
        ("datetime,carbon_intensity\n2026-11-23T00:00Z,lots\n", "line 2: carbon_intensity 'lots' is not a number"),
        ("datetime,carbon_intensity\n2026-11-23T00:00Z,-5\n", "must be finite and >= 0"),
        ("datetime,carbon_intensity\n2026-11-23T00:00Z,nan\n", "must be finite"),
        ("datetime,carbon_intensity\n2026-11-23T00:00Z,1\n2026-11-23T00:00Z,2\n", "appears twice"),
    ],
)
def test_csv_bad_files_are_refused_with_a_reason(text, message):
    with pytest.raises(ProviderFailure, match=message):
        CsvProvider(text.encode(), name="f.csv").read()


def test_csv_outside_the_range_and_missing_file(tmp_path):
    with pytest.raises(ProviderFailure, match="covers 2026-11-23 00:00 to 2026-11-23 03:00 UTC"):
        CsvProvider(GOOD_CSV.encode()).intensity("X", T0 + timedelta(days=2), T0 + timedelta(days=3))
    with pytest.raises(ProviderFailure, match="cannot read"):
        CsvProvider(tmp_path / "missing.csv").read()
    with pytest.raises(ProviderFailure, match="not UTF-8"):
        CsvProvider(b"\xff\xfe\x00bad").read()


@pytest.mark.parametrize(("zone", "iso3"), [("DE", "DEU"), ("DEU", "DEU"), ("fr", "FRA"), ("GB", "GBR"),
                                            ("UK", "GBR"), ("US-CAL-CISO", "USA"), ("DK-DK1", "DNK")])  # fmt: skip
def test_offline_accepts_iso2_iso3_and_zones(zone, iso3):
    assert iso3_of(zone) == iso3


def test_annual_reader_reads_codecarbon_by_iso2_or_iso3():
    import codecarbon

    mix_path = pathlib.Path(codecarbon.__file__).parent / "data" / "private_infra" / "global_energy_mix.json"
    mix = json.loads(mix_path.read_text())
    assert annual_intensity_g_per_kwh("DE") == annual_intensity_g_per_kwh("DEU") == annual_intensity_g_per_kwh("deu")
    value, country, year = annual_intensity_g_per_kwh("DE")
    assert value == float(mix["DEU"]["carbon_intensity"]) and country == mix["DEU"]["country_name"]
    assert year == mix["DEU"].get("year")
    for unknown in ("ZZ", "XXX", "Germany", ""):
        with pytest.raises(ProviderFailure, match=f"no annual average for zone {unknown!r}") as err:
            annual_intensity_g_per_kwh(unknown)
        assert err.value.reason == "bad-input"


def test_offline_is_flat_and_modeled():
    value, country, _ = annual_intensity_g_per_kwh("FR")
    series = OfflineProvider().intensity("FR", T0, T0 + timedelta(hours=5, minutes=30))
    assert country == "France" and 0 < value < 200
    assert set(series.values_g_per_kwh) == {value} and set(series.kinds) == {"modeled"}
    assert len(series) == 6 and series.end == T0 + timedelta(hours=5, minutes=30)
    assert "codecarbon annual average for FRA" in series.source and "flat" in series.source
    with pytest.raises(ProviderFailure, match="no annual average for zone 'ZZ'"):
        OfflineProvider().intensity("ZZ", T0, T0 + timedelta(hours=1))


def test_series_validates_its_points():
    with pytest.raises(ProviderFailure, match="no data points"):
        build_series(zone="X", provider="csv", source="s", starts=[], values_g_per_kwh=[], kinds="forecast")
    naive = datetime(2026, 11, 23)
    with pytest.raises(ValueError, match="UTC tz-aware"):
        IntensitySeries("X", "csv", "s", (naive,), (naive + timedelta(hours=1),), (1.0,), ("forecast",), 3600)
    with pytest.raises(ValueError, match="unknown kind"):
        IntensitySeries("X", "csv", "s", (T0,), (T0 + timedelta(hours=1),), (1.0,), ("guess",), 3600)
    with pytest.raises(ValueError, match="finite non-negative"):
        IntensitySeries("X", "csv", "s", (T0,), (T0 + timedelta(hours=1),), (-1.0,), ("forecast",), 3600)


class Counting:
    """A provider that counts its calls and can be told to fail."""

    name = "counting"
    cache_identity = ("counting",)

    def __init__(self, fail_reason=None):
        self.calls = 0
        self.fail_reason = fail_reason

    def intensity(self, zone, start, end):
        self.calls += 1
        if self.fail_reason:
            raise ProviderFailure("counting", self.fail_reason, f"counting failed: {self.fail_reason}")
        return OfflineProvider().intensity(zone, start, end)


def test_cache_answers_within_ttl_and_refetches_after():
    clock = [0.0]
    inner = Counting()
    cached = CachedProvider(inner, ttl_s=60, clock=lambda: clock[0])
    first = cached.intensity("DE", T0, T0 + timedelta(hours=2))
    assert cached.intensity("DE", T0 + timedelta(seconds=20), T0 + timedelta(hours=2)) is first
    assert inner.calls == 1 and cached.hits == 1
    cached.intensity("FR", T0, T0 + timedelta(hours=2))
    assert inner.calls == 2
    clock[0] = 61.0
    cached.intensity("DE", T0, T0 + timedelta(hours=2))
    assert inner.calls == 3


def test_cache_never_keeps_failures_nor_the_key():
    inner = Counting("timeout")
    cached = CachedProvider(inner)
    for _ in range(2):
        with pytest.raises(ProviderFailure):
            cached.intensity("DE", T0, T0 + timedelta(hours=1))
    assert inner.calls == 2
    em = CachedProvider(make_provider("electricitymaps", api_key=SECRET_KEY, env={}))
    assert SECRET_KEY not in repr(em) and SECRET_KEY not in repr(em.cache_identity)


def test_chain_falls_back_and_keeps_each_reason():
    chain = FallbackChain([Counting("rate-limit"), Counting("timeout"), OfflineProvider()])
    answer = chain.fetch("DE", T0, T0 + timedelta(hours=2))
    assert answer.series.provider == "offline"
    assert [(a.provider, a.reason) for a in answer.attempts] == [
        ("counting", "rate-limit"), ("counting", "timeout"), ("offline", None)
    ]  # fmt: skip
    series = chain.intensity("DE", T0, T0 + timedelta(hours=2))
    assert series.notes[0].startswith("Fell back from counting (rate-limit)")


def test_chain_all_failing_lists_every_reason():
    with pytest.raises(ProviderFailure, match="no provider could answer.*rate-limit.*bad-input|no annual average"):
        FallbackChain([Counting("rate-limit"), OfflineProvider()]).intensity("ZZ", T0, T0 + timedelta(hours=1))
    with pytest.raises(ProviderFailure, match="no provider allowed"):
        FallbackChain([])


def test_factory_builds_each_provider_and_refuses_unknown_names():
    assert make_provider("offline").name == "offline"
    assert make_provider("uk", postcode="RG10").outcode == "RG10"
    assert make_provider("csv", csv=GOOD_CSV.encode()).name == "csv"
    with pytest.raises(ProviderFailure, match="needs a file"):
        make_provider("csv")
    with pytest.raises(ProviderFailure, match="unknown provider 'watttime'"):
        make_provider("watttime")
    chain = make_chain(["uk", "offline"], ttl_s=10)
    assert [p.name for p in chain.providers] == ["uk", "offline"]


def test_zone_list_from_the_api_or_offline(grid):
    em = make_provider("electricitymaps", api_key=SECRET_KEY, api_url=f"{grid.url}/v3", timeout_s=1, env={})
    grid.set("/v3/zones", EM_ZONES)
    zones, source = list_zones(em)
    assert zones["DE"] == "Germany" and "/zones" in source
    grid.set("/v3/zones", {"status": "error"})
    zones, source = list_zones(em)
    assert zones["DE"] == "Germany" and zones["FR"] == "France" and "offline" in source and len(zones) > 100


def test_cache_tells_keys_apart_without_holding_them():
    one = make_provider("electricitymaps", api_key="KEY-one-1111", env={})
    two = make_provider("electricitymaps", api_key="KEY-two-2222", env={})
    assert one.cache_identity != two.cache_identity
    assert one.cache_identity == make_provider("electricitymaps", api_key="KEY-one-1111", env={}).cache_identity
    assert not any("KEY-one" in part for part in one.cache_identity)


def test_importing_grid_touches_no_network_library_or_package_data():
    import subprocess
    import sys

    code = (
        "import sys, resque_core.grid, resque_core.commands.schedule; "
        "print(sorted(m for m in ('requests', 'openapi', 'electricitymaps', 'codecarbon', 'pycountry', 'streamlit') "
        "if m in sys.modules))"
    )
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"
