"""A real tiny calibration stores every run's evaluation curve beside its record, keyed by the record's run id."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

import resque_core.calibration.case_run as case_run
from resque_core.calibration.case_run import run_case
from resque_core.calibration.cases import DistCases
from resque_core.calibration.config import SweepConfig
from resque_core.calibration.metadata import RecordMetadata
from resque_core.data import DigitsDataset
from resque_core.forecast.curves import curves_path, read_curves_csv
from resque_core.forecast.records import RecordStore, load_records_csv
from resque_core.model.checkpoint import load_checkpoint
from resque_core.retraining.targets import EvalPoint, threshold_epoch
from tests.commands.in_process import run_main

TINY = ["--max-epochs", "2", "--scratch-epochs", "2", "--seeds", "1", "--no-energy"]
DEMO = ["calibrate", "--demo", "--types", "gaussian_noise", "--levels", "5", "--no-tasks", *TINY]


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_each_stored_curve_runs_from_the_start_to_the_end_of_its_run(monkeypatch, tmp_path):
    runs = []
    real = case_run.retrain
    monkeypatch.setattr(case_run, "retrain", lambda *a, **kw: runs.append(real(*a, **kw)) or runs[-1])
    cfg = SweepConfig(max_epochs=2, scratch_epochs=2, target_rule="reachable")
    model, case = DistCases(load_checkpoint("default"), DigitsDataset(), cfg).case("gaussian_noise:5", seed=0)
    records = run_case(model, case, 0, cfg, RecordMetadata("m", "digits", "t", None), lambda: False)
    store = RecordStore(tmp_path / "records.sqlite")
    store.add([record.store_row() for record in records])
    assert [r.run_kind for r in records] == ["scratch", "retrain"] and len(runs) == 2
    for record, result in zip(records, runs, strict=True):
        curve = store.curves([record.run_id])
        assert len(curve) == len(result.evals) > 4
        assert (curve["epoch"].iloc[0], curve["seconds"].iloc[0]) == (0.0, 0.0)
        assert curve["val_acc"].iloc[0] == pytest.approx(result.start_acc)
        assert curve["epoch"].is_monotonic_increasing and curve["epoch"].is_unique
        assert curve["seconds"].is_monotonic_increasing and curve["energy_kwh"].isna().all()
        assert curve["epoch"].iloc[-1] == pytest.approx(2.0)  # trained to its cap (or the settled target)
        assert curve["seconds"].iloc[-1] == pytest.approx(result.seconds, rel=1e-9)
        assert curve["val_acc"].iloc[-1] == pytest.approx(result.final_val_acc)
    retrained = records[1]
    assert runs[1].start_acc == pytest.approx(retrained.start_acc)  # the old model on the judged slice


def test_a_tiny_demo_stores_one_curve_per_record_and_out_writes_them_beside_the_csv(tmp_path, capsys):
    db, out = tmp_path / "records.sqlite", tmp_path / "cal.csv"
    code, _, _ = run_main(capsys, *DEMO, "--db", str(db), "--out", str(out))
    assert code == 0
    store = RecordStore(db)
    records, curves = store.all(), store.curves()
    assert len(records) == 2 == curves["run_id"].nunique()
    assert set(curves["run_id"]) == set(records["run_id"])
    for _, record in records.iterrows():
        curve = curves[curves["run_id"] == record["run_id"]]
        assert curve["epoch"].iloc[0] == 0.0 and curve["epoch"].is_monotonic_increasing
        assert curve["seconds"].is_monotonic_increasing
        assert curve["epoch"].iloc[-1] >= record["epochs"] - 1e-9
        assert curve["seconds"].iloc[-1] >= record["seconds"] * (1 - 1e-9)
        if not record["censored"]:  # the epochs to target are read off this very curve
            points = [EvalPoint(e, a, 0.0) for e, a in zip(curve["epoch"], curve["val_acc"], strict=True)]
            assert threshold_epoch(points, record["target_acc"]) == pytest.approx(record["epochs"])
    retrained = records[records["run_kind"] == "retrain"].iloc[0]
    first = curves[curves["run_id"] == retrained["run_id"]].iloc[0]
    assert first["val_acc"] == pytest.approx(retrained["start_acc"])
    # --out: the curves beside the CSV, read back whole through import_csv
    written = read_curves_csv(curves_path(out))
    assert set(written["run_id"]) == set(load_records_csv(out)["run_id"])
    fresh = RecordStore(tmp_path / "fresh.sqlite")
    assert fresh.import_csv(out) == 2
    pd.testing.assert_frame_equal(fresh.curves(), curves, check_exact=False, rtol=1e-9)
