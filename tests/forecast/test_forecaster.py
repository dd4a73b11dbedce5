"""The forecaster on synthetic records with a known relation: recovery, coverage, censoring, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from resque_core.errors import EnergyError, RecordsError
from resque_core.forecast.conformal import JackknifePlus, min_records, select_model
from resque_core.forecast.costing import Costing
from resque_core.forecast.fidelity import heldout_groups
from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.result import Interval
from tests.records_fixtures import KWH_PER_EPOCH, synthetic_records, true_epochs


def test_recovers_a_known_linear_relation():
    forecaster = Forecaster(model="linear").fit(synthetic_records(40, noise=1.0))
    grid = np.linspace(0.02, 0.09, 8)
    point, low, high = forecaster.predict_measure("epochs", grid)
    np.testing.assert_allclose(point, true_epochs(grid), atol=1.2)
    slope = (point[-1] - point[0]) / (grid[-1] - grid[0])
    assert slope == pytest.approx(300, rel=0.05)
    assert (low <= point).all() and (point <= high).all()


def test_auto_model_picks_the_line_on_linear_data_and_reports_fit_quality():
    forecaster = Forecaster().fit(synthetic_records(40))
    report = forecaster.fit_report_
    assert report.models["epochs"] == "linear"
    assert report.n_records == 40 and report.n_censored == 0
    assert report.spearman_epochs > 0.95
    assert report.heldout_scheme == "leave-one-shift-type-out"
    assert report.heldout_mae_epochs < 2.5  # noise sd 2: the MAE of the truth is 1.6
    assert 0.6 <= report.heldout_coverage_epochs <= 1.0
    assert set(report.models) == {"epochs", "grad_norm", "param_change", "seconds", "kwh", "co2_kg"}


def test_80_percent_intervals_reach_nominal_coverage_on_fresh_data():
    rng = np.random.default_rng(123)
    coverage = []
    for seed in range(25):
        forecaster = Forecaster(model="linear").fit(synthetic_records(30, seed=seed))
        x = rng.uniform(0.01, 0.1, 400)
        y = true_epochs(x) + rng.normal(0, 2.0, 400)
        _, low, high = forecaster.predict_measure("epochs", x)
        coverage.append(np.mean((low <= y) & (y <= high)))
    assert 0.72 <= np.mean(coverage) <= 0.88


def test_cv_plus_and_jackknife_plus_agree_roughly():
    records = synthetic_records(40)
    jack = Forecaster(model="linear").fit(records).predict(0.05).measures["epochs"]
    cv = Forecaster(model="linear", method="cv+").fit(records).predict(0.05).measures["epochs"]
    assert cv.point == pytest.approx(jack.point)
    assert cv.high - cv.low == pytest.approx(jack.high - jack.low, rel=0.35)


def test_forecast_is_monotone_in_the_index():
    forecaster = Forecaster().fit(synthetic_records(40))
    grid = np.linspace(0.0, 0.12, 30)
    for measure in ("epochs", "kwh", "grad_norm"):
        for values in forecaster.predict_measure(measure, grid):
            assert (np.diff(values) >= -1e-12).all(), measure


def test_predict_before_fit_is_a_clear_error():
    with pytest.raises(RecordsError, match="not fitted yet"):
        Forecaster().predict(0.1)


def test_extrapolation_is_flagged_and_the_curve_stays_flat_beyond_the_data():
    forecaster = Forecaster(model="linear").fit(synthetic_records(20))
    low, high = forecaster.index_range_
    assert not forecaster.predict((low + high) / 2).extrapolated
    beyond, edge = forecaster.predict(high * 2), forecaster.predict(high)
    assert beyond.extrapolated and not edge.extrapolated
    assert beyond.measures["epochs"].point == pytest.approx(edge.measures["epochs"].point)
    assert forecaster.predict(low / 2).extrapolated


def test_array_index_gives_one_forecast_each():
    forecaster = Forecaster().fit(synthetic_records(20))
    forecasts = forecaster.predict([0.02, 0.08])
    assert [f.index for f in forecasts] == [0.02, 0.08]
    assert forecasts[0].measures["epochs"].point < forecasts[1].measures["epochs"].point


@pytest.mark.parametrize("index", [float("nan"), "abc", [[0.1]]])
def test_bad_index_is_a_clear_error(index):
    forecaster = Forecaster().fit(synthetic_records(10))
    with pytest.raises(RecordsError, match="index must be"):
        forecaster.predict(index)


def test_too_few_records_says_how_many_are_needed():
    with pytest.raises(RecordsError, match="needs at least 8 uncensored retraining runs with a dist index; got 5"):
        Forecaster().fit(synthetic_records(5))
    with pytest.raises(RecordsError, match="got 0"):
        Forecaster().fit(synthetic_records(20), index_kind="task")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"level": 1.2}, "level"),
        ({"method": "bootstrap"}, "unknown interval method"),
        ({"model": "gp"}, "unknown model"),
    ],
)
def test_bad_settings_fail_at_fit(kwargs, message):
    with pytest.raises(RecordsError, match=message):
        Forecaster(**kwargs).fit(synthetic_records(20))


def test_censored_runs_are_kept_out_of_the_fit_and_counted():
    records = synthetic_records(40, n_censored=6, cap=40.0)
    forecaster = Forecaster(model="linear").fit(records)
    assert forecaster.fit_report_.n_censored == 6
    assert forecaster.n_records_ == 34
    point, _, _ = forecaster.predict_measure("epochs", [0.05])
    assert point[0] == pytest.approx(true_epochs(0.05), abs=2.0)  # the cap did not drag the line down


def test_capped_scratch_runs_count_at_their_cap_and_make_a_lower_bound():
    records = synthetic_records(30, n_scratch=10)
    scratch = records["run_kind"] == "scratch"
    capped = records.index[scratch][:6]  # six of ten scratch runs stopped at a cap of 40 epochs
    records.loc[capped, ["epochs", "censored"]] = [40.0, 1]
    forecast = Forecaster().fit(records).predict(0.05)
    assert forecast.scratch_capped_share == pytest.approx(0.6)
    assert forecast.scratch["epochs"].point >= 35  # the capped runs are not dropped in favour of the fast ones
    assert "60%" in forecast.scratch_note() and "lower bound" in forecast.scratch_note()
    assert forecast.to_dict()["scratch_capped_share"] == pytest.approx(0.6)
    clean = Forecaster().fit(synthetic_records(30, n_scratch=10)).predict(0.05)
    assert clean.scratch_capped_share == 0 and clean.scratch_note() == ""


def test_scratch_cost_comes_with_an_interval():
    forecast = Forecaster().fit(synthetic_records(30, n_scratch=10)).predict(0.05)
    scratch = forecast.scratch["epochs"]
    assert scratch.low <= 30 <= scratch.high
    assert scratch.point == pytest.approx(30, abs=1.5)
    few = Forecaster().fit(synthetic_records(30, n_scratch=2)).predict(0.05).scratch["epochs"]
    assert few.low <= few.point <= few.high  # two runs: their range, no interval
    assert Forecaster().fit(synthetic_records(30)).predict(0.05).scratch == {}


def test_user_history_with_only_required_columns_forecasts_epochs_only():
    records = synthetic_records(20)[["index_kind", "index_value", "epochs", "censored", "run_kind"]]
    forecast = Forecaster().fit(records).predict(0.05)
    assert set(forecast.measures) == {"epochs"}
    assert forecast.source.energy == "unknown"
    data = forecast.to_dict()
    assert data["kwh"] is None and data["scratch"] is None


def test_source_labels_say_where_energy_comes_from():
    forecast = Forecaster().fit(synthetic_records(20), source="default").predict(0.05)
    assert (forecast.source.records, forecast.source.energy, forecast.source.energy_basis) == (
        "default",
        "estimated",
        "records",
    )
    assert forecast.measures["kwh"].point == pytest.approx(forecast.measures["epochs"].point * KWH_PER_EPOCH, rel=0.05)


def test_costing_converts_epochs_to_kwh_co2_and_money():
    costing = Costing(kwh_per_epoch=0.01, kwh_per_epoch_source="modeled", kwh_per_epoch_basis="profile x",
                      intensity_g_per_kwh=300.0, price_per_kwh=0.25)  # fmt: skip
    forecast = Forecaster().fit(synthetic_records(20)).predict(0.05, costing=costing)
    epochs, kwh = forecast.measures["epochs"], forecast.measures["kwh"]
    assert kwh == Interval(epochs.point * 0.01, epochs.low * 0.01, epochs.high * 0.01)
    assert forecast.measures["co2_kg"].high == pytest.approx(kwh.high * 0.3)
    assert forecast.measures["money"].point == pytest.approx(kwh.point * 0.25)
    assert forecast.source.energy == "modeled" and forecast.source.energy_basis == "profile x"
    assert forecast.source.intensity == "given (300 g/kWh)"


def test_hourly_rate_prices_the_time():
    costing = Costing(seconds_per_epoch=36.0, hourly_rate=2.0)
    forecast = Forecaster().fit(synthetic_records(20)).predict(0.05, costing=costing)
    assert forecast.measures["money"].point == pytest.approx(forecast.measures["epochs"].point * 36 / 3600 * 2)


@pytest.mark.parametrize(
    "kwargs",
    [{"kwh_per_epoch": -1.0}, {"intensity_g_per_kwh": float("nan")}, {"price_per_kwh": 1.0, "hourly_rate": 2.0},
     {"kwh_per_epoch": 1.0, "kwh_per_epoch_source": "guessed"}],
)  # fmt: skip
def test_bad_costing_is_an_energy_error(kwargs):
    with pytest.raises(EnergyError):
        Costing(**kwargs)


def test_jackknife_plus_needs_enough_records_for_its_level():
    assert min_records(0.8) == 4 and min_records(0.9) == 9
    with pytest.raises(RecordsError, match="needs at least 9 usable records"):
        JackknifePlus("linear", level=0.9).fit([0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4])


def test_loglinear_is_chosen_for_exponential_costs():
    rng = np.random.default_rng(4)
    x = rng.uniform(0.005, 0.08, 40)
    y = 3 * np.exp(30 * x) * np.exp(rng.normal(0, 0.2, 40))
    assert select_model(x, y, 0.8, "jackknife+").kind == "loglinear"


def test_heldout_groups_fall_back_to_leave_one_out():
    records = synthetic_records(12)
    assert heldout_groups(records)[1] == "leave-one-shift-type-out"
    assert heldout_groups(records.drop(columns="shift_type"))[1] == "leave-one-shift-out"
    assert heldout_groups(records.drop(columns=["shift_type", "shift"]))[1] == "leave-one-out"


def test_group_cv_plus_uses_one_fold_per_shift_type():
    records = synthetic_records(40)
    forecaster = Forecaster(method="group-cv+", model="linear").fit(records)
    assert forecaster.models_["epochs"].fold_of_.max() == 3  # four shift types
    forecast = forecaster.predict(0.05).measures["epochs"]
    assert forecast.low < true_epochs(0.05) < forecast.high
    one_type = Forecaster(method="group-cv+", model="linear").fit(records.assign(shift_type="one"))
    assert one_type.models_["epochs"].fold_of_.max() + 1 == records["shift"].nunique()  # one fold per shift
    with pytest.raises(RecordsError, match="at least 3 groups"):
        JackknifePlus("linear", method="group-cv+").fit(records["index_value"], records["epochs"], ["a", "b"] * 20)


def test_heldout_counts_censored_runs_as_covered_only_when_high_reaches_the_cap():
    from resque_core.forecast.fidelity import HeldOut

    held = HeldOut(
        "leave-one-out",
        observed=np.array([10.0, 40.0, 40.0]),
        point=np.array([12.0, 30.0, 30.0]),
        low=np.array([8.0, 25.0, 25.0]),
        high=np.array([15.0, 45.0, 35.0]),
        censored=np.array([False, True, True]),
    )
    assert held.covered.tolist() == [True, True, False]
    assert held.coverage == pytest.approx(2 / 3)
    assert held.mae == 2.0  # censored runs stay out of the MAE
    assert held.n_censored == 2


def test_grad_norm_ignores_runs_that_needed_no_training():
    records = synthetic_records(30)
    records.loc[:9, ["epochs", "grad_norm", "seconds", "kwh", "co2_kg"]] = 0.0  # target met before training
    forecaster = Forecaster().fit(records)
    assert forecaster.models_["grad_norm"].n_ == 20
    assert forecaster.models_["epochs"].n_ == 30
    assert forecaster.predict(0.05).measures["grad_norm"].low > 0.5


def test_known_shift_type_uses_its_own_curve():
    rng = np.random.default_rng(7)
    parts = []
    for shift_type, slope in (("steep", 400.0), ("flat", 50.0), ("mid", 200.0)):
        part = synthetic_records(15, seed=int(slope)).assign(shift_type=shift_type)
        part["epochs"] = 1.0 + slope * part["index_value"] + rng.normal(0, 0.5, 15)
        part["run_id"] = part["run_id"] + shift_type
        parts.append(part)
    forecaster = Forecaster(model="linear").fit(pd.concat(parts, ignore_index=True))
    assert set(forecaster.type_models_) == {"steep", "flat", "mid"}
    steep = forecaster.predict(0.08, shift_type="steep")
    flat = forecaster.predict(0.08, shift_type="flat")
    assert steep.measures["epochs"].point == pytest.approx(1 + 400 * 0.08, abs=2.0)
    assert flat.measures["epochs"].point == pytest.approx(1 + 50 * 0.08, abs=1.0)
    assert flat.source.curves == "shift type flat"
    assert forecaster.predict(0.08).source.curves == "pooled over all shift types"
    with pytest.raises(RecordsError, match="no curves for shift type 'frost'"):
        forecaster.predict(0.08, shift_type="frost")


def test_shift_type_for_names_only_types_with_their_own_curves():
    fitted = Forecaster().fit(synthetic_records(60))
    assert fitted.shift_type_for("gaussian_noise:3") == "gaussian_noise"
    assert fitted.shift_type_for("jpeg:2") is None  # not in these records: pooled curves
    assert fitted.shift_type_for(None) is None
    own = fitted.predict(0.05, shift_type="gaussian_noise")
    assert own.source.curves != fitted.predict(0.05).source.curves
