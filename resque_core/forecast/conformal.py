"""Monotone curves of one measure against one predictor, with jackknife+ / CV+ intervals.

Each curve (``forecast.monotone``; its leave-out refits: ``forecast.fold_curves``) is fitted in a "z space":
the measure itself (``linear``, ``isotonic``, ``constant``) or ``log(y + c)`` (``loglinear``, multiplicative
errors). The direction of monotonicity is decided once on all the data, so every leave-out refit bends the same
way and the interval bounds stay monotone too. Intervals follow Barber et al. (2021),
"Predictive inference with the jackknife+": with the fold models mu_-i and their held-out
residuals R_i, the bounds at x are the floor(a(n+1))-th smallest of mu_-i(x) - R_i and the
ceil((1-a)(n+1))-th smallest of mu_-i(x) + R_i, for a = 1 - level. Coverage is guaranteed
to be at least 1 - 2a and is about 1 - a in practice; it needs no distributional assumption.

With more than one predictor (``x`` of shape (n, p): e.g. the index and the accuracy drop), the curve
is additive and monotone in each predictor, ``z = log(y + c) = a + b_1 x_1 + ... + b_p x_p`` with each
``b_j`` of the sign the data gives that predictor alone (non-negative least squares); the intervals are
the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from resque_core.errors import RecordsError
from resque_core.forecast.fold_curves import fit_folds
from resque_core.forecast.monotone import ADDITIVE_KINDS, MODEL_KINDS, fit_curve

METHODS: tuple[str, ...] = ("jackknife+", "cv+", "group-cv+")
CV_FOLDS = 10


def min_records(level: float) -> int:
    """The fewest records for which a jackknife+ interval at ``level`` has finite bounds."""
    alpha = 1.0 - level
    return max(2, math.ceil(1.0 / alpha - 1.0 - 1e-9))


def _ranks(n: int, level: float) -> tuple[int, int]:
    alpha = 1.0 - level
    k_low = math.floor(alpha * (n + 1) + 1e-9)
    k_high = math.ceil((1.0 - alpha) * (n + 1) - 1e-9)
    if k_low < 1 or k_high > n:
        raise RecordsError(
            f"a {level:.0%} interval needs at least {min_records(level)} usable records, got {n}; "
            "add records or lower the level"
        )
    return k_low, k_high


def _directions(x: np.ndarray, z: np.ndarray) -> bool | tuple[bool, ...]:
    """Whether ``z`` grows with ``x`` (per column of a 2-D ``x``), decided once on all the data."""

    def grows(column: np.ndarray) -> bool:
        return bool(np.cov(column, z)[0, 1] >= 0) if len(z) > 1 and np.ptp(column) > 0 else True

    return tuple(grows(x[:, j]) for j in range(x.shape[1])) if x.ndim == 2 else grows(x)


def _as_predictors(x: Sequence[float] | np.ndarray) -> np.ndarray:
    """One predictor: a 1-D array; several: an (n, p) array (a single column becomes 1-D)."""
    x = np.asarray(x, dtype=float)
    return x[:, 0] if x.ndim == 2 and x.shape[1] == 1 else x


@dataclass(frozen=True)
class LogTransform:
    """``z = log(y + offset)`` (or the identity when ``offset`` is None); the offset keeps zeros finite."""

    offset: float | None = None

    def forward(self, y: np.ndarray) -> np.ndarray:
        return y if self.offset is None else np.log(y + self.offset)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return z if self.offset is None else np.exp(z) - self.offset


class JackknifePlus:
    """A monotone curve with jackknife+ (leave-one-out) or CV+ (K-fold) prediction intervals.

    Args:
        kind: one of ``MODEL_KINDS`` (one predictor) or ``ADDITIVE_KINDS`` (an (n, p) array of predictors).
        level: nominal coverage of the intervals, in (0, 1).
        method: ``"jackknife+"``, ``"cv+"`` (10 folds, for larger record sets) or ``"group-cv+"``
            (one fold per group, e.g. per shift type: the residuals then include what changes
            between groups, so the intervals hold for a group the records have not seen).
    """

    def __init__(self, kind: str = "linear", level: float = 0.8, method: str = "jackknife+") -> None:
        self.kind = kind
        self.level = level
        self.method = method

    def fit(self, x: Sequence[float], y: Sequence[float], groups: Sequence | None = None) -> JackknifePlus:
        """Fit the curve and its leave-out refits; ``groups`` (one label per run) for group-cv+."""
        x, y = _as_predictors(x), np.asarray(y, dtype=float)
        n = len(x)
        _ranks(n, self.level)
        positive = y[y > 0]
        offset = float(np.median(positive)) if len(positive) else 1.0
        self.transform_ = LogTransform(offset if self.kind in ("loglinear", *ADDITIVE_KINDS) else None)
        z = self.transform_.forward(y)
        self.increasing_ = _directions(x, z)
        self.curve_ = fit_curve(self.kind, x, z, self.increasing_)
        self.fold_of_ = _folds(n, self.method, groups)
        self.fold_curves_ = fit_folds(self.kind, x, z, self.increasing_, self.fold_of_)
        held_out_z = self.fold_curves_(x)[self.fold_of_, np.arange(n)]
        self.residuals_ = np.abs(z - held_out_z)
        self.loo_prediction_ = np.maximum(self.transform_.inverse(held_out_z), 0.0)
        self.loo_mae_ = float(np.mean(np.abs(y - self.loo_prediction_)))
        self.n_ = n
        return self

    def predict(self, x: float | Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Point, low and high at each ``x`` (rows of an (m, p) array for several predictors), clipped at 0."""
        x = np.atleast_1d(_as_predictors(x))
        k_low, k_high = _ranks(self.n_, self.level)
        at_x = self.fold_curves_(x)[self.fold_of_]  # (n, len(x))
        lows = np.sort(at_x - self.residuals_[:, None], axis=0)[k_low - 1]
        highs = np.sort(at_x + self.residuals_[:, None], axis=0)[k_high - 1]
        point = self.curve_(x)
        inverse = self.transform_.inverse
        point, low, high = (np.maximum(inverse(v), 0.0) for v in (point, lows, highs))
        return point, np.minimum(low, point), np.maximum(high, point)


def _folds(n: int, method: str, groups: Sequence | None) -> np.ndarray:
    if method == "jackknife+":
        return np.arange(n)
    if method == "cv+":
        return np.random.default_rng(0).permutation(n) % min(CV_FOLDS, n)
    if method == "group-cv+":
        labels = np.asarray(groups, dtype=object) if groups is not None else np.array([None] * n, dtype=object)
        if len(labels) != n or any(g is None or g != g for g in labels) or len(set(labels)) < 3:
            raise RecordsError("group-cv+ needs a group (shift_type) on every run and at least 3 groups")
        return np.unique(labels.astype(str), return_inverse=True)[1]
    raise RecordsError(f"unknown interval method {method!r}; use one of {', '.join(METHODS)}")


def select_model(
    x: Sequence[float],
    y: Sequence[float],
    level: float,
    method: str,
    kinds: Sequence[str] = MODEL_KINDS,
    groups: Sequence | None = None,
) -> JackknifePlus:
    """Fit each kind; keep the simplest whose leave-out MAE is within one standard error of the best.

    With several predictors (``x`` of shape (n, p)), ``kinds`` are replaced by ``ADDITIVE_KINDS``.

    The one-standard-error rule (Breiman et al., 1984) stops a flexible curve (isotonic) from
    winning on noise when a line predicts as well. ``kinds`` must be ordered simplest first.
    """
    x = _as_predictors(x)
    kinds = ADDITIVE_KINDS if x.ndim == 2 else kinds
    fits = [JackknifePlus(kind, level, method).fit(x, y, groups) for kind in kinds]
    best = min(fits, key=lambda fit: fit.loo_mae_)
    y = np.asarray(y, dtype=float)
    errors = np.abs(y - best.loo_prediction_)
    tolerance = float(np.std(errors, ddof=1) / np.sqrt(len(errors))) if len(errors) > 1 else 0.0
    return next(fit for fit in fits if fit.loo_mae_ <= best.loo_mae_ + tolerance)
