"""Held-out checks of a forecast: leave one shift type (or one run) out, predict it, score it; resample
whole clusters for its confidence intervals; compare two forecasts run by run; measure the seed noise.

Censored runs (the epoch cap was hit) only give a lower bound on the cost. They never
train a curve; when held out, they count as covered when the interval's high end reaches
the observed lower bound, and they are left out of the mean absolute error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from resque_core.errors import RecordsError


class IntervalModel(Protocol):
    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class HeldOut:
    """Held-out forecasts of one measure, one entry per run, in the measure's units.

    Attributes:
        scheme: "leave-one-shift-type-out" or "leave-one-out".
        observed, point, low, high: measured value and its held-out forecast and interval.
        censored: True where the observed value is only a lower bound.
    """

    scheme: str
    observed: np.ndarray
    point: np.ndarray
    low: np.ndarray
    high: np.ndarray
    censored: np.ndarray

    @property
    def covered(self) -> np.ndarray:
        inside = (self.low <= self.observed) & (self.observed <= self.high)
        return np.where(self.censored, self.high >= self.observed, inside)

    @property
    def coverage(self) -> float:
        """Share of held-out runs whose interval covers them (censored: high >= lower bound)."""
        return float(np.mean(self.covered))

    @property
    def mae(self) -> float:
        """Mean absolute error of the point forecasts over the uncensored runs."""
        keep = ~self.censored
        return float(np.mean(np.abs(self.point[keep] - self.observed[keep]))) if keep.any() else float("nan")

    @property
    def n_censored(self) -> int:
        return int(self.censored.sum())

    def errors(self, log: bool = False) -> np.ndarray:
        """Absolute error of each run's point forecast, in epochs or in log(1 + epochs); NaN when censored."""
        point, observed = (np.log1p(np.maximum(a, 0.0)) if log else a for a in (self.point, self.observed))
        return np.where(self.censored, np.nan, np.abs(point - observed))

    @property
    def mae_log(self) -> float:
        """Mean absolute error in log(1 + value) over the uncensored runs: every run weighs alike, cheap or dear."""
        errors = self.errors(log=True)
        return float(np.nanmean(errors)) if np.isfinite(errors).any() else float("nan")

    @property
    def width(self) -> float:
        """Mean width of the prediction intervals (high - low), in the measure's units."""
        return float(np.mean(self.high - self.low))

    @property
    def spearman(self) -> float:
        """Spearman of the held-out point forecasts against the observed values (censored at their bound)."""
        return spearman(self.point, self.observed)

    def take(self, rows: np.ndarray) -> HeldOut:
        """The held-out forecasts of ``rows`` (indices, repeats allowed)."""
        fields = (self.observed, self.point, self.low, self.high, self.censored)
        return HeldOut(self.scheme, *(a[rows] for a in fields))


def heldout_groups(frame: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Leave one shift type out (3+ types), else one shift out (3+ shifts, seeds kept together), else one run."""
    for column, scheme in (("shift_type", "leave-one-shift-type-out"), ("shift", "leave-one-shift-out")):
        values = frame[column] if column in frame else pd.Series([None] * len(frame), dtype=object)
        if values.notna().all() and values.nunique() >= 3:
            return values.to_numpy(dtype=object), scheme
    return np.arange(len(frame)), "leave-one-out"


def leave_group_out(
    x: np.ndarray,
    y: np.ndarray,
    censored: np.ndarray,
    groups: np.ndarray,
    fit: Callable[[np.ndarray, np.ndarray, np.ndarray], IntervalModel],
    scheme: str = "leave-one-group-out",
) -> HeldOut:
    """Fit on all groups but one (uncensored runs only), predict the left-out group, for each group.

    ``fit(x, y, groups)`` gets the training runs and their group labels.

    Raises:
        RecordsError: leaving a group out leaves too few runs to fit.
    """
    x, y, censored = (np.asarray(a, dtype=float) for a in (x, y, censored))
    censored = censored.astype(bool)
    point, low, high = (np.full(len(x), np.nan) for _ in range(3))
    for group in pd.unique(groups):
        out = groups == group
        train = ~out & ~censored & np.isfinite(y)
        try:
            model = fit(x[train], y[train], groups[train])
        except RecordsError as exc:
            raise RecordsError(f"held-out check, leaving out {group!r}: {exc}") from exc
        point[out], low[out], high[out] = model.predict(x[out])
    return HeldOut(scheme, y, point, low, high, censored)


def leave_group_out_frame(
    runs: pd.DataFrame,
    groups: np.ndarray,
    predict: Callable[[pd.DataFrame, pd.DataFrame], tuple[np.ndarray, np.ndarray, np.ndarray]],
    measure: str = "epochs",
    scheme: str = "leave-one-group-out",
    folds: Sequence | None = None,
) -> HeldOut:
    """Like ``leave_group_out``, for a forecaster that reads whole rows (several signals, not one ``x``).

    ``predict(train, test)`` fits on ``train`` (every run outside the group, censored ones included:
    the forecaster decides what to do with them) and returns point, low and high for ``test``.
    ``folds``: leave out only these groups (the other runs' forecasts stay NaN), to check a few folds.
    """
    groups = np.asarray(groups, dtype=object)
    point, low, high = (np.full(len(runs), np.nan) for _ in range(3))
    for group in pd.unique(groups) if folds is None else folds:
        out = groups == group
        try:
            point[out], low[out], high[out] = predict(runs[~out], runs[out])
        except RecordsError as exc:
            raise RecordsError(f"held-out check, leaving out {group!r}: {exc}") from exc
    observed, censored = runs[measure].to_numpy(dtype=float), runs["censored"].to_numpy(dtype=bool)
    return HeldOut(scheme, observed, point, low, high, censored)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation; NaN when either side is constant (undefined), without scipy's warning."""
    from scipy.stats import rankdata

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(rankdata(x), rankdata(y))[0, 1])


def case_means(values: np.ndarray, cases: np.ndarray) -> np.ndarray:
    """The mean of ``values`` over each case's runs (its seeds), one entry per case in sorted case order."""
    return pd.Series(np.asarray(values, dtype=float)).groupby(np.asarray(cases, dtype=str)).mean().to_numpy()


def cluster_resample(factors: Sequence[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Row indices of one bootstrap replicate that resamples whole clusters of every factor at once.

    Each factor (e.g. the shift type, the model family) has its levels drawn with replacement; a run
    is repeated as many times as the product of the draws of its levels (the crossed, "pigeonhole"
    bootstrap, Owen 2007). One factor of run ids is the ordinary bootstrap over runs. Errors that
    cluster by type are then resampled together, so the interval reflects how few types there are.
    """
    n = len(factors[0])
    while True:
        weights = np.ones(n, dtype=int)
        for labels in factors:
            inverse = np.unique(np.asarray(labels, dtype=str), return_inverse=True)[1]
            n_levels = int(inverse.max()) + 1
            weights *= np.bincount(rng.integers(0, n_levels, n_levels), minlength=n_levels)[inverse]
        if weights.any():
            return np.repeat(np.arange(n), weights)


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float], replicates: Sequence[np.ndarray], level: float = 0.95
) -> list[float] | None:
    """Percentile interval of ``statistic(rows)`` over bootstrap replicates (``cluster_resample``'s rows).

    Replicates where the statistic is undefined (NaN: e.g. a Spearman of constant values) are
    skipped; None when most of them are.
    """
    values = np.array([statistic(rows) for rows in replicates], dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < max(10, len(replicates) // 2):
        return None
    tail = 100 * (1 - level) / 2
    return [float(v) for v in np.percentile(values, [tail, 100 - tail])]


def paired_difference(
    product: HeldOut, baseline: HeldOut, replicates: Sequence[np.ndarray], log: bool = False
) -> tuple[float, list[float] | None]:
    """Mean over runs of (product's absolute error - baseline's), and its bootstrap interval.

    Negative: the product is closer. Each replicate takes the same runs for both (a paired
    comparison), so what the two share (a hard shift type) cancels out.
    """
    diff = product.errors(log) - baseline.errors(log)

    def mean(rows: np.ndarray) -> float:
        picked = diff[rows]
        return float(np.nanmean(picked)) if np.isfinite(picked).any() else float("nan")

    return mean(np.arange(len(diff))), bootstrap_ci(mean, replicates)
