"""How well does the live refinement say what is left of a run, against what a team would use instead?

Every retraining curve of the shipped library is replayed as if it were live (``resque_core.live.replay``: read at
the default target, within 2 points of the old model's clean accuracy), and seen at 0, 1/4, 1/2, 1 and 2 epochs
before it reached the target. At each, four forecasts of the epochs left (to the target, or to the cap for a run
that never got there) are scored:

- refined: the product (``live.refiner.Refiner``: the curve so far and the prior);
- prior alone: the run's forecast before training (the product's forecast made without the run's shift type, as
  ``bench/forecast_fidelity.py`` published it), conditioned on the target not being reached yet;
- curve alone: the same refinement without the prior;
- planned: carbontracker's rule, which takes the planned epochs (the cap) as what the run will take.

Everything is held out by shift type: the refinement is fitted on the other types' curves, and its interval
correction (conformal, on log epochs) is measured on them too, by grouped folds of types (nested). Confidence
intervals resample whole types. ``tracker_overhead_pct`` times the tracker itself (``live.track``) around a real
training loop and divides by the loop's epoch time.

Usage:
    python bench/live_refinement.py [--json] [--publish] [--bootstrap 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from resque_core.forecast.fidelity import bootstrap_ci, cluster_resample  # noqa: E402
from resque_core.forecast.published import shipped_records_sha256  # noqa: E402
from resque_core.jsonable import strict_json  # noqa: E402
from resque_core.live.published import LIVE_FILE, publish_widen  # noqa: E402
from resque_core.live.refiner import Learner, Refiner  # noqa: E402
from resque_core.live.replay import shipped_replay  # noqa: E402
from resque_core.live.tuning import tune  # noqa: E402

OBSERVED = (0.0, 0.25, 0.5, 1.0, 2.0)
LEVEL = 0.8
FOLDS = 3
METHODS = ("refined", "prior", "curve_only", "planned")


def heldout(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[float]]:
    """Each row's refinement and curve-alone forecast fitted without its shift type, their blend weight and
    corrections tuned without it too (nested, ``live.tuning.tune``); and the weight each fold chose."""
    columns = ["point", "low", "high", "p_never"]
    refined = pd.DataFrame(index=rows.index, columns=columns, dtype=float)
    curve_only = refined.copy()
    weights = []
    for shift_type in sorted(rows["shift_type"].unique()):
        test = (rows["shift_type"] == shift_type).to_numpy()
        train = rows[~test]
        tuning = tune(train, FOLDS, LEVEL)
        weights.append(tuning.weight)
        curve, both = Learner(False, LEVEL).fit(train), Learner(True, LEVEL).fit(train)
        blended = Refiner(tuning.weight, tuning.widen[tuning.weight]).with_learners(curve, both)
        alone = Refiner(0.0, tuning.widen[0.0]).with_learners(curve, None)
        for model, into in ((blended, refined), (alone, curve_only)):
            made = model.predict(rows[test])
            for column in columns:
                into.loc[test, column] = getattr(made, column)
    return refined, curve_only, weights


def forecasts(rows: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], list[float]]:
    """Every method's held-out forecast of the epochs left, per row (point, low, high)."""
    budget = rows["max_epochs"] - rows["epoch"]
    prior = rows[["prior_point", "prior_low", "prior_high"]].set_axis(["point", "low", "high"], axis=1)
    planned = pd.DataFrame({"point": budget, "low": budget, "high": budget})
    refined, curve_only, weights = heldout(rows)
    made = {"refined": refined, "prior": prior, "curve_only": curve_only, "planned": planned}
    return made, weights


def scores(rows: pd.DataFrame, made: dict[str, pd.DataFrame], args: argparse.Namespace) -> dict:
    """MAE and 80% coverage per method and observed epoch; the paired difference at 1 epoch, type-clustered."""
    left = rows["left"].to_numpy(float)
    r: dict = {"observed_epochs": list(OBSERVED), "n_rows": [], "n_types": int(rows["shift_type"].nunique())}
    errors = {m: np.abs(made[m]["point"].to_numpy(float) - left) for m in METHODS}
    inside = {m: (made[m]["low"] <= left + 1e-9) & (left <= made[m]["high"] + 1e-9) for m in METHODS}
    for m in METHODS:
        r[f"mae_{m}"], r[f"coverage_80_{m}"] = [], []
    r["median_width_80_refined"], r["median_width_80_prior"] = [], []
    for at in OBSERVED:
        seen = (rows["epoch"] == at).to_numpy()
        r["n_rows"].append(int(seen.sum()))
        for m in METHODS:
            r[f"mae_{m}"].append(float(errors[m][seen].mean()))
            r[f"coverage_80_{m}"].append(float(inside[m][seen].mean()))
        for m in ("refined", "prior"):  # does the interval narrow as evidence comes in?
            width = (made[m]["high"] - made[m]["low"]).to_numpy(float)[seen]
            r[f"median_width_80_{m}"].append(float(np.median(width)))
    at_one = (rows["epoch"] == 1.0).to_numpy()
    i = OBSERVED.index(1.0)
    best = "prior" if r["mae_prior"][i] <= r["mae_curve_only"][i] else "curve_only"
    diff = errors["refined"][at_one] - errors[best][at_one]
    rng = np.random.default_rng(args.seed)
    types = rows["shift_type"].to_numpy(str)[at_one]
    replicates = [cluster_resample([types], rng) for _ in range(args.bootstrap)]
    r["best_ingredient_at_1_epoch"] = best
    r["paired_diff_vs_best_ingredient"] = float(diff.mean())
    r["paired_diff_vs_best_ingredient_ci"] = bootstrap_ci(lambda rows_: float(diff[rows_].mean()), replicates)
    never = rows["never"].to_numpy(int)
    p = made["refined"]["p_never"].to_numpy(float)
    r["brier_p_never_refined"] = [float(np.mean((p[s] - never[s]) ** 2)) for s in _masks(rows)]
    r["brier_p_never_base_rate"] = [float(np.mean((never[s].mean() - never[s]) ** 2)) for s in _masks(rows)]
    return r


def _masks(rows: pd.DataFrame) -> list[np.ndarray]:
    return [(rows["epoch"] == at).to_numpy() for at in OBSERVED]


def targets(r: dict) -> dict:
    """The issue's targets, met (True) or missed (False)."""
    i = OBSERVED.index(1.0)
    ci = r["paired_diff_vs_best_ingredient_ci"]
    cover = [c for at, c in zip(OBSERVED, r["coverage_80_refined"], strict=True) if at >= 0.25]
    return {
        "mae_refined_le_half_prior_at_1": r["mae_refined"][i] <= 0.5 * r["mae_prior"][i],
        "not_worse_than_best_ingredient_at_1": None if ci is None else ci[1] <= 0.2,
        "coverage_80_in_0_75_0_85_from_quarter": all(0.75 <= c <= 0.85 for c in cover),
        "tracker_overhead_lt_1pct": r.get("tracker_overhead_pct") is not None and r["tracker_overhead_pct"] < 1,
    }


def tracker_overhead(tmp: pathlib.Path) -> dict:
    """Seconds spent in ``evaluated`` + ``remaining`` against a real epoch of a small CNN, through ``live.track``."""
    from tracker_loop import timed_loop  # noqa: PLC0415 (bench/tracker_loop.py)

    return timed_loop(tmp)


def summary(r: dict) -> str:
    lines = [f"{'epochs seen':>12} {'rows':>5} " + " ".join(f"{m:>11}" for m in METHODS) + "  coverage (refined)"]
    for k, at in enumerate(r["observed_epochs"]):
        maes = " ".join(f"{r[f'mae_{m}'][k]:>11.2f}" for m in METHODS)
        lines.append(f"{at:>12g} {r['n_rows'][k]:>5} {maes}  {r['coverage_80_refined'][k]:.1%}")
    best, diff = r["best_ingredient_at_1_epoch"], r["paired_diff_vs_best_ingredient"]
    lines.append(f"paired diff vs {best} at 1 epoch: {diff:+.2f} {r['paired_diff_vs_best_ingredient_ci']}")
    lines.append(f"tracker overhead: {r.get('tracker_overhead_pct')}% of an epoch")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    parser.add_argument("--publish", action="store_true", help=f"write the interval corrections to assets/{LIVE_FILE}")
    parser.add_argument("--bootstrap", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-tracker", action="store_true", help="skip the tracker's overhead measurement")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rows = shipped_replay().reset_index(drop=True)
    made, weights = forecasts(rows)
    r = scores(rows, made, args)
    r["weight_chosen_per_fold"] = weights
    r["n_runs"] = int(rows["run_id"].nunique())
    r["records_sha256"] = shipped_records_sha256()
    if not args.no_tracker:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            r.update(tracker_overhead(pathlib.Path(tmp)))
    r["targets"] = targets(r)
    r["seconds"] = round(time.perf_counter() - t0, 1)
    r["date"] = dt.date.today().isoformat()
    r["command"] = "python bench/live_refinement.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.publish:
        tuning = tune(rows, FOLDS, LEVEL)
        r["weight"] = tuning.weight
        r["widen"] = {"refined": tuning.widen[tuning.weight], "curve_only": tuning.widen[0.0]}
        r["tuning_mae_by_weight"] = tuning.mae
        print(f"published {publish_widen(r)}", file=sys.stderr)
    print(summary(r))
    if args.json:
        print(strict_json(r))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    raise SystemExit(main())
