"""CostSettings -> build_costing: the one place the page and the CLI turn cost settings into a Costing."""

from __future__ import annotations

import pytest

from resque_core.energy.probe import ProbeResult
from resque_core.errors import EnergyError, ProviderError
from resque_core.forecast.costing import DEFAULT_UTILIZATION, Costing, CostSettings, build_costing
from resque_core.grid.offline import annual_intensity_g_per_kwh
from tests.records_fixtures import SECONDS_PER_EPOCH, synthetic_records


def test_records_basis_changes_nothing_but_the_price():
    assert build_costing(CostSettings()) == Costing()
    priced = build_costing(CostSettings(price_per_kwh=0.3, seconds_per_epoch=5.0))
    assert priced == Costing(price_per_kwh=0.3, seconds_per_epoch=5.0)


def test_profile_is_board_power_times_the_shared_utilization_and_labeled_modeled():
    costing = build_costing(CostSettings(energy="profile", profile="nvidia-l4", seconds_per_epoch=30.0))
    assert DEFAULT_UTILIZATION == 0.7 and CostSettings().utilization == DEFAULT_UTILIZATION
    assert costing.kwh_per_epoch == pytest.approx(72 * 0.7 * 30 / 3.6e6)
    assert costing.kwh_per_epoch_source == "modeled" and costing.seconds_per_epoch == 30.0
    assert costing.kwh_per_epoch_basis.startswith("modeled: NVIDIA L4 at 72 W board power x 0.7")
    full = build_costing(CostSettings(energy="profile", profile="nvidia-l4", utilization=1.0, seconds_per_epoch=30.0))
    assert full.kwh_per_epoch == pytest.approx(72 * 30 / 3.6e6)


def test_typed_watts_are_modeled_like_a_profile():
    costing = build_costing(CostSettings(energy="watts", watts=250.0, utilization=0.5, seconds_per_epoch=30.0))
    assert costing.kwh_per_epoch == pytest.approx(250 * 0.5 * 30 / 3.6e6)
    assert costing.kwh_per_epoch_source == "modeled" and "typed power at 250.0 W" in costing.kwh_per_epoch_basis


def test_a_modeled_energy_borrows_the_records_seconds_per_epoch():
    records = synthetic_records(20)
    costing = build_costing(CostSettings(energy="profile", profile="nvidia-t4"), records=records)
    assert costing.kwh_per_epoch == pytest.approx(70 * 0.7 * SECONDS_PER_EPOCH / 3.6e6)
    assert costing.seconds_per_epoch is None  # the records' own time curve is kept
    assert costing.kwh_per_epoch_basis.endswith("at the records' 3 s/epoch")
    with pytest.raises(EnergyError, match="seconds per epoch"):
        build_costing(CostSettings(energy="profile", profile="nvidia-t4"))


def test_given_kwh_per_epoch_is_measured_and_a_probe_keeps_its_label():
    given = build_costing(CostSettings(energy="kwh-per-epoch", kwh_per_epoch=0.004))
    assert (given.kwh_per_epoch, given.kwh_per_epoch_source, given.kwh_per_epoch_basis) == (0.004, "measured", "given")
    probe = ProbeResult(
        kwh_per_epoch=2e-5, seconds_per_epoch=0.06, steps=20, source="codecarbon-estimate", estimated=True
    )
    probed = build_costing(CostSettings(energy="probe"), probe=probe)
    assert (probed.kwh_per_epoch, probed.seconds_per_epoch) == (2e-5, 0.06)
    assert (probed.kwh_per_epoch_source, probed.kwh_per_epoch_basis) == ("estimated", "probe (20 steps)")
    with pytest.raises(EnergyError, match="needs a probe"):
        build_costing(CostSettings(energy="probe"))


def test_zone_is_its_annual_average_labeled_modeled_and_typed_intensity_is_given():
    value, country, year = annual_intensity_g_per_kwh("FR")
    zone = build_costing(CostSettings(intensity="zone", zone="FR"))
    assert zone.intensity_g_per_kwh == value and 10 < value < 200  # France: low-carbon grid
    assert zone.intensity_source == f"annual average {country} {year} (modeled)"
    typed = build_costing(CostSettings(intensity="typed", intensity_g_per_kwh=320.0, hourly_rate=2.0))
    assert (typed.intensity_g_per_kwh, typed.intensity_source, typed.hourly_rate) == (320.0, "given", 2.0)
    with pytest.raises(ProviderError, match="no annual average for zone 'XX'"):
        build_costing(CostSettings(intensity="zone", zone="XX"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"energy": "solar"}, "unknown energy basis 'solar'"),
        ({"intensity": "live"}, "unknown intensity basis 'live'"),
        ({"energy": "profile"}, "the 'profile' basis needs profile"),
        ({"energy": "watts", "watts": 0.0}, "watts must be positive"),
        ({"energy": "profile", "profile": "nvidia-l4", "watts": 300.0}, "watts applies to the 'watts' basis only"),
        ({"zone": "DE"}, "zone applies to the 'zone' basis only"),
        ({"intensity": "zone", "zone": ""}, "the 'zone' basis needs zone"),
        ({"energy": "watts", "watts": 100.0, "utilization": 1.5}, r"utilization must be in \(0, 1\]"),
        ({"price_per_kwh": 0.3, "hourly_rate": 2.0}, "not both"),
        ({"intensity": "typed", "intensity_g_per_kwh": -1.0}, "non-negative"),
        ({"price_per_kwh": 0.3, "currency": "euro"}, "three-letter code such as EUR"),
    ],
)
def test_bad_settings_say_what_is_wrong(fields, message):
    with pytest.raises(EnergyError, match=message):
        CostSettings(**fields)


def test_a_priced_forecast_names_its_currency():
    from resque_core.forecast.forecaster import Forecaster

    forecaster = Forecaster().fit(synthetic_records(), "dist")
    plain = forecaster.predict(0.05)
    assert plain.source.currency is None  # not priced: no money, no currency
    priced = forecaster.predict(0.05, costing=build_costing(CostSettings(price_per_kwh=0.3, currency="USD")))
    assert priced.source.currency == "USD" and "money" in priced.measures
    assert CostSettings().currency == "EUR"
