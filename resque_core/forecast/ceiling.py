"""The noise ceiling: how well any forecast could rank runs when seeds of the same case disagree.

Each run is predicted by the other seeds of its case (``noise_ceiling``), in epochs and on case means; the
rank-based ceiling (``rank_ceiling``) is taken within each model family, so families' epoch scales do not
count, and combined weighted by runs or cases. Used by ``bench/forecast_fidelity.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from resque_core.forecast.fidelity import spearman

__all__ = ["NoiseCeiling", "RankCeiling", "noise_ceiling", "rank_ceiling", "seed_icc"]


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
