"""The cost model by kind of operator: FLOPs split into matrix products, dense and grouped convolutions (counted by
hand on small models), each kind at its own utilization, fitted and read back from the asset."""

from __future__ import annotations

import json

import pytest
import torch

from resque_core.energy.cost_calibration import OP_DEFAULTS, cost_parameters, fit_op_parameters, load_cost_calibration
from resque_core.energy.cost_model import epoch_cost, model_epoch_cost
from resque_core.energy.flops import layer_count, training_step_flops
from resque_core.errors import EnergyError

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

ENTRY = {"utilization": 0.2, "seconds_per_layer_step": 1e-3, "n_cases": 10, "date": "2026-12-07",
         "command": "python bench/cost_model.py --json", "torch_version": "2.14.1",
         "utilization_by_op": {"matmul": 0.5, "conv_dense": 0.2, "conv_grouped": 0.01},
         "per_layer_counts": "leaf"}  # fmt: skip


def separable() -> torch.nn.Module:
    """A depthwise 3x3 (4 channels, groups 4), a pointwise 1x1 (4 -> 8) and a linear head, on 4 x 6 x 6 inputs."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False),
        torch.nn.Conv2d(4, 8, 1, bias=False),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(8 * 6 * 6, 10),
    )


def test_the_step_flops_split_by_kind_as_counted_by_hand():
    flops = training_step_flops(separable(), (4, 6, 6))
    grouped = 2 * (4 * 6 * 6) * (1 * 3 * 3)  # 2 x output elements x (in/groups) x kernel
    dense = 2 * (8 * 6 * 6) * 4
    matmul = 2 * (8 * 6 * 6) * 10
    assert flops.by_kind == {"matmul": 3 * matmul, "conv_dense": 3 * dense, "conv_grouped": 3 * grouped}
    assert sum(flops.by_kind.values()) == pytest.approx(flops.per_image)
    scripted = training_step_flops(torch.jit.script(separable()), (4, 6, 6))  # TorchScript: the same split
    assert scripted.by_kind == flops.by_kind


def test_each_kind_runs_at_its_own_utilization_and_the_reported_share_is_the_whole_steps():
    by_op = {"matmul": 3e6, "conv_dense": 2e6, "conv_grouped": 1e6}
    cost = epoch_cost(6e6, 1000, "nvidia-l4", precision="fp32", flops_by_op=by_op, batch_size=10,
                      calibration={"nvidia-l4": ENTRY})  # fmt: skip
    peak = 30.3e12
    flops_s = 1000 * (3e6 / 0.5 + 2e6 / 0.2 + 1e6 / 0.01) / peak
    assert cost.seconds_per_epoch == pytest.approx(flops_s)  # no layers given: no per-layer part
    assert cost.utilization == pytest.approx(6e6 * 1000 / (peak * flops_s))
    assert "by kind of operator: matrix products 0.5, dense convolutions 0.2, grouped convolutions 0.01" in cost.note
    given = epoch_cost(6e6, 1000, "nvidia-l4", precision="fp32", flops_by_op=by_op, utilization=0.4)
    assert given.seconds_per_epoch == pytest.approx(6e6 * 1000 / (peak * 0.4)) and given.utilization == 0.4


def test_where_the_parameters_were_learned_per_leaf_module_every_leaf_is_charged():
    model = separable()
    assert (layer_count(model), layer_count(model, with_parameters=False)) == (3, 5)
    cost = model_epoch_cost(model, (4, 6, 6), 320, "cpu-2-threads-codecarbon", batch_size=32)
    learned = cost_parameters("cpu-2-threads-codecarbon", "cpu")
    assert learned.counts_leaves and cost.n_layers == 5  # the shipped asset counts every leaf module
    assert cost.overhead_seconds_per_epoch == pytest.approx(10 * 5 * learned.seconds_per_layer_step)
    gpu = model_epoch_cost(model, (4, 6, 6), 320, "nvidia-l4", batch_size=32)  # the default counts parameters
    assert gpu.n_layers == 3 and not cost_parameters("nvidia-l4", "gpu").counts_leaves


def test_the_fit_recovers_each_kinds_utilization_leaving_each_architecture_out():
    truth = {"matmul": 0.4, "conv_dense": 0.25, "conv_grouped": 0.01}
    archs = {"a": (1e-3, 0, 0, 4), "b": (0, 2e-3, 0, 10), "c": (1e-4, 1e-3, 2e-5, 80), "d": (1e-4, 5e-4, 1e-5, 60),
             "e": (5e-3, 1e-4, 0, 20)}  # fmt: skip

    def measured(m, d, g, leaves):
        return m / truth["matmul"] + d / truth["conv_dense"] + g / truth["conv_grouped"] + leaves * 2e-4

    for left_out in archs:
        rows = [[*v[:3], v[3], measured(*v)] for k, v in archs.items() if k != left_out]
        rows += [[2 * x for x in v[:3]] + [v[3], measured(*(2 * x for x in v[:3]), v[3])]
                 for k, v in archs.items() if k != left_out]  # fmt: skip
        by_op, per_leaf = fit_op_parameters(rows)
        assert by_op == pytest.approx(truth, rel=1e-5) and per_leaf == pytest.approx(2e-4, rel=1e-5)


def test_a_kind_no_row_has_takes_the_others_median_share():
    rows = [[1e-3, 0, 0, 2, 4e-3], [0, 1e-3, 0, 2, 2e-3], [2e-3, 0, 0, 3, 8e-3]]
    by_op, _ = fit_op_parameters(rows)
    assert by_op["conv_grouped"] == pytest.approx(sorted([by_op["matmul"], by_op["conv_dense"]])[0] / 2
                                                  + sorted([by_op["matmul"], by_op["conv_dense"]])[1] / 2)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"utilization_by_op": {"matmul": 0.5}}, "utilization_by_op must give each of matmul, conv_dense"),
        ({"utilization_by_op": {**ENTRY["utilization_by_op"], "conv_grouped": float("nan")}},
         "utilization_by_op.conv_grouped must be a number in (0, 1]"),
        ({"utilization_by_op": {**ENTRY["utilization_by_op"], "matmul": 1.5}}, "utilization_by_op.matmul"),
        ({"per_layer_counts": "some"}, "per_layer_counts must be 'parameters' or 'leaf'"),
    ],
)  # fmt: skip
def test_a_bad_split_in_the_asset_is_refused_in_one_line(tmp_path, change, words):
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"profiles": {"cpu-2-threads-codecarbon": {**ENTRY, **change}}}))
    with pytest.raises(EnergyError, match=r".*") as err:
        load_cost_calibration(path)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_the_documented_defaults_cover_every_kind():
    assert set(OP_DEFAULTS) == {"matmul", "conv_dense", "conv_grouped"}
    assert cost_parameters("nvidia-h100-sxm", "gpu").utilization_by_op == OP_DEFAULTS
