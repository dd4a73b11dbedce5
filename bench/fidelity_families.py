"""The model-family figures of ``bench/forecast_fidelity.py``: a family left out (non-nested and nested), and
each family's own figures, signal picks and ties.

Leaving one family out answers a model the library lacks. The product carries its forecast on the (signal,
unit) pair that held best when each library family was left out (``forecast.transfer.best_transfer_check``).
Scored on the same families it was chosen on, that figure flatters; the nested figure chooses the pair on
the OTHER families only (each family left out of the choice it is scored by), and is the one to quote.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resque_core.calibration.library import train_epochs_by_key
from resque_core.forecast.ceiling import noise_ceiling
from resque_core.forecast.family import COST_UNITS, family_key
from resque_core.forecast.fidelity import HeldOut, cluster_resample, paired_difference
from resque_core.forecast.transfer import best_transfer_check, leave_one_family_out


def leave_family_out(runs: pd.DataFrame, families: np.ndarray, columns: dict, level: float) -> dict:
    """The product (and the index and the accuracy drop alone) forecasting a model family the fit has not seen.

    ``runs``: the retraining runs with their signal columns, and the from-scratch runs (the
    ``scratch_fraction`` unit's reference). ``lofo_*``: the pair chosen on every family (non-nested, labelled
    so); ``lofo_nested_*``: chosen on the other families only.
    """
    none = {"lofo_mae_epochs": None, "lofo_coverage_80": None, "lofo_nested_mae_epochs": None,
            "lofo_nested_coverage_80": None}  # fmt: skip
    if len(set(families)) < 2:
        return {**none, "lofo_reason": "the records hold one model family; leaving one out needs two or more"}
    signals = ("index_value", "acc_drop") if "acc_drop" in columns else ("index_value",)
    epochs = train_epochs_by_key()
    index_only = best_transfer_check(runs, ("index_value",), COST_UNITS, epochs, level)
    if index_only is None:
        reason = "no family could be left out: too few runs per family, or no cost unit with a reference in each"
        return {**none, "lofo_reason": reason}
    best = best_transfer_check(runs, signals, COST_UNITS, epochs, level)
    out = {"lofo_mae_epochs": best.mae_epochs, "lofo_coverage_80": best.coverage, "lofo_reason": None}
    out.update(lofo_signal=best.signal, lofo_unit=best.unit, lofo_width_80=best.width_epochs)
    out["lofo_per_family"] = {f: dict(s) for f, s in best.per_family.items()}
    out["lofo_per_family_mae"] = dict(best.per_family_mae)
    out.update(lofo_mae_epochs_index=index_only.mae_epochs, lofo_coverage_80_index=index_only.coverage)
    out["lofo_unit_index"] = index_only.unit
    if "acc_drop" in columns:
        drop = best_transfer_check(runs, ("acc_drop",), COST_UNITS, epochs, level)
        out["lofo_mae_epochs_acc_drop"] = None if drop is None else drop.mae_epochs
        out["lofo_coverage_80_acc_drop"] = None if drop is None else drop.coverage
    out.update(nested_leave_family_out(runs, signals, list(best.per_family), level))
    return out


def nested_leave_family_out(runs: pd.DataFrame, signals: tuple[str, ...], families: list[str], level: float) -> dict:
    """Each of ``families`` left out, forecast with the (signal, unit) pair chosen on the other families only.

    The choice needs two other families (one left out of them in turn); with fewer there is no nested figure.
    """
    epochs, keys = train_epochs_by_key(), family_key(runs).to_numpy(dtype=object)
    per_family = {}
    for family in families:
        chosen = best_transfer_check(runs[keys != family], signals, COST_UNITS, epochs, level)
        if chosen is None:
            reason = f"no (signal, unit) pair can be chosen without {family}: two other families are needed"
            return {"lofo_nested_mae_epochs": None, "lofo_nested_coverage_80": None, "lofo_nested_reason": reason}
        scored = leave_one_family_out(runs, chosen.unit, epochs, level, signal=chosen.signal).per_family[family]
        per_family[family] = {"signal": chosen.signal, "unit": chosen.unit, **scored}
    n = np.array([f["n_runs"] for f in per_family.values()], dtype=float)
    mean = lambda key: float(np.dot(n, [f[key] for f in per_family.values()]) / n.sum())  # noqa: E731
    return {
        "lofo_nested_mae_epochs": mean("mae_epochs"),
        "lofo_nested_coverage_80": mean("coverage"),
        "lofo_nested_width_80": mean("width_epochs"),
        "lofo_nested_per_family": per_family,
        "lofo_nested_reason": None,
    }


def by_family(runs: pd.DataFrame, held: dict[str, HeldOut], evidence: dict[str, HeldOut], picks: dict, args) -> dict:
    """Per family: its runs and types, every predictor's held-out MAE, the product's figures for each evidence a
    user may give (with the signal sets it picked, fold by fold), and which single signals tie."""
    out = {}
    families, types = runs["family"].to_numpy(dtype=str), runs["shift_type"].to_numpy(dtype=str)
    for family in sorted(set(families)):
        rows = np.flatnonzero(families == family)
        ceiling = noise_ceiling(runs["epochs"].to_numpy(dtype=float)[rows], runs["case"].to_numpy(dtype=str)[rows])
        rules = sorted(runs["target_rule"].iloc[rows].dropna().astype(str).unique().tolist())
        out[family] = {
            "n_runs": len(rows),
            "n_types": len(set(types[rows])),
            "n_censored": int(runs["censored"].iloc[rows].sum()),
            "target_rule": rules,
            "mae_epochs": held["product"].take(rows).mae,
            "coverage_80": held["product"].take(rows).coverage,
            "mae_epochs_acc_drop": held["acc_drop"].take(rows).mae if "acc_drop" in held else None,
            "mae_by_predictor": {name: h.take(rows).mae for name, h in held.items()},
            "evidence": {  # what a user of this family may give (evidence its records lack is left out)
                name: _evidence_figures(h, rows, types, picks[name][family])
                for name, h in evidence.items()
                if family in picks.get(name, {})
            },  # fmt: skip
            "seed_icc_epochs": ceiling.icc,
        }
        out[family].update(ties(held, rows, types[rows], args))
    return out


def _evidence_figures(held: HeldOut, rows: np.ndarray, types: np.ndarray, picks: dict) -> dict:
    part = held.take(rows)
    by_type = pd.Series(part.covered.astype(float)).groupby(types[rows]).mean()
    return {
        "n_runs": len(rows),
        "mae_epochs": part.mae,
        "coverage_80": part.coverage,
        "coverage_80_min_type": float(by_type.min()),
        "min_type": str(by_type.idxmin()),
        "picks": dict(sorted(picks.items())),
    }


def ties(held: dict[str, HeldOut], rows: np.ndarray, types: np.ndarray, args) -> dict:
    """Within one family: index vs accuracy drop, label-free index vs mean confidence (paired, types resampled).

    A difference whose 95% interval holds 0 is a tie, and the sentences say so.
    """
    rng = np.random.default_rng(args.seed)
    replicates = [cluster_resample((types,), rng) for _ in range(max(20, args.bootstrap // 4))]
    out = {}
    for a, b in (("index", "acc_drop"), ("index_free", "mean_conf")):
        if a in held and b in held:
            diff, ci = paired_difference(held[a].take(rows), held[b].take(rows), replicates)
            out[f"paired_diff_{a}_vs_{b}"], out[f"paired_diff_{a}_vs_{b}_ci"] = diff, ci
            out[f"{a}_vs_{b}"] = verdict(ci)
    return out


def verdict(ci: list[float] | None) -> str:
    """ "better" (the first is closer: the interval lies below 0), "worse", "tie" (it holds 0) or "unknown"."""
    if ci is None:
        return "unknown"
    return "better" if ci[1] < 0 else "worse" if ci[0] > 0 else "tie"
