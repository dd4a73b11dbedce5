"""The team's target: epochs (and their cost) until the new-data accuracy reaches T, read off each run's curve."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from resque_core.cli import main
from resque_core.commands.target_args import DEFAULT_DROP_TEXT
from resque_core.errors import RecordsError
from resque_core.forecast.curves import curves_path, write_curves_csv
from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.targets import (
    DEFAULT_DROP,
    DEFAULT_TARGET,
    RECORDS_RULE,
    Target,
    at_target,
    target_of,
    unreached_among,
)
from tests.records_fixtures import INTENSITY_G_PER_KWH, KWH_PER_EPOCH, SECONDS_PER_EPOCH, synthetic_records

BASE = 0.95
RATE = 0.02  # accuracy (a share) gained gained per epoch, until the run's ceiling
CAP = 20.0
STUCK = 6  # the runs with the largest index level off below the clean accuracy


def _records_and_curves(n: int = 40) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs starting at BASE - 3 x index and rising linearly by RATE an epoch (half-epoch evaluations, to the
    cap) to a ceiling of BASE + 0.01, or of BASE - 0.01 for the STUCK runs with the largest index."""
    records = synthetic_records(n, cap=CAP)
    records["base_acc"] = BASE
    records["start_acc"] = BASE - 3 * records["index_value"]
    records["acc_drop"] = 3 * records["index_value"]
    stuck = set(records["index_value"].nlargest(STUCK).index)
    points = []
    for i, row in records.iterrows():
        ceiling = BASE - 0.01 if i in stuck else BASE + 0.01
        for epoch in np.arange(0.0, CAP + 0.25, 0.5):
            acc = min(ceiling, row["start_acc"] + RATE * epoch)
            points.append(
                {
                    "run_id": row["run_id"],
                    "epoch": epoch,
                    "val_acc": acc,
                    "seconds": SECONDS_PER_EPOCH * epoch,
                    "energy_kwh": KWH_PER_EPOCH * epoch,
                }
            )
    return records, pd.DataFrame(points)


def test_each_run_is_read_at_the_target_on_its_curve_with_its_cost_and_censored_where_never_reached():
    records, curves = _records_and_curves()
    stuck = records["index_value"].nlargest(STUCK).index
    at = at_target(records, curves, Target.acc(0.95)).frame.set_index("run_id")
    for _, row in records.iterrows():
        got = at.loc[row["run_id"]]
        if row.name in stuck:  # levels off at 0.94: spends its whole cap, counted at it
            assert got["censored"] == 0 and got["reached"] == 0 and got["epochs"] == pytest.approx(CAP)
        else:
            assert got["censored"] == 0
            assert got["epochs"] == pytest.approx(150 * row["index_value"], abs=1e-9)
        assert got["seconds"] == pytest.approx(SECONDS_PER_EPOCH * got["epochs"])
        assert got["kwh"] == pytest.approx(KWH_PER_EPOCH * got["epochs"])
        assert got["co2_kg"] == pytest.approx(got["kwh"] * INTENSITY_G_PER_KWH / 1000)
        assert got["target_acc"] == pytest.approx(0.95) and got["target_rule"] == "acc >= 0.95"
        assert pd.isna(got["grad_norm"]) and pd.isna(got["param_change"])


def test_a_drop_target_is_relative_to_each_runs_clean_accuracy_and_a_run_already_there_needs_no_epoch():
    records, curves = _records_and_curves()
    records.loc[0, "start_acc"] = BASE - 0.01  # already within 2 points
    curves.loc[curves["run_id"] == records.loc[0, "run_id"], "val_acc"] = BASE - 0.01
    at = at_target(records, curves, DEFAULT_TARGET).frame.set_index("run_id")
    first = at.loc[records.loc[0, "run_id"]]
    assert first["epochs"] == 0 and first["seconds"] == 0 and first["censored"] == 0
    second = records.iloc[1]
    expected = max(150 * second["index_value"] - 1, 0.0)  # (T - start) / RATE with T = BASE - 0.02
    assert at.loc[second["run_id"], "epochs"] == pytest.approx(expected, abs=1e-9)
    assert at.loc[second["run_id"], "target_acc"] == pytest.approx(BASE - DEFAULT_DROP)


def test_records_without_curves_answer_their_own_rule_and_say_so_and_runs_without_a_curve_are_counted():
    records, curves = _records_and_curves()
    plain = at_target(records, None, Target.acc(0.95))
    assert plain.target == RECORDS_RULE and plain.frame is records
    assert "carry no evaluation curves" in plain.note and "accuracy 0.95" in plain.note
    partial = at_target(records, curves[curves["run_id"] != "syn-0-3"], Target.acc(0.95))
    assert len(partial.frame) == len(records) - 1 and partial.n_without_curve == 1
    assert "1 run(s) without an evaluation curve" in partial.note
    assert at_target(records, curves, RECORDS_RULE).frame is records


def test_the_runs_most_like_the_users_say_how_many_never_reached_the_target():
    records, curves = _records_and_curves()
    at = at_target(records, curves, Target.acc(0.95)).frame
    high, low = records["index_value"].max(), records["index_value"].min()
    near_stuck, near_easy = unreached_among(at, ["index_value"], np.array([[high], [low]]), Target.acc(0.95), k=10)
    assert (near_stuck.n_unreached, near_stuck.n_similar) == (STUCK, 10) and near_stuck.at_cap
    assert (
        near_stuck.sentence()
        == f"{STUCK} of 10 similar runs had not reached accuracy 0.95 on the new data after 20 epochs"
    )
    assert near_easy.n_unreached == 0 and near_easy.share == 0.0
    assert near_easy.sentence() == "all 10 similar runs reached accuracy 0.95 on the new data"


def test_the_forecaster_answers_the_target_it_is_asked_and_the_two_targets_differ_by_their_two_points():
    records, curves = _records_and_curves()
    by_acc = Forecaster().fit(records, curves=curves, target=Target.acc(0.95)).predict(0.04, acc_drop=0.12)
    by_drop = Forecaster().fit(records, curves=curves).predict(0.04, acc_drop=0.12)
    assert by_acc.target == "accuracy 0.95 on the new data"
    assert by_drop.target == "within 2 points of the old model's clean accuracy"
    assert by_acc.measures["epochs"].point == pytest.approx(6.0, abs=0.4)  # 150 x 0.04
    assert by_drop.measures["epochs"].point == pytest.approx(5.0, abs=0.4)  # 150 x 0.04 - 1
    assert by_acc.unreached.n_unreached == 0 and by_acc.target_note is None
    payload = by_acc.to_dict()
    assert payload["target"] == by_acc.target and payload["unreached"]["n_similar"] == 10


def test_the_forecast_command_takes_the_target_as_an_accuracy_or_a_drop(tmp_path, capsys):
    records, curves = _records_and_curves()
    path = tmp_path / "history.csv"
    records.to_csv(path, index=False)
    write_curves_csv(curves, curves_path(path))
    answers = {}
    for flag, value in (("--target-acc", "0.95"), ("--target-drop", "0.02")):
        for index in (0.05, 0.1):
            argv = ["forecast", "--records", str(path), "--index", str(index), "--acc-drop", str(3 * index)]
            assert main([*argv, flag, value, "--json"]) == 0
            answers[flag, index] = json.loads(capsys.readouterr().out)
    acc, drop = answers["--target-acc", 0.05], answers["--target-drop", 0.05]
    assert acc["target"].startswith("accuracy 0.95") and drop["target"].startswith("within 2 points")
    assert acc["epochs"]["point"] == pytest.approx(7.5, abs=0.5) and drop["epochs"]["point"] == pytest.approx(
        6.5, abs=0.5
    )
    assert acc["unreached"]["n_unreached"] == drop["unreached"]["n_unreached"] == 0
    acc, drop = answers["--target-acc", 0.1], answers["--target-drop", 0.1]  # among the runs that level off at 0.94
    assert acc["unreached"]["n_unreached"] == STUCK and drop["unreached"]["n_unreached"] == 0
    assert "had not reached accuracy 0.95 on the new data after 20 epochs" in acc["unreached"]["sentence"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--target-acc", "0.95", "--target-drop", "0.02"], "not allowed with argument"),
        (["--target-acc", "1.2"], "must be an accuracy in (0, 1]"),
        (["--target-acc", "0"], "must be an accuracy in (0, 1]"),
        (["--target-drop", "nan"], "must be a share in [0, 1)"),
        (["--target-drop", "-0.1"], "must be a share in [0, 1)"),
    ],
)
def test_a_bad_target_is_refused_in_one_line_before_anything_is_fitted(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["forecast", "--index", "0.05", *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_target_of_checks_what_the_api_is_given():
    assert target_of() == DEFAULT_TARGET and target_of(target_acc=0.9) == Target.acc(0.9)
    assert target_of(target_drop=0) == Target.drop(0.0)
    for kwargs, message in (
        ({"target_acc": 0.9, "target_drop": 0.02}, "not both"),
        ({"target_acc": float("inf")}, "finite"),
        ({"target_acc": "high"}, "must be a number"),
        ({"target_drop": 1.0}, r"\[0, 1\)"),
    ):
        with pytest.raises(RecordsError, match=message):
            target_of(**kwargs)
    assert DEFAULT_DROP_TEXT.startswith(f"{DEFAULT_DROP}:")


def test_the_report_says_the_target_and_how_many_similar_runs_never_reached_it():
    from resque_core.reporting.export import to_html
    from resque_core.reporting.scenario import Scenario, forecast_section

    records, curves = _records_and_curves()
    forecast = Forecaster().fit(records, curves=curves, target=Target.acc(0.95)).predict(0.1, acc_drop=0.3)
    section = forecast_section(forecast)
    assert section["target"] == f"target: accuracy 0.95 on the new data; {forecast.unreached.sentence()}"
    assert "had not reached accuracy 0.95" in section["target"]
    html = to_html([Scenario(name="t", forecast=section)])
    assert "target: accuracy 0.95 on the new data" in html
