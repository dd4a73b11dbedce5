"""bench/forecast_fidelity.py on small synthetic records whose answer is known: the accuracy drop is an
exact signal, the index's scale differs by shift type, and the seeds of a case agree.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from resque_core.forecast.published import records_sha256

ROOT = pathlib.Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "forecast_fidelity.py"
ISSUE_KEYS = ("n_runs", "n_types", "n_families", "mae_epochs", "mae_epochs_acc_drop", "mae_epochs_index",
              "paired_diff_vs_acc_drop_ci", "spearman_case_means", "ceiling_spearman_runs", "coverage_80",
              "coverage_80_ci", "lofo_mae_epochs", "lofo_coverage_80", "records_sha256", "target", "n_curves",
              "lofo_nested_mae_epochs", "lofo_nested_coverage_80", "coverage_80_min_type",
              "ceiling_spearman_case_means")  # fmt: skip
# the calibration_default.csv behind the figures in bench/RESULTS.md
INDEX_SCALE = {"blur": 0.5, "noise": 1.0, "contrast": 2.0, "pixelate": 4.0}


def known_records(families: tuple[str, ...] = ("SmallCNN",)) -> pd.DataFrame:
    """4 shift types x 4 levels x 2 seeds per family; epochs = 20 x accuracy drop exactly, same for both seeds."""
    rows = []
    for arch in families:
        for shift_type, scale in INDEX_SCALE.items():
            for level in range(1, 5):
                drop = 0.05 * level
                for seed in range(2):
                    rows.append({
                        "run_id": f"{arch}-{shift_type}:{level}-s{seed}", "run_kind": "retrain", "index_kind": "dist",
                        "index_value": drop * scale, "shift": f"{shift_type}:{level}", "shift_type": shift_type,
                        "shift_level": level, "seed": seed, "arch": arch, "input_size": "16x16x1",
                        "model": f"{arch} digits", "start_acc": 0.9 - drop, "target_acc": 0.9,
                        "acc_gap": 20 * drop,  # leaks the outcome exactly: must never be used
                        "epochs": 20 * drop, "censored": 0, "noise_floor": 0.002,
                    })  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("forecast_fidelity", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run_json(bench, capsys, path: pathlib.Path) -> dict:
    assert bench.main(["--records", str(path), "--bootstrap", "40", "--json"]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_the_product_picks_the_exact_signal_and_the_index_loses_against_it(tmp_path):
    path = tmp_path / "records.csv"
    known_records().to_csv(path, index=False)
    done = subprocess.run(
        [sys.executable, str(BENCH), "--records", str(path), "--bootstrap", "40", "--json"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout.strip().splitlines()[-1])  # the last line is one JSON object
    assert all(key in data for key in ISSUE_KEYS)
    assert (data["n_runs"], data["n_types"], data["n_groups"], data["n_families"], data["n_cases"]) == (32, 4, 4, 1, 16)
    assert data["mae_epochs_acc_drop"] == pytest.approx(0.0, abs=1e-9)
    # the product is given what a user with labels has and picks the exact signal on every fold's training types
    assert data["mae_epochs_index"] > 0.3 and data["mae_epochs"] == pytest.approx(0.0, abs=1e-9)
    assert data["paired_diff_vs_acc_drop_ci"] == pytest.approx([0.0, 0.0], abs=1e-9)
    low, high = data["paired_diff_vs_index_ci"]
    assert low <= data["paired_diff_vs_index"] <= high < 0  # the index alone loses against it
    assert data["targets"]["not_worse_than_acc_drop"] is True and data["targets"]["n_types_ge_12"] is False
    assert data["seed_icc_epochs"] == pytest.approx(1.0) and data["ceiling_spearman_runs"] == pytest.approx(1.0)
    assert data["lofo_mae_epochs"] is None and "one model family" in data["lofo_reason"]
    assert set(data["predictors"]) == {"product", "index", "acc_drop", "constant", "level"} and "role" not in data
    assert data["predictors"]["level"]["role"] == "oracle" and "base_acc" in data["notes"][0]
    assert "acc_gap" not in done.stdout.split("\n{")[0]  # the leaking gap is never a predictor
    assert data["records_sha256"] == records_sha256([path]) and data["n_curves"] == 0
    assert data["target"]["kind"] == "records" and data["target"]["asked"]["kind"] == "drop"  # no curves: said
    assert data["coverage_80_min_type"] <= data["coverage_80"]
    assert data["ceiling_spearman_case_means"] == pytest.approx(1.0)  # the seeds of a case agree exactly
    picks = data["by_family"]["SmallCNN 16x16x1"]["evidence"]["index+acc_drop"]["picks"]
    assert picks == {"acc_drop": 4} and data["by_family"]["SmallCNN 16x16x1"]["index_vs_acc_drop"] == "worse"


def with_curves(records: pd.DataFrame) -> pd.DataFrame:
    """Each run's curve: accuracy rises linearly from start_acc to 0.9 at its recorded epochs, then to 0.92 at twice."""
    rows = []
    for run in records.itertuples():
        for step in range(41):
            epoch = 2 * run.epochs * step / 40
            acc = run.start_acc + (0.9 - run.start_acc) * epoch / run.epochs if run.epochs else 0.9
            acc = acc if epoch <= run.epochs else 0.9 + 0.02 * (epoch - run.epochs) / run.epochs
            rows.append({"run_id": run.run_id, "epoch": epoch, "val_acc": min(acc, 0.92), "seconds": epoch})
    return pd.DataFrame(rows)


def test_the_figures_are_for_the_target_asked_read_off_each_runs_curve(bench, tmp_path, capsys):
    from resque_core.forecast.curves import curves_path, write_curves_csv

    path = tmp_path / "records.csv"
    records = known_records().assign(base_acc=0.92)
    records.to_csv(path, index=False)
    write_curves_csv(with_curves(records), curves_path(path), setting=None)
    assert bench.main(["--records", str(path), "--bootstrap", "40", "--target-acc", "0.91", "--json"]) == 0
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert data["n_curves"] == data["n_runs"] == 32 and data["records_sha256"] == records_sha256(
        [path, curves_path(path)]
    )
    assert data["target"]["kind"] == "acc" and data["target"]["value"] == 0.91 and data["target"]["note"] is None
    assert data["mae_epochs_acc_drop"] == pytest.approx(0.0, abs=1e-6)  # epochs to 0.91 = 30 x drop: still exact
    per_type = {t["shift_type"]: t["epochs_range"] for t in data["per_type"]}
    assert per_type["noise"] == pytest.approx([1.5, 6.0])  # 30 x 0.05 .. 30 x 0.2, not the records' 20 x


def test_several_families_are_left_out_one_at_a_time(bench, tmp_path, capsys):
    path = tmp_path / "families.csv"
    known_records(("SmallCNN", "MLP", "ResNet")).to_csv(path, index=False)
    data = run_json(bench, capsys, path)
    assert data["n_families"] == 3 and data["targets"]["n_families_ge_3"] is True
    assert data["lofo_reason"] is None and data["lofo_mae_epochs_acc_drop"] == pytest.approx(0.0, abs=1e-9)
    assert data["lofo_mae_epochs"] >= 0 and 0 <= data["lofo_coverage_80"] <= 1
    nested = data["lofo_nested_coverage_80"]
    assert data["targets"]["lofo_nested_coverage_80_in_0_70_0_90"] == (0.70 <= nested <= 0.90)
    assert data["lofo_nested_mae_epochs"] == pytest.approx(0.0, abs=1e-9)  # the other two families pick acc_drop
    assert {f["signal"] for f in data["lofo_nested_per_family"].values()} == {"acc_drop"}
    assert data["n_cases"] == 48  # a case is (family, shift, level)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--records", "no-such-file.csv"], "cannot read records file"),
        (["--bootstrap", "5"], "--bootstrap must be at least 20"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(bench, capsys, args, message):
    assert bench.main(args) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]


def test_the_accuracy_drop_comes_from_the_clean_accuracy_when_the_records_carry_it(bench):
    runs = known_records().assign(base_acc=0.95, mean_conf=0.7)
    runs, columns, notes = bench.predictor_columns(runs)
    assert columns["acc_drop"] == "acc_drop" and columns["mean_conf"] == "mean_conf" and notes == []
    assert runs["acc_drop"].to_numpy() == pytest.approx(0.95 - runs["start_acc"].to_numpy())
    given = known_records().assign(acc_drop=0.5)
    assert bench.predictor_columns(given)[0]["acc_drop"].eq(0.5).all()
    assert "acc_gap" not in columns.values() and bench.ROLES["level"] == "oracle"


def test_a_fold_forecasts_epochs_exactly_as_the_forecaster_does(bench):
    from resque_core.forecast.forecaster import Forecaster
    from tests.records_fixtures import synthetic_records

    records = synthetic_records(n=40, seed=3)
    train, test = records[records["shift_type"] != "contrast"], records[records["shift_type"] == "contrast"]
    point, low, high = bench.product_forecast(train, test, "dist", 0.8)
    expected = Forecaster().fit(train, "dist").predict_measure("epochs", test["index_value"].to_numpy())
    assert np.allclose(point, expected[0]) and np.allclose(low, expected[1]) and np.allclose(high, expected[2])
    assert np.ptp(point) > 0  # a real curve, not a constant


def test_a_type_too_few_runs_reached_the_target_of_is_left_out_of_the_known_type_check_for_every_signal(bench):
    runs = known_records().assign(family="SmallCNN 16x16x1")
    runs.loc[(runs["shift_type"] == "blur") & (runs["shift_level"] > 1), "censored"] = 1  # never reached it
    runs, columns, _ = bench.predictor_columns(runs)
    result = sys.modules["fidelity_report"].known_type(runs, columns, 0.8)
    assert result["skipped_types"] == ["SmallCNN 16x16x1 | blur"]
    assert np.isfinite(result["mae_epochs_acc_drop_own_type"])  # the other types are scored
    assert set(result) >= {"mae_epochs_index_own_type", "coverage_80_level_own_type"}
