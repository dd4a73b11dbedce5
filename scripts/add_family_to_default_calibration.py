"""One-off: add the model family columns (arch, n_params, input_size, n_train) to the shipped default
calibration, from the default models and the sweep's data split, without rerunning the calibration.

Run from the repository root: ``python scripts/add_family_to_default_calibration.py``. Every other cell
is kept as written; the provenance JSON gets a note. Running it again changes nothing.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from resque_core.assets import asset_path
from resque_core.calibration.cases import class_label, stratified_split
from resque_core.data import ClassSubset, DigitsDataset, paper_split
from resque_core.forecast.family import FAMILY_COLUMNS, family_of
from resque_core.model.checkpoint import load_checkpoint

CSV, PROVENANCE = asset_path("calibration_default.csv"), asset_path("calibration_default.json")


def n_train_of(shift: str, seed: int, digits, sweep: dict) -> int:
    """Images the run's training part held: the sweep's split of its data (``cases.split_tensors``)."""
    if shift.startswith("task:"):
        new = next(tuple(n) for o, n in sweep["task_splits"] if shift == f"task:{class_label(o)}->{class_label(n)}")
        targets = np.asarray(ClassSubset(digits, list(new)).targets)
    else:
        targets = np.asarray(paper_split(digits, sweep["split_seed"])[1].targets)
    return len(stratified_split(targets, sweep["val_fraction"], seed)[0])


def main() -> None:
    provenance = json.loads(PROVENANCE.read_text())
    sweep, digits = provenance["sweep"], DigitsDataset()
    families = {"SmallCNN digits 0-9": family_of(load_checkpoint("default")),
                "SmallCNN digits 0-4": family_of(load_checkpoint("default-0-4"))}  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(CSV.read_text())))
    header = [c for c in rows[0] if c not in FAMILY_COLUMNS]
    at = header.index("dataset") + 1
    header[at:at] = FAMILY_COLUMNS
    for row in rows:
        family = families[row["model"]]
        row.update(arch=family.arch, n_params=family.n_params, input_size=family.input_size)
        row["n_train"] = n_train_of(row["shift"], int(row["seed"]), digits, sweep)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    CSV.write_text(out.getvalue())
    provenance["family_columns"] = (
        "arch, n_params, input_size and n_train were added on 2026-12-01 by "
        "scripts/add_family_to_default_calibration.py from the default checkpoints (SmallCNN, parameter "
        "count, input spec) and the sweep's split of the digits (images in each run's training part), "
        "without rerunning the calibration; every other cell is unchanged."
    )
    PROVENANCE.write_text(json.dumps(provenance, indent=2) + "\n")


if __name__ == "__main__":
    main()
