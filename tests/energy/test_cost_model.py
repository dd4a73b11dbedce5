"""Seconds and kWh per epoch on a hardware profile, from FLOPs: the arithmetic, the labels and the refusals."""

from __future__ import annotations

import pytest

from resque_core.energy.cost_model import DEFAULT_UTILIZATION, POWER_SHARE, epoch_cost
from resque_core.energy.hardware import load_hardware_profiles
from resque_core.errors import EnergyError
from resque_core.forecast.costing import DEFAULT_UTILIZATION as COSTING_POWER_SHARE
from resque_core.units import J_PER_KWH

PROFILES = load_hardware_profiles()


@pytest.mark.parametrize(
    "name", ["nvidia-t4", "nvidia-l4", "nvidia-a10", "nvidia-a100-40gb-sxm", "nvidia-a100-sxm", "nvidia-h100-sxm",
             "nvidia-h200-sxm", "amd-epyc-7763"],
)  # fmt: skip
def test_the_usual_hardware_has_a_peak_with_its_source(name):
    p = PROFILES[name]
    assert 0 < p["peak_tflops_fp32"] <= p["peak_tflops_mixed"] <= 1000 and p["peak_source"]


def test_one_h100_epoch_is_flops_over_peak_times_utilization():
    cost = epoch_cost(6e8, 50_000, "nvidia-h100-sxm", utilization=0.4)
    seconds = 6e8 * 50_000 / (989e12 * 0.4)
    assert cost.seconds_per_epoch == pytest.approx(seconds)
    assert cost.kwh_per_epoch == pytest.approx(700 * POWER_SHARE * seconds / J_PER_KWH)
    assert cost.utilization_basis == "given" and "modeled" in cost.note and "989 TFLOPS mixed" in cost.note
    assert "e+" not in cost.note and "e-" not in cost.note.replace("per-", "")


def test_eight_devices_scale_at_the_stated_efficiency_and_draw_eight_times_the_power():
    one = epoch_cost(6e8, 50_000, "nvidia-a100-sxm", utilization=0.4)
    eight = epoch_cost(6e8, 50_000, "nvidia-a100-sxm", utilization=0.4, devices=8, scaling_efficiency=0.9)
    assert one.seconds_per_epoch / eight.seconds_per_epoch == pytest.approx(1 + 7 * 0.9)
    assert eight.kwh_per_epoch == pytest.approx(one.kwh_per_epoch * 8 / (1 + 7 * 0.9))
    assert "0.9 scaling per added device" in eight.note


def test_without_a_measured_utilization_the_documented_default_is_used_and_said():
    cost = epoch_cost(1e6, 1000, "nvidia-t4", precision="fp32")
    assert cost.utilization == DEFAULT_UTILIZATION["gpu"]
    assert cost.utilization_basis == "the documented default for a gpu (modeled)"
    assert cost.seconds_per_epoch == pytest.approx(1e9 / (8.1e12 * DEFAULT_UTILIZATION["gpu"]))


def test_the_power_share_is_the_forecasts():
    assert POWER_SHARE == COSTING_POWER_SHARE


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"profile": "nvidia-b300"}, "unknown hardware profile 'nvidia-b300'"),
        ({"profile": "intel-core-i7-1260p"}, "gives no peak throughput"),
        ({"precision": "fp8"}, "precision must be one of fp32, mixed"),
        ({"flops_per_image": float("nan")}, "FLOPs per image must be in"),
        ({"images": 0}, "number of images must be a positive whole number"),
        ({"devices": 0}, "devices must be a whole number from 1 to 4096"),
        ({"utilization": 1.5}, "utilization must be in \\(0, 1\\]"),
        ({"scaling_efficiency": 0.0}, "scaling efficiency must be in"),
    ],
)
def test_bad_figures_are_refused_in_one_line(kwargs, words):
    args = {"flops_per_image": 1e6, "images": 100, "profile": "nvidia-l4", **kwargs}
    with pytest.raises(EnergyError, match=words):
        epoch_cost(args.pop("flops_per_image"), args.pop("images"), args.pop("profile"), **args)
