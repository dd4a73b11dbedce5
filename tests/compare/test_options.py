"""The front, the recommendation and the chance of reaching the target, on small hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from resque_core.compare.accuracy import ExpectedAccuracy, expected_accuracy
from resque_core.compare.options import Option, pareto_flags, recommend, with_front
from resque_core.errors import RecordsError
from resque_core.forecast.result import Interval


def option(name: str, co2: float | None, acc: float, p: float) -> Option:
    measures = {"kwh": Interval(1.0, 0.5, 2.0)}
    if co2 is not None:
        measures["co2_kg"] = Interval(co2, co2 / 2, co2 * 2)
    expected = ExpectedAccuracy(Interval(acc, acc - 0.01, acc + 0.01), p, 10, 30.0, False)
    return Option(name, "retrain", "SmallCNN", f"{name}.pt", 0.1, 0.05, 0.95, measures, expected)


def test_pareto_flags_keep_what_nothing_beats():
    costs = [1.0, 2.0, 2.0, 3.0, None]
    accs = [0.90, 0.95, 0.94, 0.95, 0.99]
    # 2.0/0.94 is beaten by 2.0/0.95; 3.0/0.95 by 2.0/0.95; an unknown cost is never on the front
    assert pareto_flags(costs, accs) == [True, True, False, False, False]


def test_equal_points_are_both_on_the_front():
    assert pareto_flags([1.0, 1.0], [0.9, 0.9]) == [True, True]


def test_the_recommendation_is_the_least_co2_among_those_that_meet_the_target():
    options = with_front([option("a", 3.0, 0.97, 0.9), option("b", 1.0, 0.96, 0.8), option("c", 0.5, 0.80, 0.1)], 0.8)
    assert [o.meets_target for o in options] == [True, True, False]
    assert [o.pareto for o in options] == [True, True, True]
    name, sentence = recommend(options, 0.8, "accuracy 0.95")
    assert name == "b"
    assert sentence == (
        "b: the least CO2 of the 2 options that reach accuracy 0.95 in at least 80% of their similar runs."
    )


def test_no_option_meets_the_target_names_the_closest():
    options = with_front([option("a", 3.0, 0.9, 0.5), option("b", 1.0, 0.8, 0.2)], 0.8)
    name, sentence = recommend(options, 0.8, "accuracy 0.99")
    assert name is None
    assert sentence == ("No option reaches accuracy 0.99 in at least 80% of its similar runs; the closest is a (50%).")


def test_without_co2_the_front_and_the_choice_use_kwh():
    options = with_front([option("a", None, 0.97, 0.9), option("b", 1.0, 0.96, 0.9)], 0.8)
    assert [o.pareto for o in options] == [True, False]  # same kWh, a is more accurate
    assert "least energy" in recommend(options, 0.8, "T")[1]


def runs_and_curves() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four runs of clean accuracy 0.9; their best by epoch 10: 0.88, 0.86, 0.80, 0.70 (drops 0.02 .. 0.2)."""
    runs = pd.DataFrame({"run_id": list("abcd"), "base_acc": 0.9, "index_value": [0.01, 0.02, 0.03, 0.04],
                         "acc_drop": [0.05, 0.06, 0.07, 0.08], "max_epochs": 20.0})  # fmt: skip
    rows = []
    for run, best in zip("abcd", (0.88, 0.86, 0.80, 0.70), strict=True):
        rows += [(run, 0.0, 0.5), (run, 5.0, best - 0.05), (run, 10.0, best), (run, 20.0, best + 0.01)]
    return runs, pd.DataFrame(rows, columns=["run_id", "epoch", "val_acc"])


def test_expected_accuracy_carries_each_runs_gap_under_the_reference():
    runs, curves = runs_and_curves()
    got = expected_accuracy(runs, curves, {"index_value": 0.02}, reference_acc=0.95, target_acc=0.91,
                            budget_epochs=10.0, level=0.5, k=4)  # fmt: skip
    carried = np.array([0.93, 0.91, 0.85, 0.75])  # 0.95 - (0.9 - best)
    assert got.accuracy.point == pytest.approx(np.median(carried))
    assert (got.accuracy.low, got.accuracy.high) == pytest.approx(tuple(np.quantile(carried, [0.25, 0.75])))
    assert got.p_reach_target == 0.5 and got.n_similar == 4 and not got.capped


def test_the_nearest_runs_are_used_and_the_floor_is_what_the_model_already_has():
    runs, curves = runs_and_curves()
    got = expected_accuracy(runs, curves, {"index_value": 0.04, "acc_drop": 0.08}, 0.9, 0.8, 10.0, k=1)
    assert got.accuracy.point == pytest.approx(0.70)  # run d alone
    floored = expected_accuracy(runs, curves, {"index_value": 0.04, "acc_drop": 0.08}, 0.9, 0.8, 10.0, k=1,
                                floor_acc=0.82)  # fmt: skip
    assert floored.accuracy.point == pytest.approx(0.82) and floored.p_reach_target == 1.0


def test_a_budget_past_the_cap_is_read_at_the_end_and_said():
    runs, curves = runs_and_curves()
    got = expected_accuracy(runs, curves, {"index_value": 0.01}, 0.9, 0.5, 50.0, k=1)
    assert got.capped and got.accuracy.point == pytest.approx(0.89)


@pytest.mark.parametrize("budget", [0.0, -1.0, float("nan"), float("inf")])
def test_a_bad_budget_is_refused(budget):
    runs, curves = runs_and_curves()
    with pytest.raises(RecordsError, match="positive number of epochs"):
        expected_accuracy(runs, curves, {"index_value": 0.01}, 0.9, 0.5, budget)


def test_runs_without_curves_are_refused():
    runs, curves = runs_and_curves()
    with pytest.raises(RecordsError, match="no calibration run has an evaluation curve"):
        expected_accuracy(runs, curves.iloc[0:0], {"index_value": 0.01}, 0.9, 0.5, 10.0)
