"""Cost units that carry a forecast across model families, and leave-one-family-out checks of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from resque_core.errors import RecordsError
from resque_core.forecast.family import (
    UnitReference,
    family_key,
    from_unit,
    to_unit,
    unit_reference,
)
from resque_core.forecast.transfer import leave_one_family_out, transfer_forecast
from tests.family_fixtures import TRAIN_EPOCHS, three_family_records
from tests.records_fixtures import synthetic_records

FAMILIES = TRAIN_EPOCHS


def _library(noise: float = 0.0) -> pd.DataFrame:
    return three_family_records(noise)


def test_units_convert_both_ways():
    ref = UnitReference(scratch_epochs=24.0, train_epochs=30.0)
    epochs = np.array([0.0, 6.0, 12.0])
    assert to_unit(epochs, "scratch_fraction", ref) == pytest.approx([0.0, 0.25, 0.5])
    assert to_unit(epochs, "train_fraction", ref) == pytest.approx([0.0, 0.2, 0.4])
    assert to_unit(epochs, "epochs", ref) == pytest.approx(epochs)
    for unit in ("epochs", "scratch_fraction", "train_fraction"):
        assert from_unit(to_unit(epochs, unit, ref), unit, ref) == pytest.approx(epochs)


def test_a_unit_without_its_reference_is_refused_in_words():
    with pytest.raises(RecordsError, match="the epochs of its original training"):
        to_unit(3.0, "train_fraction", UnitReference(scratch_epochs=20.0))
    with pytest.raises(RecordsError, match="from-scratch runs"):
        from_unit(0.5, "scratch_fraction", UnitReference(train_epochs=20.0))
    with pytest.raises(RecordsError, match="unknown cost unit 'hours'"):
        to_unit(3.0, "hours", UnitReference())


def test_unit_reference_is_the_median_from_scratch_run():
    records = synthetic_records(n=10, n_scratch=5)
    records.loc[records.run_kind == "scratch", "epochs"] = [10.0, 12.0, 14.0, 30.0, 30.0]
    ref = unit_reference(records, train_epochs=25)
    assert ref == UnitReference(scratch_epochs=14.0, train_epochs=25)


def test_family_key_names_architecture_and_input():
    records = _library()
    assert sorted(family_key(records).unique()) == sorted(FAMILIES)
    no_family = synthetic_records(n=3).drop(columns=["arch"])
    assert family_key(no_family).isna().all()


def test_the_unit_that_matches_the_truth_transfers_and_raw_epochs_do_not():
    records = _library(noise=0.01)
    by_unit = {u: leave_one_family_out(records, u, FAMILIES) for u in ("epochs", "scratch_fraction", "train_fraction")}
    train, raw = by_unit["train_fraction"], by_unit["epochs"]
    assert train.n_families == 3 and train.n_runs == 90
    assert train.mae_epochs < 0.5 < 3 < raw.mae_epochs  # the share carries over; raw epochs are off by families
    assert by_unit["scratch_fraction"].mae_epochs < 0.5  # scratch is 80% of training in every family here
    assert train.coverage >= 0.7 and train.width_epochs < 2 < 10 < raw.width_epochs  # raw: wide and still short
    assert set(train.per_family_mae) == set(FAMILIES)
    scores = train.per_family
    assert set(scores) == set(FAMILIES) and sum(f["n_runs"] for f in scores.values()) == train.n_runs
    weighted = sum(f["coverage"] * f["n_runs"] for f in scores.values()) / train.n_runs
    assert weighted == pytest.approx(train.coverage) and all(f["mae_epochs"] == train.per_family_mae[k]
                                                             for k, f in scores.items())  # fmt: skip


def test_transfer_forecast_converts_with_the_new_models_reference():
    records = _library(noise=0.01)
    reference = UnitReference(train_epochs=20.0)  # a model trained for 20 epochs, in no family of the library
    forecast = transfer_forecast(records, 0.05, "train_fraction", reference, FAMILIES)
    assert forecast.point == pytest.approx(20 * (0.05 + 2 * 0.05), rel=0.05)
    assert forecast.low < forecast.point < forecast.high
    assert forecast.families == tuple(sorted(FAMILIES)) and forecast.check.unit == "train_fraction"
    sentence = forecast.sentence()
    assert "not in the calibration library" in sentence and "leave-one-family-out" in sentence
    assert "a fraction of the original training's epochs" in sentence and "3 other families" in sentence


def test_one_family_cannot_be_left_out():
    records = synthetic_records(n=20)
    with pytest.raises(RecordsError, match=r"at least two families .* these records have 1 \(SmallCNN 16x16x1\)"):
        leave_one_family_out(records, "epochs")


def _families_bench():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "bench" / "families.py"
    spec = importlib.util.spec_from_file_location("families_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_families_bench_names_the_unit_that_transfers_best(tmp_path, capsys):
    import json

    path = tmp_path / "three.csv"
    _library(noise=0.01).to_csv(path, index=False)
    assert _families_bench().main(["--records", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["n_families"] == 3 and result["best_unit"] in ("scratch_fraction", "train_fraction")
    by_unit = {u["unit"]: u for u in result["units"]}
    assert by_unit["epochs"]["lofo_mae_epochs"] > 3 > by_unit[result["best_unit"]]["lofo_mae_epochs"]


def test_families_bench_with_one_family_says_there_is_nothing_to_leave_out(capsys):
    from resque_core.assets import asset_path

    assert _families_bench().main(["--records", str(asset_path("calibration_default.csv"))]) == 0  # one family
    out = capsys.readouterr().out
    assert "nothing to leave out" in out and "calibrate --family" in out
