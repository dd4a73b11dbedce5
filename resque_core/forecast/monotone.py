"""Monotone curves of one measure against one predictor (or an additive curve against several).

The curve families the forecaster picks from: ``constant``, ``linear`` (also the ``loglinear`` family's, in its
log space), ``isotonic`` (pool adjacent violators) and ``additive`` (several predictors, each weight of its own
sign). Each is flat beyond the fitted predictors: a trend is not extended past the data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from resque_core.errors import RecordsError

__all__ = ["ADDITIVE_KINDS", "MODEL_KINDS", "Curve", "fit_curve", "pava"]

MODEL_KINDS: tuple[str, ...] = ("constant", "linear", "loglinear", "isotonic")  # simplest first
ADDITIVE_KINDS: tuple[str, ...] = ("additive",)  # for 2+ predictors
Curve = Callable[[np.ndarray], np.ndarray]


def fit_curve(kind: str, x: np.ndarray, z: np.ndarray, increasing: bool | tuple[bool, ...]) -> Curve:
    """Fit a curve of ``z`` against ``x`` that is monotone in the given direction (one per column of a 2-D ``x``)."""
    if kind in ADDITIVE_KINDS:
        return _additive(x, z, increasing)
    if kind == "constant" or np.ptp(x) == 0:
        mean = float(np.mean(z))
        return lambda new: np.full(np.shape(new), mean)
    if kind in ("linear", "loglinear"):
        x_mean, z_mean = float(np.mean(x)), float(np.mean(z))
        slope = float(np.dot(x - x_mean, z - z_mean) / np.dot(x - x_mean, x - x_mean))
        if (slope < 0) == increasing and slope != 0:
            slope = 0.0  # the data disagrees with the direction: the best monotone line is flat
        low, high = float(np.min(x)), float(np.max(x))
        # Flat beyond the fitted indices, as isotonic is: a trend is not extended past the data.
        return lambda new: z_mean + slope * (np.clip(np.asarray(new, dtype=float), low, high) - x_mean)
    if kind == "isotonic":
        return _isotonic(x, z, increasing)
    raise RecordsError(f"unknown model {kind!r}; use one of {', '.join(MODEL_KINDS)}")


def _isotonic(x: np.ndarray, z: np.ndarray, increasing: bool) -> Curve:
    knots, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=z) / counts
    fitted = pava(means, counts.astype(float), increasing)
    return lambda new: np.interp(np.asarray(new, dtype=float), knots, fitted)


def pava(values: np.ndarray, weights: np.ndarray, increasing: bool = True) -> np.ndarray:
    """The weighted least-squares monotone fit of ``values`` (pool adjacent violators).

    sklearn's compiled routine, called without ``isotonic_regression``'s per-call validation (14 of the 31 s of
    a fit of the default calibration): the curves are refitted thousands of times per fit (jackknife+ inside
    leave-one-type-out). A pure-Python pass stands in where that routine is missing (a future sklearn)."""
    sign = 1.0 if increasing else -1.0
    fitted = np.ascontiguousarray(sign * np.asarray(values, dtype=np.float64))
    weights = np.ascontiguousarray(np.asarray(weights, dtype=np.float64))
    try:
        from sklearn._isotonic import _inplace_contiguous_isotonic_regression
    except ImportError:
        return sign * _pava_python(fitted, weights)
    fitted, weights = fitted.copy(), weights.copy()
    _inplace_contiguous_isotonic_regression(fitted, weights)
    return sign * fitted


def _pava_python(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pool adjacent violators (increasing), in pure Python."""
    level, weight, size = [], [], []  # one pooled block per entry
    for v, w in zip(values.tolist(), weights.tolist(), strict=True):
        level.append(v)
        weight.append(w)
        size.append(1)
        while len(level) > 1 and level[-2] > level[-1]:
            w_total = weight[-2] + weight[-1]
            level[-2] = (level[-2] * weight[-2] + level[-1] * weight[-1]) / w_total
            weight[-2], size[-2] = w_total, size[-2] + size[-1]
            del level[-1], weight[-1], size[-1]
    return np.repeat(level, size)


def _additive(x: np.ndarray, z: np.ndarray, increasing: tuple[bool, ...]) -> Curve:
    """``mean + sum_j b_j (x_j - mean_j)``, least squares with each ``b_j`` of its own sign (NNLS)."""
    from scipy.optimize import nnls

    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise RecordsError(f"an additive curve needs 2 or more predictors per run, got an array of shape {x.shape}")
    signs = np.where(np.asarray(increasing, dtype=bool), 1.0, -1.0)
    centre, z_mean = x.mean(axis=0), float(np.mean(z))
    low, high = x.min(axis=0), x.max(axis=0)
    weights = nnls((x - centre) * signs, z - z_mean)[0] * signs
    # Flat beyond the fitted range of each predictor, as the one-predictor curves are.
    return lambda new: z_mean + (np.clip(np.atleast_2d(np.asarray(new, dtype=float)), low, high) - centre) @ weights
