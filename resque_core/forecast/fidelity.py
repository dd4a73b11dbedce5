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


def seed_icc(y: np.ndarray, cases: np.ndarray) -> float:
    """One-way intraclass correlation ICC(1) of ``y`` between cases (runs of a case differ only by seed).

    The share of the variance that lies between cases; 1 - ICC is the seed noise. Cases with a
    single run are left out; NaN when fewer than two cases have two runs.
    """
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "case": np.asarray(cases, dtype=str)}).dropna()
    frame = frame[frame.groupby("case")["y"].transform("size") >= 2]
    sizes = frame.groupby("case")["y"].size().to_numpy()
    n, g = len(frame), len(sizes)
    if g < 2:
        return float("nan")
    means = frame.groupby("case")["y"].transform("mean")
    within = float(((frame["y"] - means) ** 2).sum()) / (n - g)
    between = float((sizes * (frame.groupby("case")["y"].mean() - frame["y"].mean()) ** 2).sum()) / (g - 1)
    k0 = (n - float((sizes**2).sum()) / n) / (g - 1)
    total = between + (k0 - 1) * within
    return float((between - within) / total) if total > 0 else float("nan")


@dataclass(frozen=True)
class NoiseCeiling:
    """How well a forecaster that knew each case's mean could do, given the seed noise of the records.

    Attributes:
        icc: ICC(1) of epochs between cases (share of the variance that is not seed noise).
        icc_log: the same on log(1 + epochs).
        spearman_runs: Spearman of each run against the mean of the other seeds of its case.
        mae_epochs: MAE in epochs of that prediction.
        spearman_case_means: sqrt of the Spearman-Brown reliability of a case mean of the observed
            seeds (the correlation such a mean can have with the case's true mean; an approximation).
        corr_runs_true_mean: sqrt(icc), the correlation of one run with its case's true mean (what a
            forecaster that knew the true mean could reach on runs; a Pearson approximation).
        mae_epochs_true_mean: the MAE in epochs of that forecaster, estimated from each run's distance
            to its case mean (scaled by sqrt(k / (k - 1)) for the k seeds the mean was taken over).
        n_runs: runs whose case has another seed (the rest have no ceiling).
    """

    icc: float
    icc_log: float
    spearman_runs: float
    mae_epochs: float
    spearman_case_means: float
    corr_runs_true_mean: float
    mae_epochs_true_mean: float
    n_runs: int


def noise_ceiling(y: np.ndarray, cases: np.ndarray) -> NoiseCeiling:
    """Predict each run by the mean of the other seeds of its case; score it; measure the seed ICC."""
    y, cases = np.asarray(y, dtype=float), np.asarray(cases, dtype=str)
    by_case = pd.Series(y).groupby(cases)
    size, total = by_case.transform("size").to_numpy(), by_case.transform("sum").to_numpy()
    icc, icc_log, nan = seed_icc(y, cases), seed_icc(np.log1p(y), cases), float("nan")
    keep = size >= 2
    if not keep.any():
        return NoiseCeiling(icc, icc_log, nan, nan, nan, nan, nan, 0)
    y, size, total = y[keep], size[keep], total[keep]
    others = (total - y) / (size - 1)
    # |y - case mean| underestimates the seed noise by sqrt((k - 1) / k) for a mean over k seeds
    true_mean_errors = np.abs(y - total / size) * np.sqrt(size / (size - 1))
    seeds = float(np.mean(pd.Series(size).groupby(cases[keep]).first()))
    reliability = seeds * icc / (1 + (seeds - 1) * icc) if icc > 0 else nan
    return NoiseCeiling(
        icc=icc,
        icc_log=icc_log,
        spearman_runs=spearman(others, y),
        mae_epochs=float(np.mean(np.abs(others - y))),
        spearman_case_means=float(np.sqrt(reliability)),
        corr_runs_true_mean=float(np.sqrt(icc)) if icc > 0 else nan,
        mae_epochs_true_mean=float(np.mean(true_mean_errors)),
        n_runs=int(keep.sum()),
    )


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


@dataclass(frozen=True)
class RankCeiling:
    """The noise ceiling on ranks, taken within each model family (families differ in epoch scale).

    Attributes:
        spearman_runs: Spearman of each run against the mean of the other seeds of its case, within each
            family, averaged weighted by the family's runs (those whose case has another seed).
        spearman_case_means: the rank correlation a case mean of the observed seeds can reach with the case's
            true mean: the Spearman between two seeds of a case (averaged over seed pairs), stepped up by
            Spearman-Brown to the family's mean seeds per case, square-rooted; within each family, averaged
            weighted by its cases.
        per_family: family -> {"spearman_runs", "spearman_case_means", "seed_pair_spearman", "n_runs", "n_cases"}.
    """

    spearman_runs: float
    spearman_case_means: float
    per_family: dict


def rank_ceiling(y: np.ndarray, cases: np.ndarray, families: np.ndarray, seeds: np.ndarray) -> RankCeiling:
    """The rank-based noise ceiling of ``y`` (epochs), within each family, on runs and on case means."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "case": np.asarray(cases, dtype=str),
                          "family": np.asarray(families, dtype=str), "seed": np.asarray(seeds, dtype=str)})  # fmt: skip
    per_family = {family: _family_ceiling(part) for family, part in frame.groupby("family", sort=True)}
    return RankCeiling(
        _weighted(per_family, "spearman_runs", "n_runs"), _weighted(per_family, "spearman_case_means", "n_cases"),
        per_family,
    )  # fmt: skip


def _family_ceiling(part: pd.DataFrame) -> dict:
    ceiling = noise_ceiling(part["y"].to_numpy(), part["case"].to_numpy())
    seeds = part.pivot_table(index="case", columns="seed", values="y", aggfunc="first")
    pairs = [(a, b) for i, a in enumerate(seeds.columns) for b in seeds.columns[i + 1 :]]
    rhos = [spearman(*seeds[[a, b]].dropna().to_numpy().T) for a, b in pairs]
    rho = float(np.nanmean(rhos)) if np.isfinite(rhos).any() else float("nan")
    k = float(seeds.notna().sum(axis=1)[lambda s: s >= 2].mean()) if len(seeds) else float("nan")
    stepped = k * rho / (1 + (k - 1) * rho) if rho > 0 else float("nan")
    return {
        "spearman_runs": ceiling.spearman_runs,
        "spearman_case_means": float(np.sqrt(stepped)) if stepped > 0 else float("nan"),
        "seed_pair_spearman": rho,
        "n_runs": ceiling.n_runs,
        "n_cases": int((seeds.notna().sum(axis=1) >= 2).sum()),
    }


def _weighted(per_family: dict, key: str, weight: str) -> float:
    parts = [(f[key], f[weight]) for f in per_family.values() if np.isfinite(f[key]) and f[weight] > 0]
    return float(sum(v * n for v, n in parts) / sum(n for _, n in parts)) if parts else float("nan")
