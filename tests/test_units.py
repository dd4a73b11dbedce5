from __future__ import annotations

import math

import pytest

from resque_core.units import co2_text, energy_text


@pytest.mark.parametrize(
    ("kwh", "text"),
    [(5.261e-07, "526.1 µWh"), (0.0042, "4.2 Wh"), (1.5, "1.5 kWh"), (2500.0, "2.5 MWh"), (3e-13, "0.0003 µWh")],
)
def test_energy_picks_the_unit_that_suits_the_value(kwh, text):
    assert energy_text(kwh) == text


@pytest.mark.parametrize(("kg", "text"), [(2.004e-07, "200.4 µg"), (0.457, "457 g"), (12.0, "12 kg"), (-0.02, "-20 g")])
def test_co2_picks_the_unit_that_suits_the_value(kg, text):
    assert co2_text(kg) == text


def test_zero_missing_and_non_finite():
    assert energy_text(0.0) == "0 kWh" and co2_text(0) == "0 kg"
    assert energy_text(None) == "–" and co2_text(math.nan) == "–"
