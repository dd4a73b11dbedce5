"""The leave-out refits of a monotone curve, fitted and evaluated all at once.

Jackknife+ refits a curve once per run left out, and the forecaster does so inside every leave-one-type-out
fold: thousands of small fits per fit of the default calibration. A line (and a constant) is refitted for
every fold in a few array operations over a (folds, runs) mask, and so is an additive curve of two predictors
(its non-negative least squares in closed form); an isotonic curve shares the knots of all the runs (a fold's
are those its runs still hold). Other additive curves are refitted fold by fold. Each fold's curve is the one
``monotone.fit_curve`` fits on that fold's training runs (tests/forecast/test_fold_curves.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from resque_core.forecast.monotone import fit_curve, pava

__all__ = ["FoldCurves", "fit_folds"]

FoldCurves = Callable[[np.ndarray], np.ndarray]  # x (m,) or (m, p) -> the folds' curves at x, (folds, m)


def fit_folds(kind: str, x: np.ndarray, z: np.ndarray, increasing, fold_of: np.ndarray) -> FoldCurves:
    """The curves of ``kind`` fitted without each fold (``fold_of``: the fold of each run, 0..K-1)."""
    train = fold_of[None, :] != np.arange(int(fold_of.max()) + 1)[:, None]  # (folds, runs): fitted on
    if x.ndim == 1 and kind in ("constant", "linear", "loglinear"):
        return _lines(x, z, increasing, train, flat=kind == "constant")
    if x.ndim == 1 and kind == "isotonic":
        return _isotonic(x, z, increasing, train)
    if x.ndim == 2 and x.shape[1] == 2 and kind == "additive":
        return _additive_pair(x, z, increasing, train)
    curves = [fit_curve(kind, x[row], z[row], increasing) for row in train]
    return lambda new: np.stack([curve(new) for curve in curves])


def _lines(x: np.ndarray, z: np.ndarray, increasing: bool, train: np.ndarray, flat: bool) -> FoldCurves:
    """Each fold's least-squares line (flat where the fold's runs share one x, or for ``flat``), monotone."""
    counts = train.sum(axis=1)
    x_mean, z_mean = (np.where(train, v, 0.0).sum(axis=1) / counts for v in (x, z))
    low = np.where(train, x, np.inf).min(axis=1)
    high = np.where(train, x, -np.inf).max(axis=1)
    x_dev = np.where(train, x - x_mean[:, None], 0.0)
    z_dev = np.where(train, z - z_mean[:, None], 0.0)
    spread = np.einsum("kn,kn->k", x_dev, x_dev)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.einsum("kn,kn->k", x_dev, z_dev) / spread
    slope = np.where((high == low) | flat, 0.0, slope)
    slope = np.where((slope < 0) == increasing, 0.0, slope)  # against the direction: the best monotone line is flat
    columns = (a[:, None] for a in (x_mean, z_mean, slope, low, high))
    x_mean, z_mean, slope, low, high = columns
    # Flat beyond each fold's fitted indices, as isotonic is: a trend is not extended past the data.
    return lambda new: z_mean + slope * (np.clip(np.asarray(new, dtype=float)[None, :], low, high) - x_mean)


def _isotonic(x: np.ndarray, z: np.ndarray, increasing: bool, train: np.ndarray) -> FoldCurves:
    """Each fold's pooled-adjacent-violators curve, on the knots its runs hold (a mean where they hold one)."""
    knots, inverse = np.unique(x, return_inverse=True)
    curves = []
    for row in train:
        counts = np.bincount(inverse[row], minlength=len(knots))
        held = counts > 0
        if held.sum() == 1:
            curves.append((knots[held], np.array([np.mean(z[row])])))
            continue
        means = np.bincount(inverse[row], weights=z[row], minlength=len(knots))[held] / counts[held]
        curves.append((knots[held], pava(means, counts[held].astype(float), increasing)))
    return lambda new: np.stack([np.interp(np.asarray(new, dtype=float), k, f) for k, f in curves])


def _additive_pair(x: np.ndarray, z: np.ndarray, increasing: tuple[bool, ...], train: np.ndarray) -> FoldCurves:
    """Each fold's additive curve of two predictors: the non-negative least squares of ``monotone``'s, solved in
    closed form (the unconstrained pair when both weights keep their sign, else the better single predictor)."""
    signs = np.where(np.asarray(increasing, dtype=bool), 1.0, -1.0)
    counts = train.sum(axis=1)
    centre = np.stack([np.where(train, x[:, j], 0.0).sum(axis=1) for j in range(2)], axis=1) / counts[:, None]
    z_mean = np.where(train, z, 0.0).sum(axis=1) / counts
    low = np.stack([np.where(train, x[:, j], np.inf).min(axis=1) for j in range(2)], axis=1)
    high = np.stack([np.where(train, x[:, j], -np.inf).max(axis=1) for j in range(2)], axis=1)
    design = np.where(train[:, :, None], (x[None, :, :] - centre[:, None, :]) * signs, 0.0)  # (folds, runs, 2)
    gram = np.einsum("kni,knj->kij", design, design)
    moment = np.einsum("kni,kn->ki", design, np.where(train, z - z_mean[:, None], 0.0))
    weights = _nonnegative_pair(gram, moment) * signs
    # Flat beyond the fitted range of each predictor, as the one-predictor curves are.
    return lambda new: (
        z_mean[:, None]
        + np.einsum(
            "kmj,kj->km",
            np.clip(np.atleast_2d(np.asarray(new, dtype=float))[None], low[:, None], high[:, None]) - centre[:, None],
            weights,
        )
    )


def _nonnegative_pair(gram: np.ndarray, moment: np.ndarray) -> np.ndarray:
    """argmin over w >= 0 of w'Gw - 2c'w for each fold's 2x2 ``gram`` G and ``moment`` c, as (folds, 2)."""
    g00, g01, g11 = gram[:, 0, 0], gram[:, 0, 1], gram[:, 1, 1]
    c0, c1 = moment[:, 0], moment[:, 1]
    det = g00 * g11 - g01 * g01
    with np.errstate(divide="ignore", invalid="ignore"):
        pair = np.stack([(g11 * c0 - g01 * c1) / det, (g00 * c1 - g01 * c0) / det], axis=1)
        alone = np.stack(
            [np.where(g00 > 0, np.maximum(c0, 0.0) / g00, 0.0), np.where(g11 > 0, np.maximum(c1, 0.0) / g11, 0.0)],
            axis=1,
        )
    first = alone[:, 0] * c0 >= alone[:, 1] * c1  # the larger drop of the objective, c_j^2 / G_jj
    single = np.where(first[:, None], alone * [1.0, 0.0], alone * [0.0, 1.0])
    usable = (det > 1e-12 * g00 * g11) & (pair >= 0).all(axis=1)
    return np.where(usable[:, None], pair, single)
