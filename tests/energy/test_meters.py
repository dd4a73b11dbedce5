"""Energy meters on real (tiny) CPU work: codecarbon's and a typed-in power."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from resque_core.energy.meters import CodecarbonMeter, ManualPowerMeter, describe_codecarbon_hardware
from resque_core.errors import EnergyError
from resque_core.grid.base import ProviderFailure
from resque_core.grid.offline import annual_intensity_g_per_kwh


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _busy(seconds: float) -> int:
    end, n = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        n += sum(i * i for i in range(200))
    return n


def _has_power_counter() -> bool:
    return Path("/sys/class/powercap/intel-rapl").exists() or torch.cuda.is_available()


def test_codecarbon_meter_positive_energy_and_says_estimate():
    meter = CodecarbonMeter("DEU")
    began = time.perf_counter()
    with meter:
        _busy(0.4)
    elapsed_s = time.perf_counter() - began
    r = meter.reading
    assert r.energy_kwh > 0 and r.co2_kg > 0
    assert 0.35 < r.duration_s <= elapsed_s  # the meter's span lies inside the block's, however loaded the machine
    # CO2 is kWh x Germany's annual intensity from codecarbon's bundled data.
    assert r.intensity_g_per_kwh == pytest.approx(annual_intensity_g_per_kwh("DEU")[0], rel=1e-3)
    assert r.country_iso == "DEU"
    assert r.estimated == (r.source == "codecarbon-estimate")
    if not _has_power_counter():
        assert r.estimated and r.source == "codecarbon-estimate"
        assert "estimate" in r.note and "TDP" in r.note
    # Average power must be a plausible machine figure (between 1 W and 2 kW).
    watts = r.energy_kwh * 3.6e6 / r.duration_s
    assert 1 < watts < 2000


def test_codecarbon_meter_refuses_unknown_country_and_mode():
    assert CodecarbonMeter("DE").country_iso_code == "DEU"  # codecarbon gets the ISO3 code
    with pytest.raises(ProviderFailure, match="no annual average for zone 'XXX'"):
        CodecarbonMeter("XXX")
    with pytest.raises(EnergyError, match="tracking_mode"):
        CodecarbonMeter("DEU", tracking_mode="gpu")
    with pytest.raises(EnergyError, match="before it was started"):
        CodecarbonMeter("DEU").stop()


def test_manual_meter_is_power_times_time():
    meter = ManualPowerMeter(360.0, intensity_g_per_kwh=500.0)
    began = time.perf_counter()
    with meter:
        _busy(0.1)
    elapsed_s = time.perf_counter() - began
    r = meter.reading
    assert r.energy_kwh == pytest.approx(360.0 * r.duration_s / 3.6e6)
    assert r.co2_kg == pytest.approx(r.energy_kwh * 0.5)
    assert r.source == "manual" and r.estimated and r.country_iso == ""
    assert 0.09 < r.duration_s <= elapsed_s


def test_manual_meter_country_intensity_and_bad_inputs():
    france = annual_intensity_g_per_kwh("FRA")[0]
    for code in ("FRA", "FR"):  # the grid's one annual reader: ISO3 or ISO2
        meter = ManualPowerMeter(10, country_iso_code=code)
        assert meter.intensity_g_per_kwh == france and meter.country_iso_code == "FRA"
    for bad in (0, -5, float("nan"), float("inf"), "10"):
        with pytest.raises(EnergyError, match="positive number of watts"):
            ManualPowerMeter(bad)
    with pytest.raises(ProviderFailure, match="no annual average for zone 'Germany'"):
        ManualPowerMeter(10, country_iso_code="Germany")
    with pytest.raises(EnergyError, match="before it was started"):
        ManualPowerMeter(10, 300).stop()


def test_describe_codecarbon_hardware_tells_measured_from_estimated():
    class CPU:
        def __init__(self, mode):
            self._mode, self._tdp = mode, 8

    class RAM:
        pass

    class GPU:
        pass

    class Tracker:
        def __init__(self, hw):
            self._hardware = hw

    estimated, note = describe_codecarbon_hardware(Tracker([RAM(), CPU("cpu_load")]))
    assert estimated and "TDP of 8 W" in note and "no RAPL/NVML" in note
    measured, note = describe_codecarbon_hardware(Tracker([RAM(), CPU("intel_rapl")]))
    assert not measured and "intel_rapl" in note and "RAM at a fixed wattage" in note
    assert describe_codecarbon_hardware(Tracker([RAM(), CPU("cpu_load"), GPU()]))[0] is False
