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
ceiling predicts each run by the other seeds of its case, ranks taken within each family. Censored runs
(never reached the target) stay out of the MAE, count as covered when the interval reaches their bound,
and rank at their lower bound.

The figures are for one target (``--target-drop D``, default 0.02: within D of the old model's clean
accuracy; or ``--target-acc T``): every run's epochs are read off its evaluation curve at it
(``forecast.targets.at_target``); records without curves answer their own rule, and ``target`` says so.
A family left out is scored nested (``lofo_nested_*``: the signal and unit chosen on the other families
only) beside the non-nested figure (``lofo_*``, chosen on the scored families too).

Usage:
    python bench/forecast_fidelity.py [--records PATH] [--kind dist] [--target-drop 0.02] [--bootstrap 2000] [--json]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from resque_core.errors import RecordsError, ResqueError  # noqa: E402
from resque_core.forecast.ceiling import noise_ceiling  # noqa: E402
from resque_core.forecast.conformal import MODEL_KINDS, select_model  # noqa: E402
from resque_core.forecast.fidelity import (  # noqa: E402
    HeldOut,
    heldout_groups,
    leave_group_out_frame,
    spearman,
)
from resque_core.forecast.forecaster import Forecaster  # noqa: E402
from resque_core.forecast.published import FIDELITY_FILE  # noqa: E402
from resque_core.forecast.records import validate_records  # noqa: E402
from resque_core.forecast.result import MEASURES  # noqa: E402
from resque_core.forecast.targets import at_target, target_of  # noqa: E402
from resque_core.jsonable import strict_json  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from fidelity_families import by_family, leave_family_out  # noqa: E402
from fidelity_publish import published, read_records, write_published  # noqa: E402
from fidelity_report import known_type, per_type, scratch_vs_retrain, summary  # noqa: E402
from fidelity_scores import PRODUCT, case_spearman, confidence, coverage_by_type, headline, score  # noqa: E402

ROLES = {"index": "signal", "acc_drop": "baseline", "mean_conf": "baseline", "index_free": "signal",
         "constant": "baseline", "level": "oracle"}  # fmt: skip


class FoldForecaster(Forecaster):
    """``Forecaster`` with its defaults, minus its own held-out report: in a fold, this benchmark is that report.

    The report refits every curve once per shift type and takes most of a fit's time; predictions
    never read it. (Should the forecaster drop ``_report``, this override does nothing: only slower.)
    """

    def _report(self, *args, **kwargs) -> None:
        return None


# what a user gives -> (labels, the column given as the index, the other signals given)
EVIDENCE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "index": ("given", "index_value", ()),
    "index+acc_drop": ("given", "index_value", ("acc_drop", "mean_conf")),
    "index_free": ("predicted", "index_free", ()),
    "index_free+mean_conf": ("predicted", "index_free", ("mean_conf",)),
}


def fold_forecasts(train: pd.DataFrame, test: pd.DataFrame, kind: str, level: float) -> dict[str, tuple]:
    """The product's forecasts of ``test``'s epochs, fitted on ``train`` alone, for each evidence a user may give.

    The one place the benchmark reads the product: ``Forecaster`` with its defaults, fitted once, then asked
    as a user with that evidence asks (it picks its signals by held-out error on ``train`` alone). Returns
    evidence -> (point, low, high, the signal set it picked). Evidence the records lack is left out. The
    other measures are emptied first: each is fitted on its own, so the epochs forecast does not change.
    """
    train = train.assign(**{m: np.nan for m in MEASURES if m != "epochs"})
    fitted = FoldForecaster(level=level).fit(train, kind, source="benchmark fold")
    out = {}
    for name, (labels, first, others) in EVIDENCE.items():
        required = (first, "acc_drop") if name == "index+acc_drop" else (first, *others)
        if not all(c in test and test[c].notna().all() for c in required):
            continue
        given = {c: test[c].to_numpy(dtype=float) for c in others if c in test and test[c].notna().all()}
        try:
            forecasts = fitted.predict(test[first].to_numpy(dtype=float), labels=labels, **given)
        except RecordsError:  # the records carry no label-free signals
            continue
        arrays = tuple(
            np.array([getattr(f.measures["epochs"], k) for f in forecasts]) for k in ("point", "low", "high")
        )
        out[name] = (*arrays, "+".join(forecasts[0].signals.signals))
    return out


def product_evidence(test: pd.DataFrame) -> str:
    """What a user with labelled new data gives: the accuracy drop where the records carry it."""
    return "index+acc_drop" if "acc_drop" in test and test["acc_drop"].notna().all() else "index"


def product_forecast(train: pd.DataFrame, test: pd.DataFrame, kind: str, level: float) -> tuple[np.ndarray, ...]:
    """The product's forecast of ``test``'s epochs (point, low, high), given what a user with labels has."""
    return fold_forecasts(train, test, kind, level)[product_evidence(test)][:3]


def evidence_heldout(runs: pd.DataFrame, groups: np.ndarray, scheme: str, args, folds=None) -> tuple[dict, dict]:
    """Every evidence's held-out forecasts (``HeldOut``), each type held out of its own family's fit, and the
    sets the product picked (evidence -> family -> set -> folds). ``folds``: only these groups (others NaN)."""
    n, families = len(runs), runs["family"].to_numpy(dtype=object)
    arrays: dict[str, list[np.ndarray]] = {}
    picks: dict[str, dict] = {}
    for group in pd.unique(groups) if folds is None else folds:
        out = groups == group
        for family in pd.unique(families[out]):
            rows, train = out & (families == family), ~out & (families == family)
            try:
                forecasts = fold_forecasts(runs[train], runs[rows], args.kind, args.level)
            except RecordsError as exc:
                raise RecordsError(f"held-out check, leaving out {group!r} of {family}: {exc}") from exc
            for name, (point, low, high, chosen) in forecasts.items():
                for part, values in zip(arrays.setdefault(name, [np.full(n, np.nan) for _ in range(3)]),
                                        (point, low, high), strict=True):  # fmt: skip
                    part[rows] = values
                counts = picks.setdefault(name, {}).setdefault(family, {})
                counts[chosen] = counts.get(chosen, 0) + 1
    observed, censored = runs["epochs"].to_numpy(dtype=float), runs["censored"].to_numpy(dtype=bool)
    held = {name: HeldOut(scheme, observed, *parts, censored) for name, parts in arrays.items()}
    return held, picks


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


def curve_heldout(runs: pd.DataFrame, column: str, groups, scheme: str, args, kinds=MODEL_KINDS, folds=None) -> HeldOut:
    """A monotone curve of epochs against one column, fitted as the forecaster fits the index, held out
    (within each family, as the product is); ``folds``: only these groups."""
    runs = runs.assign(_group=np.asarray(groups, dtype=object))

    def predict(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, ...]:
        train = train[(train["censored"] == 0) & train["epochs"].notna()]
        x, y = train[column].to_numpy(dtype=float), train["epochs"].to_numpy(dtype=float)
        model = select_model(x, y, args.level, "jackknife+", kinds, train["_group"].to_numpy())
        return model.predict(test[column].to_numpy(dtype=float))

    return leave_group_out_frame(runs, groups, within_family(predict), scheme=scheme, folds=folds)


def targets(r: dict) -> dict:
    """The issue's targets, met (True) or missed (False); None where the records cannot say."""
    diff_ci, lofo = r.get("paired_diff_vs_acc_drop_ci"), r["lofo_nested_coverage_80"]
    return {
        "n_families_ge_3": r["n_families"] >= 3,
        "n_types_ge_12": r["n_types"] >= 12,
        "not_worse_than_acc_drop": None if diff_ci is None else diff_ci[1] <= 0.3,
        "spearman_case_means_ge_0_9": r["spearman_case_means"] >= 0.9,
        "coverage_80_in_0_75_0_85": 0.75 <= r["coverage_80"] <= 0.85,
        "lofo_nested_coverage_80_in_0_70_0_90": None if lofo is None else 0.70 <= lofo <= 0.90,
    }


@dataclass(frozen=True)
class Prepared:
    """The retraining runs the benchmark scores, at its target, with what each figure groups them by."""

    frame: pd.DataFrame  # every record at the target (the from-scratch runs too)
    runs: pd.DataFrame  # the retraining runs of the index kind, with their signal columns and family
    groups: np.ndarray  # held-out group (shift type) of each run
    scheme: str
    columns: dict[str, str]  # predictor -> column
    notes: list[str]
    cases: np.ndarray  # (family, shift, level) of each run
    target: dict  # {"kind", "value", "label"} of the rule the figures are for, and "asked", "note"
    n_curves: int  # retraining runs of the kind with an evaluation curve


def prepare(frame: pd.DataFrame, curves: pd.DataFrame | None, args: argparse.Namespace) -> Prepared:
    """The records at the target (``--target-drop`` / ``--target-acc``; their own rule without curves)."""
    asked = target_of(args.target_acc, args.target_drop)
    of_kind = (frame["run_kind"] == "retrain") & (frame["index_kind"] == args.kind)
    with_curve = set(curves["run_id"]) if curves is not None and not curves.empty else set()
    n_curves = int(frame.loc[of_kind, "run_id"].isin(with_curve).sum())
    targeted = at_target(validate_records(frame), curves, asked)
    frame = validate_records(targeted.frame)
    runs = frame[(frame["run_kind"] == "retrain") & (frame["index_kind"] == args.kind)].reset_index(drop=True)
    groups, scheme = heldout_groups(runs)
    if scheme == "leave-one-out":
        raise ResqueError("the held-out check needs a shift_type (or shift) on every run, with at least 3 of them")
    runs, columns, notes = predictor_columns(runs)
    runs["family"] = family_labels(runs)
    target = {**targeted.target.to_dict(), "asked": asked.to_dict(), "note": targeted.note}
    cases = case_labels(runs, runs["family"].to_numpy(dtype=object))
    runs["case"] = cases
    return Prepared(frame, runs, groups, scheme, columns, notes, cases, target, n_curves)


def evaluate(frame: pd.DataFrame, args: argparse.Namespace, curves: pd.DataFrame | None = None) -> dict:
    p = prepare(frame, curves, args)
    runs, groups, scheme, columns, cases = p.runs, p.groups, p.scheme, p.columns, p.cases
    families = runs["family"].to_numpy(dtype=object)
    rng = np.random.default_rng(args.seed)
    evidence, picks = evidence_heldout(runs, groups, scheme, args)
    held = {PRODUCT: evidence[product_evidence(runs)]}
    for name, column in columns.items():
        kinds = ("constant",) if name == "constant" else MODEL_KINDS
        held[name] = curve_heldout(runs, column, groups, scheme, args, kinds)
    r: dict = {"kind": args.kind, "scheme": scheme, "level": args.level, "n_runs": len(runs), "target": p.target}
    r.update(n_curves=p.n_curves, product_evidence=product_evidence(runs))
    r.update(n_types=int(runs["shift_type"].nunique()), n_groups=len(set(groups)))
    r.update(n_families=len(set(families)), n_cases=len(set(cases)))
    r.update(n_censored=int(runs["censored"].sum()), notes=p.notes)
    scored = {name: score(h, cases, families) for name, h in held.items()}
    r["predictors"] = {name: {"role": ROLES.get(name, "product"), **scored[name]} for name in held}
    for name, figures in r["predictors"].items():
        suffix = "" if name == PRODUCT else f"_{name}"
        r.update({f"{key}{suffix}": value for key, value in figures.items() if key != "role"})
    r.update(confidence(held, cases, groups.astype(str), families.astype(str), runs, args, rng))
    ceiling = noise_ceiling(runs["epochs"].to_numpy(dtype=float), cases)
    r.update(seed_icc_epochs=ceiling.icc, seed_icc_log_epochs=ceiling.icc_log, seed_noise_share=1 - ceiling.icc)
    r.update(ceiling_spearman_runs_pooled=ceiling.spearman_runs, ceiling_mae_epochs=ceiling.mae_epochs)
    r.update(ceiling_icc_case_means_pooled=ceiling.spearman_case_means, ceiling_n_runs=ceiling.n_runs)
    r.update(ceiling_corr_runs_true_mean=ceiling.corr_runs_true_mean)
    r.update(ceiling_mae_epochs_true_mean=ceiling.mae_epochs_true_mean)
    r.update(headline(runs, held, cases))
    r["coverage_80_by_family_type"] = coverage_by_type(runs, held[PRODUCT])["coverage_80_by_family_type"]
    r["spearman_index_pooled"] = spearman(runs["index_value"], runs["epochs"])  # the raw index, NOT held out
    r["noise_floor_values"] = int(runs["noise_floor"].nunique())
    r["by_family"] = by_family(runs, held, evidence, picks, args)
    for family, figures in r["by_family"].items():
        rows = np.flatnonzero(families == family)
        figures["spearman_case_means"] = case_spearman(held[PRODUCT], cases, families, rows)
    scratch = p.frame[(p.frame["run_kind"] == "scratch") & (p.frame["index_kind"] == args.kind)]
    r.update(leave_family_out(pd.concat([runs, scratch], ignore_index=True), families, columns, args.level))
    r["per_type"] = per_type(runs, held, columns)
    r["known_type"] = known_type(runs, columns, args.level)
    r["scratch_vs_retrain"] = scratch_vs_retrain(p.frame, args.kind)
    r["heldout_runs"] = heldout_runs(runs, held)
    r["targets"] = targets(r)
    return r


def heldout_runs(runs: pd.DataFrame, held: dict[str, HeldOut]) -> dict:
    """Each run's held-out forecast by the product and by the accuracy drop alone: published, so that a test can
    recompute every headline figure from them and refit a few folds to check they are the product's."""
    out = {"run_id": runs["run_id"].astype(str).tolist()}
    for name in (PRODUCT, "acc_drop"):
        if name in held:
            out[name] = {k: getattr(held[name], k).tolist() for k in ("point", "low", "high")}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--records",
        default="library",
        help="records CSV or store (.db), 'library' (every calibrated family of the library, the default) or "
        "'default' (the shipped calibration alone); evaluation curves are read beside them",
    )
    parser.add_argument("--kind", choices=("dist", "task"), default="dist")
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--target-drop",
        type=float,
        default=None,
        help="the target: within D of the old model's clean accuracy (a share; default 0.02)",
    )
    target.add_argument("--target-acc", type=float, default=None, help="the target: accuracy T on the new data")
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
        records = read_records(args.records)
        result = {"records_sha256": records.sha256, **evaluate(records.frame, args, records.curves)}
        result["sources"] = records.sources
    except ResqueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(result))
    if args.publish:
        print(f"published: {write_published(published(result, argv))}")
    if args.json:
        print(strict_json(result, where="the benchmark's result"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
