"""A finished live run as a calibration record: its epochs to the target, what they cost, and its curve.

The record is what a Validate run writes (``run_kind`` "retrain", a fixed target), so the forecaster learns from
the team's real runs. It needs the index the run was forecast from (records are fitted against it): a run whose
prior carries none stays a live run only, and its note says why.
"""

from __future__ import annotations

import datetime as dt
import pathlib

import numpy as np
import pandas as pd

from resque_core.errors import ResqueError
from resque_core.forecast.records import RecordStore
from resque_core.live.features import START_EPOCH
from resque_core.live.store import LiveRun, reached
from resque_core.retraining.targets import threshold_epoch

__all__ = ["finished_record"]


def finished_record(db: pathlib.Path, run: LiveRun, energy_source: str) -> tuple[str | None, str | None]:
    """Store ``run`` as a calibration record with its curve in the database ``db``; returns (record id, note)."""
    if run.prior is None or run.prior.index is None or run.prior.index_kind is None:
        return None, "not kept as a calibration record: its prior carried no index (track it with prior=forecast)"
    if len(run.points) < 2:
        return None, "not kept as a calibration record: fewer than 2 evaluations"
    row = record_row(run, energy_source)
    curve = pd.DataFrame(
        {"run_id": run.run_id, "epoch": [p.epoch for p in run.points], "val_acc": [p.val_acc for p in run.points],
         "seconds": [p.seconds for p in run.points], "energy_kwh": [p.energy_kwh for p in run.points]}
    )  # fmt: skip
    try:
        RecordStore(db).add([row], curve)
    except ResqueError as exc:
        return None, f"not kept as a calibration record: {exc}"
    return run.run_id, None


def record_row(run: LiveRun, energy_source: str) -> dict:
    """The record of a finished run: epochs to its target (interpolated between evaluations) or trained."""
    epochs = [p.epoch for p in run.points]
    got_there = reached(run.points, run.target_acc)
    at = threshold_epoch(run.points, run.target_acc - 1e-12) if got_there else epochs[-1]  # as ``reached`` reads it
    seconds = float(np.interp(at, epochs, [p.seconds for p in run.points]))
    metered = [(p.epoch, p.energy_kwh) for p in run.points if p.energy_kwh is not None]
    kwh = float(np.interp(at, *zip(*metered, strict=True))) if metered else None
    intensity = run.intensity_g_per_kwh
    start = run.points[0].val_acc if epochs[0] <= START_EPOCH else None
    return {
        "run_id": run.run_id,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "run_kind": "retrain",
        "index_kind": run.prior.index_kind,
        "index_value": run.prior.index,
        "model": run.name,
        "hardware": run.host,
        "target_rule": f"fixed {run.target_acc:.4g} (tracked)",
        "target_acc": run.target_acc,
        "start_acc": start,
        "acc_gap": run.target_acc - start if start is not None else None,
        "epochs": at,
        "censored": 0 if got_there else 1,
        "max_epochs": run.max_epochs,
        "seconds": seconds,
        "kwh": kwh,
        "co2_kg": kwh * intensity / 1000 if kwh is not None and intensity is not None else None,
        "kwh_per_epoch": kwh / at if kwh is not None and at > 0 else None,
        "energy_source": energy_source,
        "country_iso": run.country_iso,
        "intensity_g_per_kwh": intensity,
    }
