"""A calibration sweep records the forecast signals besides the index, as ``index`` computes them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from resque_core.cli import main
from resque_core.forecast.records import load_records_csv
from resque_core.index.compute import compute_index
from resque_core.index.request import IndexRequest

TINY = ["--max-epochs", "1", "--scratch-epochs", "1", "--seeds", "1"]


def test_a_sweep_records_the_accuracy_drop_confidence_and_label_free_index(tmp_path, capsys):
    torch.set_num_threads(1)
    out = tmp_path / "cal.csv"
    argv = ["calibrate", "--demo", "--types", "gaussian_noise", "--levels", "4", "--no-tasks", *TINY]
    assert main([*argv, "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    frame = load_records_csv(out)
    report = compute_index(IndexRequest(shift="gaussian_noise:4", seed=0, device="cpu", max_points=0))
    assert frame.base_acc.to_numpy() == pytest.approx(report.base_acc, abs=1e-6)
    assert report.base_acc_source == "checkpoint"
    # the drop is measured on the training part, the start on the validation slice: disjoint images, and together
    # (weighted by their sizes, 3 to 1) they make the old model's accuracy on the whole new data
    on_train, on_val, on_all = frame.base_acc - frame.acc_drop, frame.start_acc, report.base_acc - report.acc_drop
    assert not np.allclose(frame.acc_drop, frame.base_acc - frame.start_acc)
    assert np.allclose(0.75 * on_train + 0.25 * on_val, on_all, atol=0.005)
    assert frame.index_value.to_numpy() == pytest.approx(report.value, abs=1e-6)
    assert frame.index_free.to_numpy() == pytest.approx(report.index_free, abs=1e-6)
    assert frame.mean_conf.to_numpy() == pytest.approx(report.mean_conf, abs=1e-6)
    assert 0.3 < report.mean_conf < 0.95 and frame.index_free.iloc[0] != frame.index_value.iloc[0]


def test_a_validate_record_carries_the_signals_of_its_index_report():
    from resque_core.calibration.validation import ValidationSettings, validate, validation_record
    from resque_core.data import DigitsDataset, Shifted, ShiftSpec
    from resque_core.model.checkpoint import load_checkpoint

    torch.set_num_threads(1)
    report = compute_index(IndexRequest(shift="gaussian_noise:3", seed=0, device="cpu", max_points=0))
    loaded = load_checkpoint("default")
    new = Shifted(DigitsDataset(), ShiftSpec.parse("gaussian_noise:3"), 0)
    settings = ValidationSettings(max_epochs=1, measure_energy=False, base_acc=loaded.accuracy)
    result = validate(loaded, new, settings)
    record = validation_record(result, report, settings, model="default", dataset="digits")
    assert record.base_acc == report.base_acc and record.mean_conf == report.mean_conf
    assert record.index_free == report.index_free and record.index_value == report.value
    assert record.acc_drop == pytest.approx(report.base_acc - result.start_acc)
