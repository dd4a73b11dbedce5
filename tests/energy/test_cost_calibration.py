"""The cost model's learned parameters: the fit recovers known ones, the asset is read, checked and refused."""

from __future__ import annotations

import json

import pytest

from resque_core.energy.cost_calibration import (
    KIND_DEFAULTS,
    cost_parameters,
    fit_cost_parameters,
    load_cost_calibration,
    write_cost_calibration,
)
from resque_core.energy.cost_model import epoch_cost
from resque_core.errors import EnergyError

ENTRY = {"utilization": 0.25, "seconds_per_layer_step": 1e-3, "n_cases": 10, "date": "2026-12-07",
         "command": "python bench/cost_model.py --json", "torch_version": "2.14.1"}  # fmt: skip
# (architecture, ideal seconds per step at the peak, layers): five architectures at two sizes, as the bench.
CASES = [("a", 0.003, 5), ("a", 0.013, 5), ("b", 0.002, 2), ("b", 0.008, 2), ("c", 0.044, 41), ("c", 0.178, 41),
         ("d", 0.003, 88), ("d", 0.007, 88), ("e", 0.010, 131), ("e", 0.038, 131)]  # fmt: skip


def measured(ideal_s: float, layers: int, util: float = 0.25, per_layer_s: float = 1e-3) -> float:
    return ideal_s / util + layers * per_layer_s


def test_the_fit_recovers_known_parameters_leaving_each_architecture_out():
    for left_out in "abcde":
        rows = [(i, n, measured(i, n)) for arch, i, n in CASES if arch != left_out]
        util, per_layer_s = fit_cost_parameters(rows)
        assert util == pytest.approx(0.25, rel=1e-6) and per_layer_s == pytest.approx(1e-3, rel=1e-6)
        for arch, i, n in CASES:
            if arch == left_out:  # the left-out architecture is predicted exactly from the others' fit
                assert i / util + n * per_layer_s == pytest.approx(measured(i, n), rel=1e-6)


def test_the_fit_weighs_relative_error_and_keeps_utilization_at_most_one():
    # a 4-ms step at 4.4x its ideal time and a 3.6-s one at 3.6x: each row counts by its relative error, so
    # the fit lands between the two ratios, not on the long step's 3.6 as plain least squares would
    util, _ = fit_cost_parameters([(0.001, 0, 0.0044), (1.0, 0, 3.6)])
    z = (0.001 / 0.0044, 1.0 / 3.6)
    assert 1 / util == pytest.approx(sum(z) / sum(v * v for v in z), rel=1e-4) and 3.9 < 1 / util < 4.0
    util, _ = fit_cost_parameters([(1.0, 0, 0.5), (2.0, 0, 1.0)])  # faster than the peak: capped at 1
    assert util == pytest.approx(1.0, abs=1e-9) and util <= 1.0


@pytest.mark.parametrize("rows", [[(1.0, 1, 2.0)], [(1.0, 1, 0.0), (1.0, 2, 3.0)], [(float("nan"), 1, 1.0)] * 2])
def test_the_fit_refuses_too_few_or_bad_rows(rows):
    with pytest.raises(EnergyError, match="at least two measured steps|each measured step must be"):
        fit_cost_parameters(rows)


def test_a_written_calibration_is_read_back_and_used_with_its_provenance(tmp_path):
    path = write_cost_calibration("cpu-2-threads-codecarbon", ENTRY, tmp_path / "cal.json")
    write_cost_calibration("nvidia-h100-sxm", {**ENTRY, "utilization": 0.4}, path)  # keeps the first entry
    calibration = load_cost_calibration(path)
    assert calibration["cpu-2-threads-codecarbon"]["utilization"] == 0.25
    assert calibration["nvidia-h100-sxm"]["utilization"] == 0.4
    cost = epoch_cost(1e6, 3200, "nvidia-h100-sxm", precision="fp32", n_layers=10, calibration=calibration)
    assert cost.seconds_per_epoch == pytest.approx(1e6 * 3200 / (67e12 * 0.4) + 100 * 10 * 1e-3)
    basis = "learned from 10 measured training runs on this hardware (2026-12-07)"
    assert cost.utilization_basis == basis and cost.overhead_basis == basis
    assert (
        f"utilization ({basis}) + 10 layers x 1000 us per layer and step x 100 steps per device (the same basis)"
        in cost.note
    )
    assert "modeled" in cost.note


def test_the_shipped_calibration_is_valid_and_learned_on_this_machines_cpu():
    entry = load_cost_calibration()["cpu-2-threads-codecarbon"]
    assert 0 < entry["utilization"] <= 1 and 0 <= entry["seconds_per_layer_step"] < 0.1
    assert entry["n_cases"] >= 10 and entry["command"].startswith("python bench/cost_model.py")
    learned = cost_parameters("cpu-2-threads-codecarbon", "cpu")
    assert learned.learned and learned.utilization == entry["utilization"]
    assert learned.basis.startswith(f"learned from {entry['n_cases']} measured training runs on this hardware (")
    assert f"{entry['torch_threads']} torch thread" in learned.basis


def test_unmeasured_hardware_gets_the_documented_default_of_its_kind():
    p = cost_parameters("nvidia-t4", "gpu", calibration={})
    assert (p.utilization, p.seconds_per_layer_step, p.learned) == (0.3, 30e-6, False)
    assert p.basis == "the documented default for a gpu (modeled)" and "kernel launch" in KIND_DEFAULTS["gpu"]["source"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"utilization": float("nan")}, "utilization must be a number in \\(0, 1\\], not nan"),
        ({"utilization": 0.0}, "utilization must be a number in \\(0, 1\\]"),
        ({"seconds_per_layer_step": -1e-6}, "seconds_per_layer_step must be a number in \\[0, 1\\]"),
        ({"seconds_per_layer_step": "fast"}, "seconds_per_layer_step must be a number"),
        ({"n_cases": 1}, "n_cases must be a whole number of at least 2"),
        ({"date": None, "_drop": "date"}, "lacks date: rerun bench/cost_model.py"),
    ],
)
def test_a_bad_asset_is_refused_in_one_line(tmp_path, change, words):
    entry = {**ENTRY, **change}
    entry.pop(entry.pop("_drop", "_none"), None)
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"profiles": {"cpu-2-threads-codecarbon": entry}}))  # NaN written as NaN
    where = "cost-model calibration .*cal.json, profile 'cpu-2-threads-codecarbon'"
    with pytest.raises(EnergyError, match=f"{where}.*{words}"):
        load_cost_calibration(path)


def test_an_unreadable_asset_is_refused_and_a_missing_one_means_nothing_learned(tmp_path):
    (tmp_path / "cal.json").write_text("{not json")
    with pytest.raises(EnergyError, match="cannot read the cost-model calibration"):
        load_cost_calibration(tmp_path / "cal.json")
    assert load_cost_calibration(tmp_path / "absent.json") == {}
