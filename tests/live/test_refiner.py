"""The refinement: learners fitted on the library's replayed curves, blended, their interval corrected."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from resque_core.live.features import CURVE_FEATURES, PRIOR_FEATURES, curve_features
from resque_core.live.refiner import Refined, Refiner, corrected, fit_widen, stage_of, widen_scores
from resque_core.live.remaining import live_refiner
from resque_core.live.replay import shipped_replay
from resque_core.live.tuning import WEIGHTS, tune

pytestmark = pytest.mark.xdist_group("live")  # the refinement is fitted once per process: one worker does it


def rows_of(curves: list[tuple[list[float], list[float]]], target: float = 0.9, cap: float = 30.0) -> pd.DataFrame:
    values = [curve_features(e, a, target, cap, e[-1]) + [np.log1p(4.0), 1.5] for e, a in curves]
    return pd.DataFrame(values, columns=[*CURVE_FEATURES, *PRIOR_FEATURES])


def test_stages_and_the_conformal_quantile():
    assert stage_of([0, 0.1, 0.75, 1, 2.9, 3, 40]).tolist() == [0, 1, 1, 2, 2, 3, 3]
    assert fit_widen(np.arange(10) / 10, 0.8) == pytest.approx(0.9)  # ceil(11 * 0.8) / 10 = the 9th of 10
    assert fit_widen(np.array([]), 0.8) == 0.0
    refined = Refined(np.array([2.0]), np.array([1.0]), np.array([3.0]), np.array([0.1]))
    assert widen_scores(refined, np.array([7.0]))[0] == pytest.approx(np.log(8) - np.log(4))
    wider = corrected(refined, np.array([1]), {1: np.log(2)}, np.array([5.0]))
    assert wider.low[0] == pytest.approx(0.0) and wider.high[0] == pytest.approx(5.0)  # clipped at the budget


def test_the_shipped_refinement_reads_a_stuck_run_and_a_rising_one_apart():
    stuck = ([0, 0.5, 1, 1.5, 2], [0.50, 0.52, 0.52, 0.53, 0.53])  # far below 0.9 and flat
    rising = ([0, 0.5, 1, 1.5, 2], [0.70, 0.80, 0.85, 0.87, 0.885])  # close, and climbing
    out = live_refiner(True).predict(rows_of([stuck, rising]))
    assert np.all(out.low <= out.point) and np.all(out.point <= out.high) and np.all(out.high <= 28 + 1e-9)
    assert out.p_never[0] > 0.5 > out.p_never[1]
    assert out.point[0] > out.point[1]


def test_tuning_on_grouped_folds_picks_a_weight_and_a_correction_per_stage():
    rows = shipped_replay()
    some = rows[rows["shift_type"].isin(sorted(rows["shift_type"].unique())[:6])]
    tuning = tune(some, folds=3, weights=(0.0, 1.0))
    assert tuning.weight in WEIGHTS and set(tuning.mae) == {0.0, 1.0}
    assert tuning.weight == min(tuning.mae, key=tuning.mae.get)
    assert set(tuning.widen[tuning.weight]) <= {0, 1, 2, 3}
    fitted = Refiner(tuning.weight, tuning.widen[tuning.weight]).fit(some)
    out = fitted.predict(some)
    inside = (out.low <= some["left"].to_numpy() + 1e-9) & (some["left"].to_numpy() <= out.high + 1e-9)
    assert inside.mean() >= 0.8  # in-sample, with the out-of-fold correction: at least what it was tuned to
