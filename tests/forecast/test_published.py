"""The published benchmark in words: what a forecast from the shipped calibration says of its own accuracy."""

from __future__ import annotations

import json

import pytest

from resque_core.assets import asset_path
from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.published import (
    FIDELITY_FILE,
    TARGET_WORDS,
    benchmark_sentences,
    published_fidelity,
)
from resque_core.forecast.records import default_records
from resque_core.forecast.shipped import is_shipped

SUMMARY = {
    "n_runs": 399, "n_types": 14, "n_families": 3, "level": 0.8, "mae_epochs": 1.91, "mae_epochs_acc_drop": 1.93,
    "coverage_80": 0.772, "paired_diff_vs_acc_drop_ci": [-0.41, 0.52], "spearman_case_means": 0.874,
    "lofo_mae_epochs": 3.2, "lofo_coverage_80": 0.95, "lofo_unit": "train_fraction", "date": "2026-12-02",
    "command": "python bench/forecast_fidelity.py --json --publish",
    "targets": {
        "n_families_ge_3": True, "n_types_ge_12": True, "not_worse_than_acc_drop": False,
        "spearman_case_means_ge_0_9": False, "coverage_80_in_0_75_0_85": True, "lofo_coverage_80_in_0_70_0_90": False,
    },
}  # fmt: skip


def test_missed_targets_are_said_in_words_with_their_figures():
    lines = benchmark_sentences(SUMMARY)
    assert lines[0].startswith("Benchmark of the shipped calibration (399 runs of 3 model families, 14 shift types")
    assert "off by 1.91 epochs on average, against 1.93 for the accuracy drop alone" in lines[0]
    assert "covered 77% of the runs" in lines[0]
    assert lines[1].startswith("For a model family the library lacks") and "3.20 epochs" in lines[1]
    missed = next(line for line in lines if line.startswith("Targets missed: "))
    assert "upper end +0.52 epochs" in missed and "Spearman on case means >= 0.9: 0.874" in missed
    assert "70-90% of a left-out family's runs: 95.0%" in missed
    assert "at least 3 model families" not in missed  # met targets are not listed
    assert lines[-1] == "Measured 2026-12-02 with: python bench/forecast_fidelity.py --json --publish"


def test_all_met_none_measured_and_no_file():
    met = {**SUMMARY, "targets": dict.fromkeys(SUMMARY["targets"], True)}
    assert "Every target of the benchmark is met" in benchmark_sentences(met)
    unknown = {**SUMMARY, "lofo_mae_epochs": None, "targets": {**met["targets"], "lofo_coverage_80_in_0_70_0_90": None}}
    lines = benchmark_sentences(unknown)
    assert not any("library lacks" in line or "Targets missed" in line or "Every target" in line for line in lines)
    assert benchmark_sentences({}) == ()
    assert set(TARGET_WORDS) == set(SUMMARY["targets"])


def test_only_forecasts_from_the_shipped_records_quote_it():
    assert is_shipped("default calibration") and is_shipped("library shapes-resnet")
    assert not is_shipped("default") and not is_shipped("user history") and not is_shipped("self-calibration")
    records = default_records()
    shipped = Forecaster().fit(records, "dist", source="default calibration").predict(0.05)
    mine = Forecaster().fit(records, "dist", source="user history").predict(0.05)
    assert mine.benchmark == () and mine.to_dict()["benchmark"] == []
    assert shipped.benchmark == benchmark_sentences()
    if published_fidelity() is None:
        pytest.skip(f"{FIDELITY_FILE} not published: python bench/forecast_fidelity.py --json --publish")
    data = json.loads(asset_path(FIDELITY_FILE).read_text())
    assert shipped.benchmark[0].startswith(f"Benchmark of the shipped calibration ({data['n_runs']} runs")
    missed = [key for key, met in data["targets"].items() if met is False]
    assert any(line.startswith("Targets missed") for line in shipped.benchmark) == bool(missed)


def test_the_published_figures_are_of_the_shipped_library():
    """A regenerated family without a rerun of the bench would quote figures of other records: refuse that."""
    from resque_core.calibration.library import library_records
    from resque_core.forecast.family import family_key

    data = published_fidelity()
    if data is None:
        pytest.skip(f"{FIDELITY_FILE} not published")
    records = library_records()
    runs = records[(records["run_kind"] == "retrain") & (records["index_kind"] == "dist")]
    counts = family_key(runs).value_counts().to_dict()
    assert data["families"] == counts, "rerun: python bench/forecast_fidelity.py --json --publish"
    assert data["n_runs"] == len(runs) and data["n_families"] == len(counts) >= 3
    assert data["command"] == "python bench/forecast_fidelity.py --json --publish"
