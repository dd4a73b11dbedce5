"""How well does the RESQUE index forecast retraining cost? Leave one shift type out, predict it, score it.

For every shift type: fit the forecaster's curves (monotone, jackknife+ intervals, curve family
picked by leave-one-out error, exactly as ``Forecaster`` does) on the runs of the *other* types,
then forecast the held-out type's runs. Ranking within a type therefore cannot carry the score.
The same is done with two baseline predictors in place of the index: the accuracy gap
(``acc_gap``: target minus the old model's accuracy on the new data) and the shift level alone.

Censored runs (epoch cap hit) never train a curve; held out, they count as covered when the
interval's high end reaches the cap, and stay out of the MAE. Spearman correlations use every
run, censored ones at their lower bound.

Usage:
    python bench/forecast_fidelity.py [--records PATH] [--kind dist] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import sys

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from resque_core.errors import ResqueError  # noqa: E402
from resque_core.forecast.conformal import MODEL_KINDS, select_model  # noqa: E402
from resque_core.forecast.fidelity import HeldOut, heldout_groups, leave_group_out  # noqa: E402
from resque_core.forecast.records import default_records, load_records_csv  # noqa: E402
from resque_core.jsonable import jsonable  # noqa: E402

PREDICTORS = {"index": "index_value", "level": "shift_level", "accgap": "acc_gap"}


def spearman_ci(x: np.ndarray, y: np.ndarray, reps: int, rng: np.random.Generator) -> tuple[float, float, float]:
    """Spearman's rho and a percentile bootstrap 95% CI (resampling runs)."""
    rho = float(spearmanr(x, y).statistic)
    boots = []
    for _ in range(reps):
        pick = rng.integers(0, len(x), len(x))
        if np.ptp(x[pick]) > 0 and np.ptp(y[pick]) > 0:
            boots.append(spearmanr(x[pick], y[pick]).statistic)
    low, high = np.percentile(boots, [2.5, 97.5])
    return rho, float(low), float(high)


def metric_ci(held: HeldOut, reps: int, rng: np.random.Generator) -> dict[str, list[float]]:
    """Bootstrap 95% CIs of the held-out MAE and coverage (resampling held-out runs)."""
    maes, covs = [], []
    for _ in range(reps):
        pick = rng.integers(0, len(held.observed), len(held.observed))
        sub = HeldOut(held.scheme, *(a[pick] for a in (held.observed, held.point, held.low, held.high, held.censored)))
        maes.append(sub.mae)
        covs.append(sub.coverage)
    return {
        "mae": [float(v) for v in np.nanpercentile(maes, [2.5, 97.5])],
        "coverage": [float(v) for v in np.percentile(covs, [2.5, 97.5])],
    }


def held_out(runs: pd.DataFrame, column: str, measure: str, args: argparse.Namespace, kinds=MODEL_KINDS) -> HeldOut:
    rows = runs[runs[column].notna() & runs[measure].notna()]
    fit = lambda x, y, g: select_model(x, y, args.level, args.method, kinds, g)  # noqa: E731
    groups, scheme = heldout_groups(rows)
    x, y, censored = rows[column].to_numpy(), rows[measure].to_numpy(), rows["censored"].to_numpy()
    return leave_group_out(x, y, censored, groups, fit, scheme)


def known_type(runs: pd.DataFrame, args: argparse.Namespace) -> dict | None:
    """A new level of a known shift type: that type's own curve vs the pooled curve vs the type's levels.

    Each (type, level) is left out with its seeds; the type's curve is fitted on its other levels,
    the pooled curve on every other run (other types included).
    """
    runs = runs[runs["shift_level"].notna()].reset_index(drop=True)
    if runs.empty or runs.groupby("shift_type")["shift_level"].nunique().min() < 4:
        return None
    fit = lambda x, y, g: select_model(x, y, args.level, args.method, MODEL_KINDS, g)  # noqa: E731
    scheme = "leave-one-level-out"
    own, levels = [], []
    for _, part in runs.groupby("shift_type", sort=True):
        groups, censored = part["shift"].to_numpy(dtype=object), part["censored"].to_numpy()
        own.append(leave_group_out(part["index_value"], part["epochs"], censored, groups, fit, scheme))
        levels.append(leave_group_out(part["shift_level"], part["epochs"], censored, groups, fit, scheme))
    order = np.argsort(runs.groupby("shift_type", sort=True).ngroup().to_numpy(), kind="stable")
    groups = runs["shift"].to_numpy(dtype=object)[order]
    x, y, censored = (runs[c].to_numpy()[order] for c in ("index_value", "epochs", "censored"))
    pooled = leave_group_out(x, y, censored, groups, fit, "leave-one-shift-out")
    result = {}
    for name, held in (("index_own_type", _concat(own)), ("index_pooled", pooled), ("level_own_type", _concat(levels))):
        result[f"mae_epochs_{name}"], result[f"coverage_80_{name}"] = held.mae, held.coverage
    return result


def _concat(parts: list[HeldOut]) -> HeldOut:
    fields = ("observed", "point", "low", "high", "censored")
    return HeldOut(parts[0].scheme, *(np.concatenate([getattr(p, f) for p in parts]) for f in fields))


def per_type(runs: pd.DataFrame, held: HeldOut) -> list[dict]:
    """Within-type Spearman and held-out scores of the index forecast of epochs, type by type."""
    rows = runs[runs["epochs"].notna()].reset_index(drop=True)
    out = []
    for shift_type, part in rows.groupby("shift_type", sort=True):
        idx = part.index.to_numpy()
        sub = HeldOut(held.scheme, *(a[idx] for a in (held.observed, held.point, held.low, held.high, held.censored)))
        rho = spearmanr(part["index_value"], part["epochs"]).statistic if part["index_value"].nunique() > 1 else None
        out.append(
            {
                "shift_type": shift_type,
                "n": len(part),
                "n_censored": sub.n_censored,
                "index_range": [float(part["index_value"].min()), float(part["index_value"].max())],
                "epochs_range": [float(part["epochs"].min()), float(part["epochs"].max())],
                "spearman_within": None if rho is None or math.isnan(rho) else float(rho),
                "mae_epochs": sub.mae,
                "coverage": sub.coverage,
            }
        )
    return out


def scratch_vs_retrain(frame: pd.DataFrame, kind: str) -> dict | None:
    """For each shift with a from-scratch run: does scratch cost more epochs (and kWh) than retraining?"""
    scratch = frame[(frame["run_kind"] == "scratch") & (frame["index_kind"] == kind)]
    retrain = frame[(frame["run_kind"] == "retrain") & (frame["index_kind"] == kind)]
    if scratch.empty:
        return None
    s = scratch.groupby("shift")[["epochs", "kwh"]].mean()
    r = retrain.groupby("shift")[["epochs", "kwh"]].mean()
    both = s.merge(r, left_index=True, right_index=True, suffixes=("_scratch", "_retrain"))
    if both.empty:
        return None
    return {
        "n_shifts": len(both),
        "scratch_more_epochs": int((both["epochs_scratch"] > both["epochs_retrain"]).sum()),
        "scratch_more_kwh": int((both["kwh_scratch"] > both["kwh_retrain"]).sum()),
        "median_epochs_scratch": float(both["epochs_scratch"].median()),
        "median_epochs_retrain": float(both["epochs_retrain"].median()),
    }


def evaluate(frame: pd.DataFrame, args: argparse.Namespace) -> dict:
    runs = frame[(frame["run_kind"] == "retrain") & (frame["index_kind"] == args.kind)].reset_index(drop=True)
    if heldout_groups(runs)[1] == "leave-one-out":
        raise ResqueError("the held-out check needs a shift_type (or shift) on every run, with at least 3 of them")
    rng = np.random.default_rng(args.seed)
    result: dict = {"n_runs": len(runs), "n_censored": int(runs["censored"].sum()), "kind": args.kind}
    result["n_shift_types"] = int(runs["shift_type"].nunique())
    result["scheme"] = heldout_groups(runs)[1]
    for measure in ("epochs", "kwh"):
        have = runs[runs[measure].notna()]
        rho, low, high = spearman_ci(have["index_value"].to_numpy(), have[measure].to_numpy(), args.bootstrap, rng)
        result[f"spearman_{measure}"], result[f"spearman_{measure}_ci"] = rho, [low, high]
    for name, column in (("level", "shift_level"), ("accgap", "acc_gap")):
        have = runs[runs[column].notna()]
        if len(have) > 2:
            rho, low, high = spearman_ci(have[column].to_numpy(), have["epochs"].to_numpy(), args.bootstrap, rng)
            result[f"spearman_epochs_{name}_baseline"], result[f"spearman_epochs_{name}_baseline_ci"] = rho, [low, high]
    index_epochs = held_out(runs, "index_value", "epochs", args)
    result.update(coverage_80=index_epochs.coverage, mae_epochs=index_epochs.mae)
    result["ci"] = {"epochs": metric_ci(index_epochs, args.bootstrap, rng)}
    if runs["kwh"].notna().sum() >= 8:
        index_kwh = held_out(runs, "index_value", "kwh", args)
        result.update(mae_kwh=index_kwh.mae, coverage_80_kwh=index_kwh.coverage)
        result["ci"]["kwh"] = metric_ci(index_kwh, args.bootstrap, rng)
    for name, column in (("level", "shift_level"), ("accgap", "acc_gap")):
        if runs[column].notna().sum() >= 8:
            base = held_out(runs, column, "epochs", args)
            result[f"mae_epochs_{name}_baseline"] = base.mae
            result[f"coverage_80_{name}_baseline"] = base.coverage
            result["ci"][f"epochs_{name}_baseline"] = metric_ci(base, args.bootstrap, rng)
    result["mae_epochs_by_model"] = {
        kind: held_out(runs, "index_value", "epochs", args, kinds=(kind,)).mae for kind in MODEL_KINDS
    }
    result["per_type"] = per_type(runs, index_epochs)
    result["known_type"] = known_type(runs, args)
    result["scratch_vs_retrain"] = scratch_vs_retrain(frame, args.kind)
    result["level"] = args.level
    return result


def summary(r: dict) -> str:
    ci = r["ci"]
    lines = [
        f"{r['n_runs']} {r['kind']} retraining runs, {r['n_shift_types']} shift types, {r['n_censored']} censored",
        f"Spearman(index, epochs) {r['spearman_epochs']:.3f} [{r['spearman_epochs_ci'][0]:.3f}, "
        f"{r['spearman_epochs_ci'][1]:.3f}]; (index, kWh) {r['spearman_kwh']:.3f} "
        f"[{r['spearman_kwh_ci'][0]:.3f}, {r['spearman_kwh_ci'][1]:.3f}]",
    ]
    for name in ("level", "accgap"):
        if f"spearman_epochs_{name}_baseline" in r:
            lo, hi = r[f"spearman_epochs_{name}_baseline_ci"]
            lines.append(
                f"Spearman({name} baseline, epochs) {r[f'spearman_epochs_{name}_baseline']:.3f} [{lo:.3f}, {hi:.3f}]"
            )
    lines.append(f"held-out ({r['scheme']}), {r['level']:.0%} intervals:")
    lines.append(f"  {'predictor':<10}{'MAE epochs':>12}  {'95% CI':<18}{'coverage':>9}  95% CI")
    for label, key, cov, cikey in (
        ("index", "mae_epochs", "coverage_80", "epochs"),
        ("level", "mae_epochs_level_baseline", "coverage_80_level_baseline", "epochs_level_baseline"),
        ("acc_gap", "mae_epochs_accgap_baseline", "coverage_80_accgap_baseline", "epochs_accgap_baseline"),
    ):
        if key in r:
            m, c = ci[cikey]["mae"], ci[cikey]["coverage"]
            lines.append(
                f"  {label:<10}{r[key]:>12.3f}  [{m[0]:.3f}, {m[1]:.3f}]{'':<4}{r[cov]:>9.1%}  [{c[0]:.1%}, {c[1]:.1%}]"
            )
    if "mae_kwh" in r:
        lines.append(f"  kWh from the index: MAE {r['mae_kwh']:.3g} kWh, coverage {r['coverage_80_kwh']:.1%}")
    lines.append(
        "  MAE epochs by curve family: " + ", ".join(f"{k} {v:.3f}" for k, v in r["mae_epochs_by_model"].items())
    )
    lines.append("per shift type (index forecast of epochs):")
    for t in r["per_type"]:
        rho = "n/a" if t["spearman_within"] is None else f"{t['spearman_within']:.2f}"
        lines.append(
            f"  {t['shift_type']:<18} n={t['n']:<3} censored={t['n_censored']:<2} index {t['index_range'][0]:.3f}-"
            f"{t['index_range'][1]:.3f}  epochs {t['epochs_range'][0]:.2f}-{t['epochs_range'][1]:.2f}  "
            f"rho_within {rho}  MAE {t['mae_epochs']:.2f}  coverage {t['coverage']:.0%}"
        )
    k = r["known_type"]
    if k:
        lines.append("a new level of a known type (leave one level out, seeds together), MAE epochs / coverage:")
        for name in ("index_own_type", "index_pooled", "level_own_type"):
            lines.append(f"  {name:<16}{k[f'mae_epochs_{name}']:>8.3f}  {k[f'coverage_80_{name}']:>7.1%}")
    s = r["scratch_vs_retrain"]
    if s:
        lines.append(
            f"from scratch vs retraining: scratch took more epochs for {s['scratch_more_epochs']}/{s['n_shifts']} "
            f"shifts, more kWh for {s['scratch_more_kwh']}/{s['n_shifts']} (median epochs: scratch "
            f"{s['median_epochs_scratch']:.2f}, retraining {s['median_epochs_retrain']:.2f})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", default="default", help="records CSV, or 'default' (the shipped calibration)")
    parser.add_argument("--kind", choices=("dist", "task"), default="dist")
    parser.add_argument("--level", type=float, default=0.8)
    parser.add_argument("--method", choices=("jackknife+", "cv+", "group-cv+"), default="jackknife+")
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples for the CIs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    args = parser.parse_args(argv)
    try:
        frame = default_records() if args.records == "default" else load_records_csv(args.records)
        result = evaluate(frame, args)
    except ResqueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(result))
    if args.json:
        print(json.dumps(jsonable(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
