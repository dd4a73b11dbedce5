"""Every fold's curve of ``fit_folds`` is the curve ``fit_curve`` fits on that fold's runs alone."""

from __future__ import annotations

import numpy as np
import pytest

from resque_core.forecast.conformal import _folds
from resque_core.forecast.fold_curves import fit_folds
from resque_core.forecast.monotone import fit_curve


def _one_by_one(kind, x, z, increasing, fold_of, at):
    curves = [fit_curve(kind, x[fold_of != k], z[fold_of != k], increasing) for k in range(fold_of.max() + 1)]
    return np.stack([curve(at) for curve in curves])


def _data(rng, n, columns):
    x = rng.integers(0, 12, size=(n, columns)) / 10 if columns > 1 else rng.integers(0, 12, size=n) / 10
    z = (x.sum(axis=1) if columns > 1 else x) * rng.normal(1, 0.5) + rng.normal(size=n)
    return x, z


@pytest.mark.parametrize("kind", ["constant", "linear", "loglinear", "isotonic"])
@pytest.mark.parametrize("method", ["jackknife+", "cv+", "group-cv+"])
def test_one_predictor_folds_are_the_one_by_one_fits(kind, method):
    rng = np.random.default_rng(1)
    for trial in range(20):
        n = int(rng.integers(8, 40))
        x, z = _data(rng, n, 1)
        if trial == 0:
            x[1:] = x[0]  # every fold but the first run's sees one x: a constant curve
        fold_of = _folds(n, method, [f"type{i % 4}" for i in range(n)])
        at = np.linspace(-0.2, 1.4, 17)
        for increasing in (True, False):
            expected = _one_by_one(kind, x, z, increasing, fold_of, at)
            assert fit_folds(kind, x, z, increasing, fold_of)(at) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("method", ["jackknife+", "group-cv+"])
def test_two_predictor_folds_are_scipys_nonnegative_least_squares(method):
    rng = np.random.default_rng(2)
    for trial in range(40):
        n = int(rng.integers(8, 40))
        x, z = _data(rng, n, 2)
        if trial == 0:
            x[:, 1] = 0.5  # a predictor that never varies gets no weight
        if trial == 1:
            z = -z  # both weights clipped at zero
        fold_of = _folds(n, method, [f"type{i % 4}" for i in range(n)])
        at = rng.uniform(-0.2, 1.4, size=(9, 2))
        for increasing in ((True, True), (True, False), (False, True)):
            expected = _one_by_one("additive", x, z, increasing, fold_of, at)
            got = fit_folds("additive", x, z, increasing, fold_of)(at)
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)
