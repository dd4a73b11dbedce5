"""The breakdowns and the text summary of ``bench/forecast_fidelity.py``: per shift type, a new level of a
known type, from scratch against retraining, and the lines it prints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resque_core.errors import RecordsError
from resque_core.forecast.conformal import MODEL_KINDS, select_model
from resque_core.forecast.fidelity import HeldOut, leave_group_out, spearman

KNOWN_TYPE_SIGNALS = ("index", "acc_drop", "mean_conf", "index_free", "level")


def per_type(runs: pd.DataFrame, held: dict[str, HeldOut], columns: dict[str, str]) -> list[dict]:
    """Each shift type held out: the product's and the accuracy drop's scores, and within-type ranking."""
    out = []
    for (family, shift_type), part in runs.groupby(["family", "shift_type"], sort=True):
        rows = part.index.to_numpy()
        product = held["product"].take(rows)
        entry = {
            "family": family,
            "shift_type": shift_type,
            "n": len(part),
            "n_censored": product.n_censored,
            "index_range": [float(part["index_value"].min()), float(part["index_value"].max())],
            "epochs_range": [float(part["epochs"].min()), float(part["epochs"].max())],
            "mae_epochs": product.mae,
            "coverage_80": product.coverage,
        }
        for name in ("index", "acc_drop"):
            if name in columns:
                entry[f"spearman_within_{name}"] = spearman(part[columns[name]], part["epochs"])
        if "acc_drop" in held:
            entry["mae_epochs_acc_drop"] = held["acc_drop"].take(rows).mae
        out.append(entry)
    return out


def known_type(runs: pd.DataFrame, columns: dict[str, str], level: float) -> dict | None:
    """A new level of a known shift type: each (type, level) left out with its seeds.

    Each signal's curve is fitted on the type's other levels. The level is an oracle here too. (A
    curve pooled over every other run is not refitted here: one fit per shift is most of the
    benchmark's time on a large library; on the 120-run default it gave 3.98 epochs, the index's
    own-type curve 3.20.)
    """
    runs = runs[runs["shift_level"].notna()].reset_index(drop=True)
    levels = runs.groupby(["family", "shift_type"])["shift_level"].transform("nunique")
    runs = runs[levels >= 4].reset_index(drop=True)  # a family swept at 3 levels has too few to leave one out
    if runs.empty:
        return None
    fit = lambda x, y, g: select_model(x, y, level, "jackknife+", MODEL_KINDS, g)  # noqa: E731
    scheme = "leave-one-level-out"
    result = {"families": sorted(set(runs["family"]))}
    skipped, parts = set(), {}
    for name in (n for n in KNOWN_TYPE_SIGNALS if n in columns):
        for key, part in runs.groupby(["family", "shift_type"], sort=True):
            x, y, censored = (part[c].to_numpy(dtype=float) for c in (columns[name], "epochs", "censored"))
            try:
                held = leave_group_out(x, y, censored, part["shift"].to_numpy(dtype=object), fit, scheme)
                parts.setdefault(name, {})[" | ".join(key)] = held
            except RecordsError:  # too few runs reached the target to leave a level out: no signal is scored on it
                skipped.add(" | ".join(key))
    for name, by_type in parts.items():
        kept = [held for key, held in by_type.items() if key not in skipped]
        if kept:
            held = _concat(kept)
            result[f"mae_epochs_{name}_own_type"], result[f"coverage_80_{name}_own_type"] = held.mae, held.coverage
    result["skipped_types"] = sorted(skipped)
    return result


def _concat(parts: list[HeldOut]) -> HeldOut:
    fields = ("observed", "point", "low", "high", "censored")
    return HeldOut(parts[0].scheme, *(np.concatenate([getattr(p, f) for p in parts]) for f in fields))


def scratch_vs_retrain(frame: pd.DataFrame, kind: str) -> dict | None:
    """For each shift with a from-scratch run: does scratch cost more epochs (and kWh) than retraining?"""
    scratch = frame[(frame["run_kind"] == "scratch") & (frame["index_kind"] == kind)]
    retrain = frame[(frame["run_kind"] == "retrain") & (frame["index_kind"] == kind)]
    if scratch.empty:
        return None
    s = scratch.groupby(["model", "shift"])[["epochs", "kwh"]].mean()  # shift names repeat across families
    r = retrain.groupby(["model", "shift"])[["epochs", "kwh"]].mean()
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


def _num(value, spec: str = ".2f") -> str:
    return "n/a" if value is None or value != value else format(value, spec)


def _ci(pair, spec: str = ".2f") -> str:
    return "[n/a]" if pair is None else f"[{_num(pair[0], spec)}, {_num(pair[1], spec)}]"


def _diff(r: dict, name: str) -> str:
    return f"{_num(r[f'paired_diff_vs_{name}'], '+.2f')} {_ci(r[f'paired_diff_vs_{name}_ci'], '+.2f')}"


def _predictor_lines(r: dict) -> list[str]:
    lines = [f"  {'predictor':<11}{'role':<9}{'MAE ep':>7} {'MAE log':>8} {'cov80':>6} {'width':>6} "
             f"{'rho runs':>8} {'rho cases':>9}  product - it, epochs [95% CI, groups resampled]"]  # fmt: skip
    for name, p in r["predictors"].items():
        diff = "" if name == "product" else _diff(r, name)
        lines.append(
            f"  {name:<11}{p['role']:<9}{_num(p['mae_epochs']):>7} {_num(p['mae_log_epochs'], '.3f'):>8} "
            f"{_num(p['coverage_80'], '.0%'):>6} {_num(p['width_80'], '.1f'):>6} {_num(p['spearman_runs'], '.3f'):>8} "
            f"{_num(p['spearman_case_means'], '.3f'):>9}  {diff}"
        )  # fmt: skip
    return lines


def summary(r: dict) -> str:
    """The text the benchmark prints before its JSON line."""
    lines = [
        f"{r['n_runs']} {r['kind']} retraining runs, {r['n_types']} shift types, {r['n_families']} model "
        f"famil{'y' if r['n_families'] == 1 else 'ies'}, {r['n_groups']} held-out groups, {r['n_cases']} cases, "
        f"{r['n_censored']} censored; "
        f"held out: {r['scheme']}, {r['level']:.0%} intervals",
        f"target: {r['target']['label']} ({r['n_curves']} runs with a curve)"
        + (f"; {r['target']['note']}" if r["target"].get("note") else ""),
        *(f"note: {n}" for n in r["notes"]),
        *_predictor_lines(r),
        f"product: MAE {_num(r['mae_epochs'])} epochs {_ci(r['mae_epochs_ci'])}, "
        f"coverage {_num(r['coverage_80'], '.1%')} "
        f"{_ci(r['coverage_80_ci'], '.1%')} (resampling runs instead: {_ci(r['coverage_80_ci_runs'], '.1%')}), "
        f"Spearman on case means {_num(r['spearman_case_means'], '.3f')} {_ci(r['spearman_case_means_ci'], '.3f')}",
    ]  # fmt: skip
    if "paired_diff_vs_acc_drop_ci_runs" in r:
        lines.append(
            f"product - accuracy drop, epochs: {_num(r['paired_diff_vs_acc_drop'], '+.2f')} "
            f"{_ci(r['paired_diff_vs_acc_drop_ci'], '+.2f')} resampling types, "
            f"{_ci(r['paired_diff_vs_acc_drop_ci_runs'], '+.2f')} resampling single runs instead"
        )
    lines += [
        f"seed noise: ICC {_num(r['seed_icc_epochs'], '.3f')} (log {_num(r['seed_icc_log_epochs'], '.3f')}), "
        f"{_num(r['seed_noise_share'], '.0%')} of the epochs variance; rank ceiling within families (other seeds "
        f"of the case): Spearman on runs {_num(r['ceiling_spearman_runs'], '.3f')}, on case means "
        f"{_num(r['ceiling_spearman_case_means'], '.3f')} (pooled, not quoted: runs "
        f"{_num(r['ceiling_spearman_runs_pooled'], '.3f')}, ICC-based case means "
        f"{_num(r['ceiling_icc_case_means_pooled'], '.3f')}); MAE of the other seeds' mean "
        f"{_num(r['ceiling_mae_epochs'])} epochs",
        f"coverage by shift type: mean {_num(r['coverage_80'], '.1%')}, "
        f"worst type {_num(r['coverage_80_min_type'], '.1%')} "
        f"({r['coverage_80_min_type_name']}), worst family x type {_num(r['coverage_80_min_family_type'], '.1%')} "
        f"({r['coverage_80_min_family_type_name']})",
        f"raw index vs epochs, all runs pooled (NOT held out): Spearman {_num(r['spearman_index_pooled'], '.3f')}",
        "leave one family out: " + (r["lofo_reason"] or f"nested (signal and unit chosen on the other families): MAE "
                                    f"{_num(r.get('lofo_nested_mae_epochs'))} epochs, coverage "
                                    f"{_num(r.get('lofo_nested_coverage_80'), '.1%')}; non-nested (chosen on the "
                                    f"scored families too): MAE {_num(r['lofo_mae_epochs'])}, coverage "
                                    f"{_num(r['lofo_coverage_80'], '.1%')} ({r.get('lofo_signal')} in "
                                    f"{r.get('lofo_unit')}); the index alone: {_num(r.get('lofo_mae_epochs_index'))}, "
                                    f"the accuracy drop alone: {_num(r.get('lofo_mae_epochs_acc_drop'))}"),
    ]  # fmt: skip
    for name, f in r.get("by_family", {}).items():
        lines.append(
            f"family {name}: {f['n_runs']} runs, {f['n_types']} types, {f['n_censored']} censored; MAE product "
            f"{_num(f['mae_epochs'])}, accuracy drop {_num(f['mae_epochs_acc_drop'])}; Spearman case means "
            f"{_num(f['spearman_case_means'], '.3f')}; seed ICC {_num(f['seed_icc_epochs'], '.3f')}; picked "
            + "; ".join(
                f"given {e}: " + ", ".join(f"{k} {n}" for k, n in v["picks"].items())
                for e, v in f["evidence"].items()
                if "+" in e
            )
            + "; "
            + ", ".join(f"{k} {f[k]}" for k in ("index_vs_acc_drop", "index_free_vs_mean_conf") if k in f)
        )
    lines.append("per family and shift type (held out):")
    for t in r["per_type"]:
        lines.append(
            f"  {t.get('family', '')[:12]:<12} {t['shift_type']:<16} n={t['n']:<3} "
            f"index {t['index_range'][0]:.3f}-{t['index_range'][1]:.3f} "
            f"epochs {t['epochs_range'][0]:.2f}-{t['epochs_range'][1]:.2f}  MAE product {_num(t['mae_epochs'])}"
            f" acc_drop {_num(t.get('mae_epochs_acc_drop'))}  cov {_num(t['coverage_80'], '.0%')}  rho within: "
            f"index {_num(t.get('spearman_within_index'))} acc_drop {_num(t.get('spearman_within_acc_drop'))}"
        )
    if r["known_type"]:
        k = r["known_type"]
        names = [key[len("mae_epochs_") :] for key in k if key.startswith("mae_epochs_")]
        families = ", ".join(k.get("families", []))
        lines.append(f"a new level of a known type (seeds together; families with 4+ levels: {families}):")
        if k.get("skipped_types"):
            lines.append(f"  (left out, too few runs reached the target: {', '.join(k['skipped_types'])})")
        lines += [f"  {n:<20}{k[f'mae_epochs_{n}']:>7.2f}  {k[f'coverage_80_{n}']:>6.1%}" for n in names]
    s = r["scratch_vs_retrain"]
    if s:
        lines.append(
            f"from scratch vs retraining: scratch took more epochs for {s['scratch_more_epochs']}/{s['n_shifts']} "
            f"shifts, more kWh for {s['scratch_more_kwh']}/{s['n_shifts']} (median epochs: scratch "
            f"{s['median_epochs_scratch']:.2f}, retraining {s['median_epochs_retrain']:.2f})"
        )
    lines.append("targets: " + ", ".join(f"{k} {'n/a' if v is None else ('met' if v else 'MISSED')}"
                                         for k, v in r["targets"].items()))  # fmt: skip
    return "\n".join(lines)
