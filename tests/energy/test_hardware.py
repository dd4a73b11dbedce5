"""Hardware profiles: the shipped file, and modeled energy per epoch labeled as modeled."""

from __future__ import annotations

import json

import pytest

from resque_core.energy.hardware import PROFILES_PATH, load_hardware_profiles, modeled_kwh_per_epoch
from resque_core.errors import EnergyError


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
