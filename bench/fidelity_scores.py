"""The figures of ``bench/forecast_fidelity.py`` from held-out forecasts: scores, clustered confidence intervals,
coverage by shift type, and the headline the product quotes (which ``tests/forecast/test_published.py`` recomputes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from fidelity_families import verdict

from resque_core.forecast.ceiling import rank_ceiling
from resque_core.forecast.fidelity import (
    HeldOut,
    bootstrap_ci,
    case_means,
    cluster_resample,
    paired_difference,
    spearman,
)

PRODUCT = "product"


def score(held: HeldOut, cases: np.ndarray, families: np.ndarray) -> dict:
    """The held-out figures of one predictor (epochs; Spearman on runs and on case means, within families)."""
    return {
        "mae_epochs": held.mae,
        "mae_log_epochs": held.mae_log,
        "coverage_80": held.coverage,
        "width_80": held.width,
        "spearman_runs": within_families(held.point, held.observed, families),
        "spearman_case_means": case_spearman(held, cases, families),
    }


def within_families(point: np.ndarray, observed: np.ndarray, families: np.ndarray) -> float:
    """Spearman within each family, averaged weighted by its runs (or cases): families differ in epoch
    scale, so a pooled rank correlation would reward telling families apart, not forecasting."""
    families = np.asarray(families, dtype=str)
    parts = [(spearman(point[families == f], observed[families == f]), (families == f).sum()) for f in set(families)]
    parts = [(rho, n) for rho, n in parts if np.isfinite(rho)]
    return float(sum(rho * n for rho, n in parts) / sum(n for _, n in parts)) if parts else float("nan")


def case_spearman(held: HeldOut, cases: np.ndarray, families: np.ndarray, rows: np.ndarray | None = None) -> float:
    """Spearman of the held-out forecasts' case means against the observed case means, within families."""
    rows = np.arange(len(cases)) if rows is None else rows
    table = pd.DataFrame({"case": np.asarray(cases, dtype=str)[rows], "family": np.asarray(families, dtype=str)[rows],
                          "point": held.point[rows], "observed": held.observed[rows]})  # fmt: skip
    means = table.groupby(["family", "case"], sort=True)[["point", "observed"]].mean().reset_index()
    return within_families(means["point"].to_numpy(), means["observed"].to_numpy(), means["family"].to_numpy())


def case_replicates(cases: np.ndarray, types: np.ndarray, families: np.ndarray, reps: int, rng) -> list:
    """Cluster-bootstrap replicates of the cases, in ``case_means`` order, resampling whole types and families."""
    table = pd.DataFrame({"case": cases.astype(str), "type": types, "family": families}).drop_duplicates("case")
    table = table.sort_values("case")
    factors = (table["type"].to_numpy(dtype=str), table["family"].to_numpy(dtype=str))
    return [cluster_resample(factors, rng) for _ in range(reps)]


def confidence(held: dict[str, HeldOut], cases, types, families, runs, args, rng) -> dict:
    """Type- (and family-) clustered CIs of the product's figures and of its paired differences."""
    replicates = [cluster_resample((types, families), rng) for _ in range(args.bootstrap)]
    by_run = [cluster_resample((np.arange(len(runs)).astype(str),), rng) for _ in range(args.bootstrap)]
    product = held[PRODUCT]
    out = {
        "mae_epochs_ci": bootstrap_ci(lambda r: product.take(r).mae, replicates),
        "coverage_80_ci": bootstrap_ci(lambda r: product.take(r).coverage, replicates),
        "coverage_80_ci_runs": bootstrap_ci(lambda r: product.take(r).coverage, by_run),
    }
    case_reps = case_replicates(cases, types, families, args.bootstrap, rng)
    point, observed = case_means(product.point, cases), case_means(product.observed, cases)
    family = pd.Series(np.asarray(families, dtype=str)).groupby(np.asarray(cases, dtype=str)).first().to_numpy()
    statistic = lambda r: within_families(point[r], observed[r], family[r])  # noqa: E731
    out["spearman_case_means_ci"] = bootstrap_ci(statistic, case_reps)
    for name, other in held.items():
        if name == PRODUCT:
            continue
        out[f"mae_epochs_{name}_ci"] = bootstrap_ci(lambda r, h=other: h.take(r).mae, replicates)
        out[f"paired_diff_vs_{name}"], out[f"paired_diff_vs_{name}_ci"] = paired_difference(product, other, replicates)
        out[f"paired_diff_log_vs_{name}_ci"] = paired_difference(product, other, replicates, log=True)[1]
    if "acc_drop" in held:
        out["paired_diff_vs_acc_drop_ci_runs"] = paired_difference(product, held["acc_drop"], by_run)[1]
    if "index_free" in held and "mean_conf" in held:  # the label-free signals against each other
        diff, ci = paired_difference(held["index_free"], held["mean_conf"], replicates)
        out.update(paired_diff_index_free_vs_mean_conf=diff, paired_diff_index_free_vs_mean_conf_ci=ci)
        out["index_free_vs_mean_conf"] = verdict(ci)
    return out


def coverage_by_type(runs: pd.DataFrame, product: HeldOut) -> dict:
    """Coverage of the product's intervals by shift type (all families) and by family x type, with run counts;
    the worst of each beside the mean."""
    table = pd.DataFrame({"family": runs["family"].astype(str), "type": runs["shift_type"].astype(str),
                          "covered": product.covered.astype(float)})  # fmt: skip
    by_type = table.groupby("type")["covered"].agg(["mean", "size"])
    by_cell = table.groupby(["family", "type"])["covered"].agg(["mean", "size"])
    worst, cell = by_type["mean"].idxmin(), by_cell["mean"].idxmin()
    return {
        "coverage_80_min_type": float(by_type["mean"].min()),
        "coverage_80_min_type_name": worst,
        "coverage_80_min_family_type": float(by_cell["mean"].min()),
        "coverage_80_min_family_type_name": f"{cell[0]} | {cell[1]}",
        "coverage_80_by_type": {
            t: {"coverage_80": float(r["mean"]), "n": int(r["size"])} for t, r in by_type.iterrows()
        },
        "coverage_80_by_family_type": [
            {"family": f, "shift_type": t, "coverage_80": float(r["mean"]), "n": int(r["size"])}
            for (f, t), r in by_cell.iterrows()
        ],
    }


def headline(runs: pd.DataFrame, held: dict[str, HeldOut], cases: np.ndarray) -> dict:
    """The point figures the product quotes, from held-out forecasts (what ``tests/forecast/test_published.py``
    recomputes): MAE, coverage (mean and worst type), Spearman on case means, the paired difference to the
    accuracy drop, and the rank-based noise ceiling within families."""
    families, product = runs["family"].to_numpy(dtype=str), held[PRODUCT]
    out = {"mae_epochs": product.mae, "coverage_80": product.coverage,
           "spearman_case_means": case_spearman(product, cases, families)}  # fmt: skip
    out.update({k: v for k, v in coverage_by_type(runs, product).items() if not k.endswith("_by_family_type")})
    if "acc_drop" in held:
        out["mae_epochs_acc_drop"] = held["acc_drop"].mae
        out["paired_diff_vs_acc_drop"] = paired_difference(product, held["acc_drop"], [])[0]
    seeds = runs["seed"] if "seed" in runs else pd.Series(np.arange(len(runs)))
    ceiling = rank_ceiling(runs["epochs"].to_numpy(dtype=float), cases, families, seeds.astype(str).to_numpy())
    out.update(ceiling_spearman_runs=ceiling.spearman_runs, ceiling_spearman_case_means=ceiling.spearman_case_means)
    out["ceiling_per_family"] = ceiling.per_family
    return out
