"""Energy meters, the probe and hardware profiles, on real (tiny) CPU work."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch
from torch.utils.data import TensorDataset

from resque_core.errors import EnergyError
from resque_core.grid.base import ProviderFailure
from resque_core.grid.offline import annual_intensity_g_per_kwh
from resque_core.model.architectures import SmallCNN
from resque_core.retraining.hardware import PROFILES_PATH, load_hardware_profiles, modeled_kwh_per_epoch
from resque_core.retraining.meters import (
    CodecarbonMeter,
    ManualPowerMeter,
    describe_codecarbon_hardware,
)
from resque_core.retraining.probe import probe


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


def test_profiles_file_is_complete():
    raw = json.loads(PROFILES_PATH.read_text())["profiles"]
    names = [p["name"] for p in raw]
    assert len(names) == len(set(names)) >= 8
    for p in raw:
        assert p["power_w"] > 0 and p["kind"] in ("gpu", "cpu") and p["source"] and p["label"]
    profiles = load_hardware_profiles()
    assert profiles["nvidia-h100-sxm"]["power_w"] == 700
    assert profiles["nvidia-t4"]["power_w"] == 70


def test_modeled_energy_is_labeled_modeled():
    r = modeled_kwh_per_epoch("nvidia-h100-sxm", seconds_per_epoch=36.0)
    assert r.kwh_per_epoch == pytest.approx(700 * 36 / 3.6e6)  # 0.007 kWh
    assert r.source == "modeled" and r.estimated and r.steps == 0
    assert "modeled" in r.note and "700" in r.note
    half = modeled_kwh_per_epoch("nvidia-l4", 100.0, utilization=0.5)
    assert half.kwh_per_epoch == pytest.approx(36 * 100 / 3.6e6)


def test_unknown_profile_lists_known_ones():
    with pytest.raises(EnergyError) as err:
        modeled_kwh_per_epoch("tpu-v9", 10.0)
    assert "tpu-v9" in str(err.value) and "nvidia-h100-sxm" in str(err.value) and "nvidia-t4" in str(err.value)


@pytest.mark.parametrize(("seconds", "util"), [(0.0, 1.0), (-1.0, 1.0), (float("nan"), 1.0), (1.0, 0.0), (1.0, 1.5)])
def test_modeled_energy_bad_inputs(seconds, util):
    with pytest.raises(EnergyError):
        modeled_kwh_per_epoch("nvidia-t4", seconds, utilization=util)


def test_unreadable_profiles_file(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text("{not json")
    with pytest.raises(EnergyError, match="cannot read hardware profiles"):
        load_hardware_profiles(bad)


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


def _tiny_data(n: int = 96) -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.rand(n, 1, 16, 16, generator=g), torch.randint(0, 10, (n,), generator=g))


def test_probe_extrapolates_to_an_epoch():
    model = SmallCNN(width=4, hidden=8)
    before = [p.detach().clone() for p in model.parameters()]
    r = probe(model, _tiny_data(96), meter=ManualPowerMeter(100.0, 400.0), steps=5, batch_size=32, min_round_s=0)
    assert r.steps == 5 and r.source == "manual" and r.estimated
    assert r.seconds_per_epoch > 0 and r.overhead_s >= 0
    # 96 samples / batch 32 = 3 steps per epoch; energy is power x pure training time.
    assert r.kwh_per_epoch == pytest.approx(100.0 * r.seconds_per_epoch / 3.6e6, rel=0.3)
    assert "3 steps per epoch" in r.note
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))  # model untouched


def test_probe_with_codecarbon_and_bad_steps():
    r = probe(SmallCNN(width=4, hidden=8), _tiny_data(64), meter=CodecarbonMeter(), steps=3)
    assert r.kwh_per_epoch > 0 and r.source.startswith("codecarbon")
    with pytest.raises(EnergyError, match="at least one step"):
        probe(SmallCNN(), _tiny_data(32), meter=ManualPowerMeter(1, 1), steps=0)
