"""The two calibration campaigns the product offers: the default one on the embedded digits
(``demo_sweep``) and self-calibration on a user's model (``self_calibrate``), with their records.

The rest of the package is split by idea: ``cases`` (the shifts and their index), ``sweep``
(retraining each case to its target within the budgets), ``rows`` (one record per run), ``labels``
(hardware and versions) and ``config`` (what a sweep runs).
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from resque_core.calibration.cases import (
    DistCases,
    TaskCases,
    stratified_split,
)
from resque_core.calibration.config import SelfCalibration, SweepConfig
from resque_core.calibration.labels import Labels
from resque_core.calibration.sweep import SweepResult, interleave, run_sweep
from resque_core.errors import RetrainError
from resque_core.forecast.family import family_of
from resque_core.model.source import ModelSource
from resque_core.retraining.meters import EnergyMeter

__all__ = ["demo_sweep", "records_frame", "self_calibrate", "summarize"]


def demo_sweep(
    cfg: SweepConfig, meter: EnergyMeter | None, progress: Callable[[str], None] | None = None
) -> SweepResult:
    """The default calibration: the embedded digits, the 0-9 model (shifts) and the 0-4 model (tasks)."""
    from resque_core.data import DigitsDataset
    from resque_core.model.checkpoint import load_checkpoint

    digits = DigitsDataset()
    labels = Labels("SmallCNN digits 0-9", "digits", "demo", meter, getattr(meter, "country_iso_code", ""))
    groups = []
    if cfg.shifts:
        loaded = load_checkpoint("default")
        groups.append((DistCases(loaded, digits, cfg), cfg.shifts, replace(labels, family=family_of(loaded))))
    if cfg.task_splits:
        loaded = load_checkpoint("default-0-4")
        task_labels = replace(labels, model="SmallCNN digits 0-4", family=family_of(loaded))
        groups.append((TaskCases(loaded, digits, cfg), cfg.task_splits, task_labels))
    return run_sweep(interleave(cfg.seeds, groups), cfg, progress)


def self_calibrate(
    model: ModelSource,
    original: str,
    settings: SelfCalibration,
    progress: Callable[[str], None] | None = None,
    class_map: str | None = None,
) -> SweepResult:
    """Calibrate on the user's model: simulate ``settings.shifts`` of its original data and retrain on each.

    ``class_map`` relabels the data into the model's class order, as for the index (``index.class_check``:
    refused when the data's classes look out of order and no map is given; "auto" accepts the proposal).
    """
    from resque_core.data import Subset, open_source
    from resque_core.data.views import Relabeled
    from resque_core.index.class_check import confirmed_class_map

    cfg, meter = settings.sweep_config(), settings.meter()
    data = open_source(original)
    loaded = model.load(data=data)
    class_map = confirmed_class_map(loaded, data, "dist", class_map)
    if class_map:
        data = Relabeled(data, class_map, loaded.class_names)
    if cfg.data_fraction < 1:
        data = Subset(data, stratified_split(np.asarray(data.targets), cfg.data_fraction, cfg.split_seed)[1])
    dist = DistCases(loaded, data, cfg)
    name = (loaded.arch or {}).get("name") or type(loaded.model).__name__
    labels = Labels(
        f"{name} {pathlib.Path(model.checkpoint).name}",
        getattr(data, "name", original),
        f"self-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}",
        meter,
        settings.country_iso if meter is not None else "",
        family=family_of(loaded),
    )
    return run_sweep(interleave(cfg.seeds, [(dist, cfg.shifts, labels)]), cfg, progress)


def records_frame(result: SweepResult) -> Any:
    """The sweep's records as a validated DataFrame in the schema's column order."""
    from resque_core.forecast.records import validate_records

    if not result.rows:
        raise RetrainError("the sweep produced no records; give it more time (--max-minutes) or fewer cases")
    return validate_records(list(result.rows), name="calibration sweep")


def summarize(frame: Any) -> dict:
    """Counts, per shift type the ranges of index and epochs, and from-scratch versus retraining per shift."""
    retrain_rows, scratch_rows = frame[frame.run_kind == "retrain"], frame[frame.run_kind == "scratch"]
    per_type = {
        kind: {
            "runs": int(len(g)),
            "censored": int(g.censored.sum()),
            "index": [float(g.index_value.min()), float(g.index_value.max())],
            "epochs": [float(g.epochs.min()), float(g.epochs.max())],
        }
        for kind, g in retrain_rows.groupby("shift_type", sort=False)
    }
    compare = []
    for _, s in scratch_rows.iterrows():
        r = retrain_rows[retrain_rows["shift"] == s["shift"]]
        if len(r):
            compare.append((s["shift"], float(s.epochs), float(r.epochs.mean()), s.kwh, r.kwh.mean()))
    more = [c for c in compare if c[1] > c[2]]
    return {
        "runs": int(len(frame)),
        "retrain_runs": int(len(retrain_rows)),
        "scratch_runs": int(len(scratch_rows)),
        "censored": int(frame.censored.sum()),
        "per_type": per_type,
        "scratch_costlier": f"{len(more)} of {len(compare)} shifts",
        "scratch_not_costlier": [c[0] for c in compare if c[1] <= c[2]],
        "scratch_vs_retrain": [
            {
                "shift": c[0],
                "scratch_epochs": c[1],
                "retrain_epochs_mean": c[2],
                "scratch_kwh": c[3],
                "retrain_kwh_mean": c[4],
            }
            for c in compare
        ],
    }
