"""The calibration campaigns the product offers: the default one on the embedded digits
(``demo_sweep``), one family of the calibration library (``family_sweep``, see ``library``) and
self-calibration on a user's model (``self_calibrate``), with their records.

The rest of the package is split by idea: ``cases`` (the shifts and their index), ``case_run`` (one case
retrained to its target), ``sweep`` (the cases within the budgets), ``rows`` (one record per run, a
``record.CalibrationRecord``), ``metadata`` (what every record shares: model, hardware, versions) and
``config`` (what a sweep runs).
"""

from __future__ import annotations

import pathlib
import time
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
from resque_core.calibration.cost_scale import CostScale
from resque_core.calibration.metadata import RecordMetadata
from resque_core.calibration.plan import plan_self_calibration
from resque_core.calibration.progress import SweepEvent
from resque_core.calibration.sweep import SweepResult, interleave, run_sweep
from resque_core.data.base import ImageDataset
from resque_core.energy.meters import EnergyMeter
from resque_core.errors import RetrainError
from resque_core.forecast.family import family_of
from resque_core.model.source import ModelSource

__all__ = ["demo_sweep", "family_sweep", "records_frame", "self_calibrate", "summarize"]


def demo_sweep(
    cfg: SweepConfig,
    meter: EnergyMeter | None,
    progress: Callable[[SweepEvent], None] | None = None,
    **sweep: Any,
) -> SweepResult:
    """The default calibration: the embedded digits, the 0-9 model (shifts) and the 0-4 model (tasks).

    ``sweep``: ``run_sweep``'s ``on_rows`` and ``should_stop``.
    """
    from resque_core.data import DigitsDataset
    from resque_core.model.checkpoint import load_checkpoint

    digits = DigitsDataset()
    metadata = RecordMetadata("SmallCNN digits 0-9", "digits", "demo", meter, getattr(meter, "country_iso_code", ""))
    groups = []
    if cfg.shifts:
        loaded = load_checkpoint("default")
        groups.append((DistCases(loaded, digits, cfg), cfg.shifts, replace(metadata, family=family_of(loaded))))
    if cfg.task_splits:
        groups.append(_task_group(digits, cfg, metadata))
    return run_sweep(interleave(cfg.seeds, groups), cfg, progress, **sweep)


def _task_group(data: Any, cfg: SweepConfig, metadata: RecordMetadata) -> tuple:
    """``cfg.task_splits`` of ``data`` with the 0-4 digits model and a new head, labelled as that model."""
    from resque_core.model.checkpoint import load_checkpoint

    loaded = load_checkpoint("default-0-4")
    task_metadata = replace(metadata, model="SmallCNN digits 0-4", family=family_of(loaded))
    return TaskCases(loaded, data, cfg), cfg.task_splits, task_metadata


def family_sweep(
    family: Any,
    cfg: SweepConfig,
    meter: EnergyMeter | None,
    progress: Callable[[SweepEvent], None] | None = None,
    **sweep: Any,
) -> SweepResult:
    """One family of the calibration library (a ``library.FamilySpec``): its model on its data, ``cfg``'s shifts.

    Its records are labelled with the family's model and name (run ids start with it); a family with
    ``tasks`` also runs ``cfg.task_splits`` with the 0-4 digits model, as the demo does.
    ``sweep``: ``run_sweep``'s ``on_rows`` and ``should_stop``.
    """
    loaded, data = family.load(), family.dataset()
    country = getattr(meter, "country_iso_code", "")
    metadata = RecordMetadata(family.model, getattr(data, "name", family.data), family.name, meter, country)
    groups = [(DistCases(loaded, data, cfg), cfg.shifts, replace(metadata, family=family_of(loaded)))]
    if cfg.task_splits:
        groups.append(_task_group(data, cfg, metadata))
    return run_sweep(interleave(cfg.seeds, groups), cfg, progress, **sweep)


def self_calibrate(
    model: ModelSource,
    original: str | ImageDataset,
    settings: SelfCalibration,
    progress: Callable[[SweepEvent], None] | None = None,
    class_map: str | None = None,
    accept_low_accuracy: bool = False,
    **sweep: Any,
) -> SweepResult:
    """Calibrate on the user's model: simulate ``settings.shifts`` of its original data and retrain on each.

    ``original`` is a source spec (``data.open_source``) or a dataset already opened (the dashboard's, whose
    zip is extracted inside the session's folder).

    First plans (``plan_self_calibration``): with ``plan="auto"`` the settings that fit ``max_minutes``,
    which counts from this call, so loading, planning and preparing are inside the budget. ``progress``
    hears every step from the first second; the plan's sentence is the result's first note.
    ``class_map`` relabels the data into the model's class order, as for the index (``index.class_check``:
    refused when the data's classes look out of order and no map is given; "auto" accepts the proposal).
    A model that scores near chance on its original data is refused unless ``accept_low_accuracy``.
    ``sweep``: ``run_sweep``'s ``on_rows`` (each case's records as it ends) and ``should_stop``.

    Raises:
        BudgetTooSmall: the budget cannot give the forecaster its minimum; the message names the budget that would.
    """
    from resque_core.data import Subset, open_source
    from resque_core.data.views import Relabeled
    from resque_core.index.class_check import confirmed_class_map

    started = time.monotonic()
    say = _teller(progress, started, settings.max_minutes)
    named = original if isinstance(original, str) else getattr(original, "name", "the original data")
    say("start", f"loading the model {model.checkpoint} and the data {named}")
    data = open_source(original) if isinstance(original, str) else original
    loaded = model.load(data=data)
    class_map = confirmed_class_map(loaded, data, "dist", class_map, accept_low_accuracy=accept_low_accuracy)
    if class_map:
        data = Relabeled(data, class_map, loaded.class_names)
    say("start", f"timing a few training steps on {len(data):,} images to plan the runs")
    plan = plan_self_calibration(loaded, data, settings, spent_s=time.monotonic() - started)
    say("plan", plan.sentence(), plan_settings=plan.settings)
    settings = plan.settings
    cfg = settings.sweep_config()
    if cfg.data_fraction < 1:
        data = Subset(data, stratified_split(np.asarray(data.targets), cfg.data_fraction, cfg.split_seed)[1])
    for limit in plan.limits():
        say("plan", limit)
    say("start", "preparing the cases: embedding the original data and the noise floor")
    dist = DistCases(loaded, data, cfg)
    metadata = _self_metadata(f"{plan.model_name} {pathlib.Path(model.checkpoint).name}", data, named, settings, loaded)
    result = run_sweep(interleave(cfg.seeds, [(dist, cfg.shifts, metadata)]), cfg, progress, started=started, **sweep)
    scaled = metadata.cost_scale.sentence(_epoch_images(dist, cfg))
    return replace(
        result, notes=(f"plan: {plan.sentence()}", *plan.limits(), *([scaled] if scaled else []), *result.notes)
    )


def _self_metadata(model: str, data: Any, named: str, settings: SelfCalibration, loaded: Any) -> RecordMetadata:
    """What a self-calibration's records share, its costs priced for the user's epochs (``CostScale``)."""
    meter = settings.meter()
    return RecordMetadata(
        model,
        getattr(data, "name", named),
        "self",
        meter,
        settings.country_iso if meter is not None else "",
        family=family_of(loaded),
        cost_scale=CostScale(settings.epoch_images, settings.data_fraction),
    )


def _epoch_images(dist: DistCases, cfg: SweepConfig) -> int:
    """Images one retraining epoch of the sweep runs over: the shifted new part less its validation slice."""
    return len(stratified_split(np.asarray(dist.new_clean.targets), cfg.val_fraction, 0)[0])


def _teller(progress, started: float, max_minutes: float | None) -> Callable[..., None]:
    """``say(kind, message, **fields)``: a ``SweepEvent`` with the time spent and left, before the sweep counts runs."""

    def say(kind: str, message: str, **fields: Any) -> None:
        if progress is not None:
            elapsed = time.monotonic() - started
            left = None if max_minutes is None else max(0.0, 60 * max_minutes - elapsed)
            progress(SweepEvent(kind, message, elapsed_s=elapsed, left_s=left, **fields))

    return say


def records_frame(result: SweepResult) -> Any:
    """The sweep's records as a validated DataFrame in the schema's column order."""
    from resque_core.forecast.records import validate_records

    if not result.rows:
        raise RetrainError("the sweep produced no records; give it a larger time budget or fewer cases")
    return validate_records([record.to_row() for record in result.rows], name="calibration sweep")


def curves_frame(result: SweepResult) -> Any:
    """The evaluation curves of the sweep's records (``forecast.curves.CURVE_COLUMNS``), by run and epoch."""
    from resque_core.forecast.curves import carried_curves, validate_curves

    return validate_curves(carried_curves(record.store_row() for record in result.rows), name="calibration sweep")


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
