"""Which cost unit carries a forecast to a model family the calibration library has not seen?

For every family with records (``resque_core/assets/calibration/<family>.csv``; the shipped default
calibration stands in for digits-cnn until it is regenerated) and every cost unit (raw epochs, a
fraction of the from-scratch epochs, a fraction of the original training's epochs), each family is
left out in turn: a monotone curve of the cost in that unit against the index is fitted on the
others, the left-out family's runs are forecast and converted back to its own epochs, and its 80%
interval is made from the other families' held-out errors only. Prints, per unit, the held-out MAE in
epochs, the coverage and width of the intervals, and which unit transfers best. With one family there
is nothing to leave out, and it says so.

    .venv/bin/python bench/families.py                      # the library's records
    .venv/bin/python bench/families.py --records a.csv b.csv --json
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from resque_core.calibration.library import library_records, train_epochs_by_key  # noqa: E402
from resque_core.errors import RecordsError  # noqa: E402
from resque_core.forecast.family import COST_UNITS, family_key  # noqa: E402
from resque_core.forecast.records import load_records_csv  # noqa: E402
from resque_core.forecast.transfer import transfer_checks, usable_runs  # noqa: E402


def measure(records: pd.DataFrame, level: float = 0.8) -> dict:
    """The leave-one-family-out check of every unit, best first, and the families behind it."""
    runs = usable_runs(records)
    families = {str(k): int(v) for k, v in runs["family"].value_counts().sort_index().items()}
    out: dict = {"families": families, "n_families": len(families), "level": level}
    try:
        checks = transfer_checks(records, COST_UNITS, train_epochs_by_key(), level)
    except RecordsError as exc:
        return {**out, "units": [], "best_unit": None, "note": str(exc)}
    out["units"] = [
        {
            "unit": c.unit,
            "lofo_mae_epochs": round(c.mae_epochs, 3),
            "lofo_coverage": round(c.coverage, 3),
            "lofo_width_epochs": round(c.width_epochs, 3),
            "per_family_mae_epochs": {k: round(v, 3) for k, v in c.per_family_mae.items()},
        }
        for c in checks
    ]
    out["best_unit"] = checks[0].unit if checks else None
    out["note"] = "" if checks else "no unit has a reference in every family"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", nargs="+", metavar="CSV", help="records files (default: the library's)")
    parser.add_argument("--level", type=float, default=0.8, help="interval coverage (default 0.8)")
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    args = parser.parse_args(argv)
    if args.records:
        records = pd.concat([load_records_csv(p) for p in args.records], ignore_index=True)
    else:
        records = library_records()
    result = measure(records, args.level)
    named = family_key(records).notna().sum()
    print(f"{len(records)} records ({named} naming their family); families: {result['families']}")
    if not result["units"]:
        print(f"nothing to leave out: {result['note']}")
    for u in result["units"]:
        print(
            f"  {u['unit']:17s} held-out MAE {u['lofo_mae_epochs']:6.2f} epochs   {args.level:.0%} coverage "
            f"{u['lofo_coverage']:.2f}   width {u['lofo_width_epochs']:6.2f} epochs   per family "
            + ", ".join(f"{k}: {v:.2f}" for k, v in u["per_family_mae_epochs"].items())
        )
    if result["best_unit"]:
        print(f"transfers best: {result['best_unit']}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
