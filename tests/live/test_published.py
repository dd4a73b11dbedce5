"""The benchmark's published tuning is for the records shipped, and the refinement reads it as published."""

from __future__ import annotations

import json

import pytest

from resque_core.assets import asset_path
from resque_core.forecast.published import shipped_records_sha256
from resque_core.live import published
from resque_core.live.published import LIVE_FILE, published_live, published_tuning
from resque_core.live.refiner import STAGES
from resque_core.live.tuning import WEIGHTS


def test_the_published_file_is_for_the_shipped_records_and_holds_every_figure_the_issue_asks():
    data = json.loads(asset_path(LIVE_FILE).read_text(encoding="utf-8"))
    assert data["records_sha256"] == shipped_records_sha256()
    n = len(data["observed_epochs"])
    assert data["observed_epochs"] == [0.0, 0.25, 0.5, 1.0, 2.0]
    for key in ("mae_refined", "mae_prior", "mae_curve_only", "mae_planned", "coverage_80_refined", "n_rows"):
        assert len(data[key]) == n
    low, high = data["paired_diff_vs_best_ingredient_ci"]
    assert low <= data["paired_diff_vs_best_ingredient"] <= high
    assert data["tracker_overhead_pct"] > 0 and data["weight"] in WEIGHTS
    assert set(data["targets"]) >= {"mae_refined_le_half_prior_at_1", "coverage_80_in_0_75_0_85_from_quarter"}


def test_the_refinement_reads_the_published_weight_and_corrections():
    weight, widen = published_tuning(True)
    data = published_live()
    assert weight == data["weight"] and set(widen) <= set(range(len(STAGES)))
    assert widen == {int(k): v for k, v in data["widen"]["refined"].items()}
    assert published_tuning(False)[0] == 0.0


def test_a_file_made_on_other_records_is_not_used(monkeypatch):
    monkeypatch.setattr(published, "shipped_records_sha256", lambda: "another")
    assert published_live() is None
    assert published_tuning(True) == (0.5, {}) and published_tuning(False) == (0.0, {})


@pytest.mark.parametrize("text", ["not json", "[]", '{"records_sha256": 1}'])
def test_an_unreadable_file_is_not_used(tmp_path, monkeypatch, text):
    path = tmp_path / LIVE_FILE
    path.write_text(text)
    monkeypatch.setattr(published, "asset_path", lambda name: path)
    assert published_live() is None
