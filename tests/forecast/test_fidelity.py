"""The held-out machinery: leave a group out, resample whole clusters, pair two forecasts, the noise ceiling."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from resque_core.errors import RecordsError
from resque_core.forecast.ceiling import noise_ceiling, rank_ceiling, seed_icc
from resque_core.forecast.conformal import select_model
from resque_core.forecast.fidelity import (
    HeldOut,
    bootstrap_ci,
    case_means,
    cluster_resample,
    leave_group_out,
    leave_group_out_frame,
    paired_difference,
    spearman,
)

TYPES = np.repeat([f"type{i}" for i in range(8)], 15)


def fit_line(x, y, groups):
    return select_model(x, y, 0.8, "jackknife+", ("linear",), groups)


def held(observed, point, censored=None) -> HeldOut:
    observed, point = np.asarray(observed, dtype=float), np.asarray(point, dtype=float)
    censored = np.zeros(len(observed), dtype=bool) if censored is None else np.asarray(censored, dtype=bool)
    return HeldOut("test", observed, point, point - 1.0, point + 1.0, censored)


def test_an_exact_signal_is_forecast_without_error_when_its_type_is_held_out():
    x = np.tile(np.linspace(0.0, 1.0, 15), 8)
    result = leave_group_out(x, 2.0 + 10.0 * x, np.zeros(len(x)), TYPES, fit_line, "leave-one-shift-type-out")
    assert result.mae == pytest.approx(0.0, abs=1e-9)
    assert result.mae_log == pytest.approx(0.0, abs=1e-9)
    assert result.spearman == pytest.approx(1.0)


def test_a_frame_forecaster_never_sees_the_group_it_forecasts():
    runs = pd.DataFrame({"shift_type": TYPES, "a": np.tile(np.arange(15.0), 8), "censored": 0})
    runs["epochs"] = 3.0 * runs["a"] + 1.0
    seen = []

    def predict(train: pd.DataFrame, test: pd.DataFrame):
        seen.append((set(train["shift_type"]), set(test["shift_type"])))
        point = fit_line(train["a"], train["epochs"], None).predict(test["a"].to_numpy())[0]
        return point, point - 1, point + 1

    result = leave_group_out_frame(runs, runs["shift_type"].to_numpy(), predict, scheme="leave-one-shift-type-out")
    assert len(seen) == 8 and all(len(test) == 1 and not (train & test) for train, test in seen)
    assert result.mae == pytest.approx(0.0, abs=1e-9) and result.coverage == 1.0


def test_a_fold_that_cannot_be_fitted_names_the_group():
    runs = pd.DataFrame({"g": ["a", "b", "c"], "epochs": [1.0, 2.0, 3.0], "censored": 0})

    def refuse(train, test):
        raise RecordsError("too few runs")

    with pytest.raises(RecordsError, match="leaving out 'a': too few runs"):
        leave_group_out_frame(runs, runs["g"].to_numpy(), refuse)


def test_errors_leave_censored_runs_out_and_measure_log_epochs_and_width():
    h = held([0.0, 3.0, 40.0], [1.0, 7.0, 10.0], censored=[0, 0, 1])
    assert np.isnan(h.errors()[2]) and h.errors()[:2].tolist() == [1.0, 4.0]
    assert h.mae == 2.5
    assert h.mae_log == pytest.approx((math.log(2) + math.log(8 / 4)) / 2)
    assert h.width == 2.0
    assert h.take(np.array([1, 1])).mae == 4.0


def test_spearman_is_undefined_for_constant_values_and_ranks_otherwise():
    assert math.isnan(spearman([1, 1, 1, 1], [1, 2, 3, 4]))
    assert spearman([1, 2, 3, 4], [10, 20, 30, 400]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


def test_case_means_average_each_case_seeds():
    assert case_means([1.0, 3.0, 10.0, 20.0], np.array(["b", "b", "a", "a"])).tolist() == [15.0, 2.0]


def test_resampling_a_type_takes_all_its_runs_together():
    rng = np.random.default_rng(0)
    for _ in range(20):
        rows = cluster_resample((TYPES,), rng)
        counts = np.bincount(rows, minlength=len(TYPES)).reshape(8, 15)
        assert (counts == counts[:, :1]).all() and counts.sum() == len(TYPES)


def test_crossed_resampling_weighs_a_run_by_its_type_draws_times_its_family_draws():
    types = np.tile(np.repeat(["t0", "t1", "t2", "t3"], 3), 3)
    families = np.repeat(["cnn", "mlp", "resnet"], 12)
    rng = np.random.default_rng(1)
    for _ in range(20):
        counts = np.bincount(cluster_resample((types, families), rng), minlength=len(types))
        cells = pd.DataFrame({"t": types, "f": families, "n": counts}).groupby(["t", "f"])["n"]
        assert (cells.nunique() == 1).all()  # the seeds of one (type, family) travel together
        grid = cells.first().unstack().to_numpy()  # rows: types, columns: families
        assert grid.sum() > 0 and np.linalg.matrix_rank(grid) == 1  # an outer product: type draws x family draws


def test_a_cluster_bootstrap_is_wider_than_a_run_bootstrap_when_errors_cluster():
    rng = np.random.default_rng(2)
    clustered = np.repeat(rng.normal(0, 3, 8), 15) + rng.normal(0, 0.3, len(TYPES))
    independent = rng.normal(0, 3, len(TYPES))
    mean = lambda errors: lambda rows: float(np.mean(errors[rows]))  # noqa: E731
    width = lambda ci: ci[1] - ci[0]  # noqa: E731
    by_type = [cluster_resample((TYPES,), rng) for _ in range(500)]
    by_run = [cluster_resample((np.arange(len(TYPES)).astype(str),), rng) for _ in range(500)]
    assert width(bootstrap_ci(mean(clustered), by_type)) > 2.5 * width(bootstrap_ci(mean(clustered), by_run))
    ratio = width(bootstrap_ci(mean(independent), by_type)) / width(bootstrap_ci(mean(independent), by_run))
    assert 0.5 < ratio < 1.6  # without clusters the two agree roughly


def test_bootstrap_ci_is_none_when_the_statistic_is_mostly_undefined():
    replicates = [np.arange(5)] * 40
    assert bootstrap_ci(lambda rows: float("nan"), replicates) is None
    assert bootstrap_ci(lambda rows: 2.0, replicates) == [2.0, 2.0]


def test_paired_difference_is_zero_for_the_same_forecast_and_negative_when_closer_everywhere():
    observed = np.arange(1.0, 41.0)
    replicates = [cluster_resample((np.repeat(list("abcd"), 10),), np.random.default_rng(k)) for k in range(200)]
    same = held(observed, observed + 2.0)
    assert paired_difference(same, same, replicates) == (0.0, [0.0, 0.0])
    closer = held(observed, observed + 0.5)
    diff, ci = paired_difference(closer, same, replicates)
    assert diff == pytest.approx(-1.5) and ci == pytest.approx([-1.5, -1.5])
    _, log_ci = paired_difference(closer, same, replicates, log=True)
    assert log_ci[1] < 0


def test_seed_icc_matches_the_one_way_anova_by_hand():
    # cases (1, 3) and (5, 7): MSW = 2, MSB = 2 * (4 + 4) = 16, k0 = 2: ICC = (16 - 2) / (16 + 2)
    assert seed_icc([1.0, 3.0, 5.0, 7.0], np.array(["a", "a", "b", "b"])) == pytest.approx(14 / 18)
    assert seed_icc([1.0, 2.0, 1.0, 2.0], np.array(["a", "a", "b", "b"])) < 0  # all seed noise
    assert math.isnan(seed_icc([1.0, 2.0, 3.0], np.array(["a", "b", "c"])))  # no case has two seeds


def test_the_noise_ceiling_is_perfect_without_seed_noise():
    y = np.repeat(np.arange(10.0), 3)
    cases = np.repeat([f"c{i}" for i in range(10)], 3)
    ceiling = noise_ceiling(y, cases)
    assert ceiling.icc == pytest.approx(1.0) and ceiling.spearman_runs == pytest.approx(1.0)
    assert ceiling.mae_epochs == 0.0 and ceiling.mae_epochs_true_mean == 0.0
    assert ceiling.spearman_case_means == pytest.approx(1.0) and ceiling.n_runs == 30


def test_the_noise_ceiling_predicts_a_run_by_the_other_seeds_of_its_case():
    y = np.array([1.0, 2.0, 6.0, 10.0, 10.0, 13.0, 50.0])
    cases = np.array(["a", "a", "a", "b", "b", "b", "lonely"])
    ceiling = noise_ceiling(y, cases)
    others = np.array([4.0, 3.5, 1.5, 11.5, 11.5, 10.0])
    assert ceiling.n_runs == 6
    assert ceiling.mae_epochs == pytest.approx(np.mean(np.abs(others - y[:6])))
    spread = np.abs(y[:6] - np.array([3.0] * 3 + [11.0] * 3)) * math.sqrt(3 / 2)
    assert ceiling.mae_epochs_true_mean == pytest.approx(spread.mean())
    assert 0 < ceiling.icc < 1 and ceiling.corr_runs_true_mean == pytest.approx(math.sqrt(ceiling.icc))


def test_the_rank_ceiling_is_taken_within_families_so_epoch_scales_do_not_count():
    """Two families, seeds agree in rank within each; one family's epochs are 10x the other's. Pooled, a
    ceiling would rank the families apart; within them it is the seeds' own agreement."""
    rng = np.random.default_rng(0)
    rows = []
    for family, scale in (("a", 1.0), ("b", 10.0)):
        for case in range(12):
            for seed in range(3):
                rows.append((family, f"{family}{case}", str(seed), scale * (1 + case + rng.normal(0, 0.3))))
    families, cases, seeds, y = (np.array(c, dtype=object) for c in zip(*rows, strict=True))
    ceiling = rank_ceiling(y.astype(float), cases, families, seeds)
    assert set(ceiling.per_family) == {"a", "b"}
    assert 0.95 < ceiling.spearman_runs <= 1 and 0.98 < ceiling.spearman_case_means <= 1
    a = ceiling.per_family["a"]
    assert (a["n_runs"], a["n_cases"]) == (36, 12) and 0.9 < a["seed_pair_spearman"] <= 1
    k, rho = 3, a["seed_pair_spearman"]
    assert a["spearman_case_means"] == pytest.approx(math.sqrt(k * rho / (1 + (k - 1) * rho)))  # Spearman-Brown
    noise = rank_ceiling(rng.uniform(0, 10, size=len(y)), cases, families, seeds)  # seeds that agree on nothing
    assert noise.spearman_runs < 0.5 and not noise.spearman_case_means > 0.8
