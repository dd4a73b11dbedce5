"""Does the product's forecast of retraining cost beat what a user already has? A benchmark that cannot flatter.

Every predictor is held out the same way: leave one shift type out (fit on the other types, forecast
the held-out one), so ranking within a type cannot carry the score; with several model families,
leave one family out as well. The predictors:

- the product: what ``Forecaster`` does with its defaults (read through ``product_forecast`` only);
- the index alone: a monotone curve of epochs against RESQUE_dist (the forecaster's curve family);
- baselines a user has before retraining: a constant; the accuracy drop (the old model's clean
  held-out accuracy minus its accuracy on the labelled new data, which RESQUE_dist needs anyway);
  the old model's mean confidence on the new data and the label-free index (both label-free), when
  the records carry them;
- the shift level: an ORACLE (no real shift comes with a severity level), reported, never the bar.

The accuracy gap (``acc_gap`` = target - start accuracy) is never a baseline: the target is set by
the run's own fine-tuning, so it leaks the outcome. Confidence intervals resample whole shift types
(and whole families): errors cluster by type, so resampling runs makes them too narrow. The noise
ceiling predicts each run by the other seeds of its case. Censored runs (epoch cap hit) stay out
of the MAE, count as covered when the interval reaches the cap, and rank at their lower bound.

Usage:
    python bench/forecast_fidelity.py [--records PATH] [--kind dist] [--bootstrap 2000] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from resque_core.assets import asset_path  # noqa: E402
from resque_core.calibration.library import library_records, train_epochs_by_key  # noqa: E402
from resque_core.errors import ResqueError  # noqa: E402
from resque_core.forecast.conformal import MODEL_KINDS, select_model  # noqa: E402
from resque_core.forecast.family import COST_UNITS  # noqa: E402
from resque_core.forecast.fidelity import (  # noqa: E402
    HeldOut,
    bootstrap_ci,
    case_means,
    cluster_resample,
    heldout_groups,
    leave_group_out_frame,
    noise_ceiling,
    paired_difference,
    spearman,
)
from resque_core.forecast.forecaster import Forecaster  # noqa: E402
from resque_core.forecast.published import FIDELITY_FILE  # noqa: E402
from resque_core.forecast.records import default_records, load_records_csv  # noqa: E402
from resque_core.forecast.result import MEASURES  # noqa: E402
from resque_core.forecast.transfer import best_transfer_check  # noqa: E402
from resque_core.jsonable import strict_json  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from fidelity_report import known_type, per_type, scratch_vs_retrain, summary  # noqa: E402

PRODUCT = "product"
ROLES = {"index": "signal", "acc_drop": "baseline", "mean_conf": "baseline", "index_free": "signal",
         "constant": "baseline", "level": "oracle"}  # fmt: skip


class FoldForecaster(Forecaster):
    """``Forecaster`` with its defaults, minus its own held-out report: in a fold, this benchmark is that report.

    The report refits every curve once per shift type and takes most of a fit's time; predictions
    never read it. (Should the forecaster drop ``_report``, this override does nothing: only slower.)
    """

    def _report(self, *args, **kwargs) -> None:
        return None


def product_forecast(train: pd.DataFrame, test: pd.DataFrame, kind: str, level: float) -> tuple[np.ndarray, ...]:
    """The product's forecast of ``test``'s epochs (point, low, high), fitted on ``train`` alone.

    The one place the benchmark reads the product: ``Forecaster`` with its defaults, given what a user
    with labelled new data has (the index, and the accuracy drop and confidence where the records carry
    them; it picks its signals by held-out error on ``train`` alone). The other
    measures are emptied first: each is fitted on its own, so the epochs forecast does not change.
    """
    train = train.assign(**{m: np.nan for m in MEASURES if m != "epochs"})
    fitted = FoldForecaster(level=level).fit(train, kind, source="benchmark fold")
    given = {c: test[c].to_numpy(dtype=float) for c in ("acc_drop", "mean_conf") if c in test and test[c].notna().all()}
    forecasts = fitted.predict(test["index_value"].to_numpy(dtype=float), **given)  # what a user with labels gives
    return tuple(np.array([getattr(f.measures["epochs"], k) for f in forecasts]) for k in ("point", "low", "high"))


def within_family(predict):
    """``predict(train, test)`` fitted on the test runs' own family only, family by family.

    A user's model of a library family gets its forecast from that family's records: a calibration
    speaks for its own family (leaving a whole family out is ``leave_family_out``'s question). Fitting
    one curve over families with different epoch scales would also flatter pooled rank figures.
    """

    def fitted(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, ...]:
        out = tuple(np.full(len(test), np.nan) for _ in range(3))
        for family in pd.unique(test["family"]):
            rows = (test["family"] == family).to_numpy()
            for part, values in zip(out, predict(train[train["family"] == family], test[rows]), strict=True):
                part[rows] = values
        return out

    return fitted


def predictor_columns(runs: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """The signals the records carry, as columns of ``runs``, and a note for each stand-in used."""
    runs, notes = runs.copy(), []
    has = lambda column: column in runs and runs[column].notna().all()  # noqa: E731
    columns = {"index": "index_value"}
    if has("acc_drop"):
        columns["acc_drop"] = "acc_drop"
    elif has("base_acc") and has("start_acc"):
        runs["acc_drop"] = runs["base_acc"] - runs["start_acc"]
        columns["acc_drop"] = "acc_drop"
    elif has("start_acc"):
        runs["acc_drop"] = 1.0 - runs["start_acc"]
        columns["acc_drop"] = "acc_drop"
        notes.append(
            "the records carry no clean accuracy (base_acc): the accuracy drop is taken as 1 - start_acc, "
            "the same baseline up to each model's constant clean accuracy (exact within one model family, "
            "since every curve is monotone)"
        )
    for name in ("mean_conf", "index_free"):
        if has(name):
            columns[name] = name
    runs["no_signal"] = 0.0
    columns["constant"] = "no_signal"
    if has("shift_level"):
        columns["level"] = "shift_level"
    return runs, columns, notes


def family_labels(runs: pd.DataFrame) -> np.ndarray:
    """One label per run: its architecture and input size, else its model name, else one family."""
    arch = runs["arch"].fillna("").astype(str) + " " + runs["input_size"].fillna("").astype(str)
    labels = arch.str.strip().where(arch.str.strip() != "", runs["model"].fillna("one family").astype(str))
    return labels.to_numpy(dtype=object)


def case_labels(runs: pd.DataFrame, families: np.ndarray) -> np.ndarray:
    """A case is one (model family, shift, level): its runs differ only by seed."""
    level = runs["shift_level"].map(lambda v: "" if pd.isna(v) else f":{v:g}")
    shift = runs["shift"].where(runs["shift"].notna(), runs["shift_type"].fillna("?") + level)
    return (pd.Series(families, index=runs.index).astype(str) + "|" + shift.astype(str)).to_numpy(dtype=object)


def curve_heldout(runs: pd.DataFrame, column: str, groups, scheme: str, args, kinds=MODEL_KINDS) -> HeldOut:
    """A monotone curve of epochs against one column, fitted as the forecaster fits the index, held out
    (within each family, as the product is)."""
    runs = runs.assign(_group=np.asarray(groups, dtype=object))

    def predict(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, ...]:
        train = train[(train["censored"] == 0) & train["epochs"].notna()]
        x, y = train[column].to_numpy(dtype=float), train["epochs"].to_numpy(dtype=float)
        model = select_model(x, y, args.level, "jackknife+", kinds, train["_group"].to_numpy())
        return model.predict(test[column].to_numpy(dtype=float))

    return leave_group_out_frame(runs, groups, within_family(predict), scheme=scheme)


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
    return out


def leave_family_out(runs: pd.DataFrame, families: np.ndarray, columns: dict, args) -> dict:
    """The product (and the index and the accuracy drop alone) forecasting a model family the fit has not seen.

    ``runs``: the retraining runs with their signal columns, and the from-scratch runs (the
    ``scratch_fraction`` unit's reference). The product's answer for a model the library lacks is the
    signal and unit that carried best (``forecast.transfer.best_transfer_check``, as
    ``calibration.unknown_model`` uses it) among those a user with labelled new data has.
    """
    if len(set(families)) < 2:
        reason = "the records hold one model family; leaving one out needs two or more"
        return {"lofo_mae_epochs": None, "lofo_coverage_80": None, "lofo_reason": reason}
    signals = ("index_value", "acc_drop") if "acc_drop" in columns else ("index_value",)
    index_only = best_transfer_check(runs, ("index_value",), COST_UNITS, train_epochs_by_key(), args.level)
    if index_only is None:
        reason = "no family could be left out: too few runs per family, or no cost unit with a reference in each"
        return {"lofo_mae_epochs": None, "lofo_coverage_80": None, "lofo_reason": reason}
    best = best_transfer_check(runs, signals, COST_UNITS, train_epochs_by_key(), args.level)
    out = {"lofo_mae_epochs": best.mae_epochs, "lofo_coverage_80": best.coverage, "lofo_reason": None}
    out.update(lofo_signal=best.signal, lofo_unit=best.unit, lofo_width_80=best.width_epochs)
    out["lofo_per_family_mae"] = dict(best.per_family_mae)
    out.update(lofo_mae_epochs_index=index_only.mae_epochs, lofo_coverage_80_index=index_only.coverage)
    out["lofo_unit_index"] = index_only.unit
    if "acc_drop" in columns:
        drop = best_transfer_check(runs, ("acc_drop",), COST_UNITS, train_epochs_by_key(), args.level)
        out["lofo_mae_epochs_acc_drop"] = None if drop is None else drop.mae_epochs
        out["lofo_coverage_80_acc_drop"] = None if drop is None else drop.coverage
    return out


def by_family(runs: pd.DataFrame, product: HeldOut, acc_drop: HeldOut | None, cases: np.ndarray) -> dict:
    """Per family: its runs and types, the product's and the accuracy drop's held-out MAE, and its seed noise."""
    out = {}
    for family in sorted(set(runs["family"])):
        rows = np.flatnonzero((runs["family"] == family).to_numpy())
        ceiling = noise_ceiling(runs["epochs"].to_numpy(dtype=float)[rows], cases[rows])
        rules = sorted(runs["target_rule"].iloc[rows].dropna().astype(str).unique().tolist())
        out[family] = {
            "n_runs": len(rows),
            "n_types": int(runs["shift_type"].iloc[rows].nunique()),
            "n_censored": int(runs["censored"].iloc[rows].sum()),
            "target_rule": rules,
            "mae_epochs": product.take(rows).mae,
            "mae_epochs_acc_drop": None if acc_drop is None else acc_drop.take(rows).mae,
            "spearman_case_means": case_spearman(product, cases, runs["family"].to_numpy(), rows),
            "seed_icc_epochs": ceiling.icc,
            "ceiling_spearman_runs": ceiling.spearman_runs,
        }
    return out


def targets(r: dict) -> dict:
    """The issue's targets, met (True) or missed (False); None where the records cannot say."""
    diff_ci, lofo = r.get("paired_diff_vs_acc_drop_ci"), r["lofo_coverage_80"]
    return {
        "n_families_ge_3": r["n_families"] >= 3,
        "n_types_ge_12": r["n_types"] >= 12,
        "not_worse_than_acc_drop": None if diff_ci is None else diff_ci[1] <= 0.3,
        "spearman_case_means_ge_0_9": r["spearman_case_means"] >= 0.9,
        "coverage_80_in_0_75_0_85": 0.75 <= r["coverage_80"] <= 0.85,
        "lofo_coverage_80_in_0_70_0_90": None if lofo is None else 0.70 <= lofo <= 0.90,
    }


def evaluate(frame: pd.DataFrame, args: argparse.Namespace) -> dict:
    runs = frame[(frame["run_kind"] == "retrain") & (frame["index_kind"] == args.kind)].reset_index(drop=True)
    groups, scheme = heldout_groups(runs)
    if scheme == "leave-one-out":
        raise ResqueError("the held-out check needs a shift_type (or shift) on every run, with at least 3 of them")
    runs, columns, notes = predictor_columns(runs)
    families = family_labels(runs)
    runs["family"] = families
    cases = case_labels(runs, families)
    rng = np.random.default_rng(args.seed)
    predict = lambda train, test: product_forecast(train, test, args.kind, args.level)  # noqa: E731
    held = {PRODUCT: leave_group_out_frame(runs, groups, within_family(predict), scheme=scheme)}
    for name, column in columns.items():
        kinds = ("constant",) if name == "constant" else MODEL_KINDS
        held[name] = curve_heldout(runs, column, groups, scheme, args, kinds)
    r: dict = {"kind": args.kind, "scheme": scheme, "level": args.level, "n_runs": len(runs)}
    r.update(n_types=int(runs["shift_type"].nunique()), n_groups=len(set(groups)))
    r.update(n_families=len(set(families)), n_cases=len(set(cases)))
    r.update(n_censored=int(runs["censored"].sum()), notes=notes)
    scored = {name: score(h, cases, families) for name, h in held.items()}
    r["predictors"] = {name: {"role": ROLES.get(name, "product"), **scored[name]} for name in held}
    for name, figures in r["predictors"].items():
        suffix = "" if name == PRODUCT else f"_{name}"
        r.update({f"{key}{suffix}": value for key, value in figures.items() if key != "role"})
    r.update(confidence(held, cases, groups.astype(str), families.astype(str), runs, args, rng))
    ceiling = noise_ceiling(runs["epochs"].to_numpy(dtype=float), cases)
    r.update(seed_icc_epochs=ceiling.icc, seed_icc_log_epochs=ceiling.icc_log, seed_noise_share=1 - ceiling.icc)
    r.update(ceiling_spearman_runs=ceiling.spearman_runs, ceiling_mae_epochs=ceiling.mae_epochs)
    r.update(ceiling_spearman_case_means=ceiling.spearman_case_means, ceiling_n_runs=ceiling.n_runs)
    r.update(ceiling_corr_runs_true_mean=ceiling.corr_runs_true_mean)
    r.update(ceiling_mae_epochs_true_mean=ceiling.mae_epochs_true_mean)
    r["spearman_index_pooled"] = spearman(runs["index_value"], runs["epochs"])  # the raw index, NOT held out
    r["noise_floor_values"] = int(runs["noise_floor"].nunique())
    r["by_family"] = by_family(runs, held[PRODUCT], held.get("acc_drop"), cases)
    scratch = frame[(frame["run_kind"] == "scratch") & (frame["index_kind"] == args.kind)]
    r.update(leave_family_out(pd.concat([runs, scratch], ignore_index=True), families, columns, args))
    r["per_type"] = per_type(runs, held, columns)
    r["known_type"] = known_type(runs, columns, args.level)
    r["scratch_vs_retrain"] = scratch_vs_retrain(frame, args.kind)
    r["targets"] = targets(r)
    return r


PUBLISHED_KEYS = (
    "n_runs", "n_types", "n_families", "n_cases", "level", "mae_epochs", "mae_epochs_ci", "mae_epochs_acc_drop",
    "mae_epochs_index", "paired_diff_vs_acc_drop", "paired_diff_vs_acc_drop_ci", "coverage_80", "coverage_80_ci",
    "spearman_case_means", "spearman_case_means_ci", "ceiling_spearman_runs", "ceiling_spearman_case_means",
    "seed_icc_epochs", "lofo_mae_epochs", "lofo_coverage_80", "lofo_signal", "lofo_unit", "lofo_mae_epochs_index",
    "lofo_mae_epochs_acc_drop", "targets",
)  # fmt: skip


def published(result: dict, argv: list[str] | None) -> dict:
    """The headline figures the product quotes (``resque_core.forecast.published``), with when and how."""
    out = {key: result.get(key) for key in PUBLISHED_KEYS}
    out["families"] = {name: figures["n_runs"] for name, figures in result["by_family"].items()}
    out["date"] = dt.date.today().isoformat()
    args = " ".join(argv if argv is not None else sys.argv[1:])
    out["command"] = f"python bench/forecast_fidelity.py {args}".strip()
    return out


def read_records(name: str) -> pd.DataFrame:
    """'library', 'default' or a CSV file."""
    if name == "library":
        return library_records()
    return default_records() if name == "default" else load_records_csv(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--records",
        default="library",
        help="records CSV, 'library' (every calibrated family of the library, the default) or 'default' "
        "(the shipped calibration alone)",
    )
    parser.add_argument("--kind", choices=("dist", "task"), default="dist")
    parser.add_argument("--level", type=float, default=0.8, help="nominal coverage of the intervals")
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples for the CIs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    parser.add_argument(
        "--publish",
        action="store_true",
        help=f"write the headline figures and targets to resque_core/assets/{FIDELITY_FILE}, which the Forecast "
        "page, the forecast command and the report quote beside a forecast from the shipped calibration",
    )
    args = parser.parse_args(argv)
    if args.publish and (args.records != "library" or args.kind != "dist" or args.bootstrap < 2000):
        print("error: --publish takes the library's records, --kind dist and >= 2000 resamples", file=sys.stderr)
        return 2
    if args.bootstrap < 20:
        print("error: --bootstrap must be at least 20 resamples (2000 for the published figures)", file=sys.stderr)
        return 2
    try:
        frame = read_records(args.records)
        result = evaluate(frame, args)
    except ResqueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(result))
    if args.publish:
        path = asset_path(FIDELITY_FILE)
        path.write_text(strict_json(published(result, argv), where="the published summary", indent=2) + "\n")
        print(f"published: {path}")
    if args.json:
        print(strict_json(result, where="the benchmark's result"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
