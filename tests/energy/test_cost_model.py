"""Seconds and kWh per epoch on a hardware profile, from FLOPs: the arithmetic, the labels and the refusals."""

from __future__ import annotations

import pytest
import torch

from resque_core.energy.cost_model import DEFAULT_UTILIZATION, POWER_SHARE, epoch_cost, model_epoch_cost
from resque_core.energy.flops import layer_count
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


def test_twice_the_layers_at_the_same_flops_costs_the_per_layer_time_more_per_step():
    one = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 4))
    two = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 4), torch.nn.LayerNorm(4))  # no counted FLOPs
    kwargs = {"utilization": 0.5, "seconds_per_layer_step": 1e-3, "batch_size": 32}
    a, b = (model_epoch_cost(m, (3, 2, 2), 3200, "nvidia-l4", **kwargs) for m in (one, two))
    assert (layer_count(one), layer_count(two), a.n_layers, b.n_layers) == (1, 2, 1, 2)
    assert a.flops_per_epoch == b.flops_per_epoch == 3 * 2 * 12 * 4 * 3200
    assert a.steps_per_device == 100 and a.overhead_seconds_per_epoch == pytest.approx(100 * 1e-3)
    assert b.seconds_per_epoch - a.seconds_per_epoch == pytest.approx(100 * 1e-3)
    assert "2 layers x 1000 us per layer and step x 100 steps per device (the same basis)" in b.note
    mixed = model_epoch_cost(two, (3, 2, 2), 3200, "nvidia-l4", seconds_per_layer_step=1e-3)
    assert (
        "utilization (the documented default for a gpu (modeled); by kind of operator: matrix products 0.3, "
        "dense convolutions 0.3, grouped convolutions 0.03) + 2 layers" in mixed.note
    )
    assert "100 steps per device (given)" in mixed.note


def test_eight_devices_speed_the_flops_part_7_3x_and_split_the_steps_eight_ways():
    kwargs = {"utilization": 0.4, "n_layers": 50, "batch_size": 32, "seconds_per_layer_step": 2e-5}
    one = epoch_cost(6e8, 51_200, "nvidia-a100-sxm", **kwargs)
    eight = epoch_cost(6e8, 51_200, "nvidia-a100-sxm", devices=8, **kwargs)
    assert (one.steps_per_device, eight.steps_per_device) == (1600, 200)
    flops_one, flops_eight = (c.seconds_per_epoch - c.overhead_seconds_per_epoch for c in (one, eight))
    assert flops_one / flops_eight == pytest.approx(1 + 7 * 0.9)
    assert one.overhead_seconds_per_epoch / eight.overhead_seconds_per_epoch == pytest.approx(8.0)
    assert eight.overhead_seconds_per_epoch == pytest.approx(200 * 50 * 2e-5)


def test_the_default_per_layer_time_is_the_kinds_and_the_note_names_its_basis():
    cost = epoch_cost(1e6, 3200, "nvidia-t4", precision="fp32", n_layers=10, calibration={})
    assert cost.seconds_per_layer_step == 30e-6 and cost.overhead_seconds_per_epoch == pytest.approx(100 * 10 * 30e-6)
    assert cost.note.startswith("modeled: ")
    assert "utilization (the documented default for a gpu (modeled)) + 10 layers x 30 us" in cost.note


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
        ({"n_layers": -1}, "the number of layers must be a whole number from 0"),
        ({"batch_size": 0}, "the batch size must be a whole number from 1"),
        ({"seconds_per_layer_step": float("inf")}, "seconds per layer-step must be in \\[0, 1\\]"),
    ],
)
def test_bad_figures_are_refused_in_one_line(kwargs, words):
    args = {"flops_per_image": 1e6, "images": 100, "profile": "nvidia-l4", **kwargs}
    with pytest.raises(EnergyError, match=words):
        epoch_cost(args.pop("flops_per_image"), args.pop("images"), args.pop("profile"), **args)
