"""One calibration record per retraining run (a ``CalibrationRecord``), from what it says of the shift
(``ShiftFacts``) and the run's cost up to an epoch.

Every record, from a calibration sweep or from a Validate run in the dashboard, is made here, so
they all carry the same columns (shift type and level, seed, the model's family, kWh per epoch...).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Any

from resque_core.calibration.metadata import RecordMetadata
from resque_core.calibration.record import CalibrationRecord
from resque_core.data import ShiftSpec
from resque_core.retraining.curve import run_curve
from resque_core.retraining.results import RetrainResult
from resque_core.retraining.rule import StoppingRule

__all__ = ["ShiftFacts", "cost_at", "make_row", "run_id"]


@dataclass(frozen=True)
class ShiftFacts:
    """What a record says about the shift a run retrained on: a sweep's case (``Case.facts``) or the data
    of a Validate run (``of_report``).

    Attributes:
        index_kind: "dist" or "task".
        index_value: the old model's RESQUE index on the new data.
        noise_floor: the index of unshifted data (None: not measured).
        shift: "TYPE:LEVEL", "task:0-4->5-9", or "" for a dataset the user gave.
        shift_type, shift_level: the shift's type and level ("" and None when not simulated; task: "task", None).
        start_acc: the old model's accuracy (0..1) on the new data's validation slice, before retraining.
        base_acc: the old model's clean held-out accuracy (0..1).
        n_train: images one retraining epoch runs over (None: unknown).
        mean_conf: the old model's mean max-softmax probability on the new data.
        index_free: the label-free RESQUE_dist (the new data grouped by the old model's predictions).
        drop_acc: the old model's accuracy on the part of the new data it retrains on, disjoint from the
            validation slice the target is judged on: the accuracy drop is ``base_acc - drop_acc``, so the
            signal does not share its measurement with the outcome (None: ``start_acc`` stands in).
    """

    index_kind: str
    index_value: float
    noise_floor: float | None
    shift: str
    shift_type: str
    shift_level: int | None
    start_acc: float
    base_acc: float | None = None
    n_train: int | None = None
    mean_conf: float | None = None
    index_free: float | None = None
    drop_acc: float | None = None

    @classmethod
    def of_report(cls, report: Any, start_acc: float, n_train: int | None = None) -> ShiftFacts:
        """From an ``IndexReport``: a simulated shift gives its type and level, a new dataset neither; the
        old model's clean accuracy, its confidence and the label-free index come with the report."""
        spec = ShiftSpec.parse(report.shift) if report.shift else None
        return cls(
            index_kind=report.kind,
            index_value=float(report.value),
            noise_floor=report.noise_floor,
            shift=str(spec) if spec else "",
            shift_type=spec.kind if spec else "",
            shift_level=spec.level if spec else None,
            start_acc=start_acc,
            base_acc=getattr(report, "base_acc", None),
            n_train=n_train,
            mean_conf=getattr(report, "mean_conf", None),
            index_free=getattr(report, "index_free", None),
        )


def make_row(
    metadata: RecordMetadata,
    facts: ShiftFacts,
    seed: int,
    run_kind: str,
    result: RetrainResult,
    epochs: float,
    censored: bool,
    target: tuple[float | None, StoppingRule] | None = None,
) -> CalibrationRecord:
    """One calibration record for a run on the shift ``facts`` state, costed at ``epochs``, with the run's whole
    evaluation curve; ``target``: the accuracy and rule it is judged by, when not the run's own."""
    target_acc, rule = target if target is not None else (result.target_acc, result.target_rule)
    cost = cost_at(result, epochs)
    family = metadata.family
    dist = facts.index_kind == "dist" and facts.base_acc is not None  # new classes have no old accuracy to drop
    record = CalibrationRecord(
        run_id=run_id(metadata.run_prefix, run_kind, facts.shift, seed),
        date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        run_kind=run_kind,
        index_kind=facts.index_kind,
        index_value=facts.index_value,
        noise_floor=facts.noise_floor,
        shift=facts.shift,
        shift_type=facts.shift_type,
        shift_level=facts.shift_level,
        seed=seed,
        model=metadata.model,
        dataset=metadata.dataset,
        arch=family.arch if family else None,
        n_params=family.n_params if family else None,
        input_size=family.input_size if family else None,
        n_train=facts.n_train or (family.n_train if family else None),
        hardware=metadata.hardware,
        target_rule=rule,
        target_acc=target_acc,
        start_acc=facts.start_acc,
        acc_gap=target_acc - facts.start_acc if target_acc is not None else None,
        base_acc=facts.base_acc,
        acc_drop=facts.base_acc - (facts.start_acc if facts.drop_acc is None else facts.drop_acc) if dist else None,
        mean_conf=facts.mean_conf,
        index_free=facts.index_free,
        epochs=epochs,
        censored=censored,
        max_epochs=result.max_epochs,
        **cost,
        kwh_per_epoch=result.kwh_per_epoch,
        energy_source=result.energy_source or None,
        country_iso=metadata.country_iso or None,
        intensity_g_per_kwh=1000 * cost["co2_kg"] / cost["kwh"] if cost["kwh"] else None,
        versions=metadata.versions,
        curve=run_curve(result),
    )
    return metadata.cost_scale.apply(record) if metadata.cost_scale is not None else record


def run_id(prefix: str, run_kind: str, shift: str | None, seed: int) -> str:
    """A new run's id, e.g. "self-retrain-gaussian_noise:3-s0-<uuid4 hex>": readable, and unique whoever
    else runs at the same second on the same database (ids are keys: one run would replace the other)."""
    return f"{prefix}-{run_kind}-{shift or 'data'}-s{seed}-{uuid.uuid4().hex}"


def cost_at(result: RetrainResult, epochs: float) -> dict:
    """Seconds, kWh, CO2, mean grad norm and parameter change of ``result`` up to ``epochs`` epochs.

    A run that stopped at its target is costed by its totals; a from-scratch run that trained past the
    target is costed pro rata over the epochs it needed (grad norm averaged over them, parameter
    change at the end of the epoch in which the target fell). A run that needed no training has no
    grad norm (None) and no parameter change.
    """
    history = result.history
    trained = sum(h.fraction for h in history)
    if not history or epochs <= 0:
        return {
            "seconds": 0.0,
            "kwh": 0.0 if result.energy_kwh is not None else None,
            "co2_kg": 0.0 if result.co2_kg is not None else None,
            "grad_norm": None,  # no step taken: no gradient to report
            "param_change": 0.0,
        }
    share = min(epochs / trained, 1.0)
    used = history[: max(1, math.ceil(epochs - 1e-9))]
    weights = [min(h.fraction, max(epochs - i, 0.0)) for i, h in enumerate(used)]
    return {
        "seconds": result.seconds * share,
        "kwh": result.energy_kwh * share if result.energy_kwh is not None else None,
        "co2_kg": result.co2_kg * share if result.co2_kg is not None else None,
        "grad_norm": sum(w * h.grad_norm for w, h in zip(weights, used, strict=True)) / max(sum(weights), 1e-12),
        "param_change": used[-1].param_change,
    }
