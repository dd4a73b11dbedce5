"""One calibration record, typed: the run a sweep or a Validate run measured, as the records CSV stores it.

Its fields are the CSV's columns (``forecast.records.RECORD_COLUMNS``, in the same order), then the run's
evaluation curve; ``to_row`` gives the row the CSV takes, ``store_row`` the same row with its curve (what the
store saves together), ``from_row`` reads one back. The stopping rule is a ``StoppingRule``:
the CSV keeps its label (``StoppingRule.describe``), read back into fields where a file is read.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from resque_core.forecast.curves import CURVE_KEY
from resque_core.retraining.curve import Curve
from resque_core.retraining.rule import StoppingRule

__all__ = ["CalibrationRecord"]

_INTS = frozenset({"shift_level", "seed", "n_params", "n_train", "max_epochs"})


@dataclass(frozen=True, kw_only=True)
class CalibrationRecord:
    """One retraining run and what it cost. Accuracies are fractions (0..1); None: not measured.

    Attributes:
        run_id: the run's key in the store ("self-retrain-gaussian_noise:3-s0-<hex>").
        date: when the record was made, UTC, "YYYY-MM-DDThh:mm:ssZ".
        run_kind: "retrain" (the old model fine-tuned) or "scratch" (a fresh model, the from-scratch cost).
        index_kind, index_value, noise_floor: the RESQUE index ("dist" or "task") and that of unshifted data.
        shift, shift_type, shift_level: "TYPE:LEVEL" (or "task:0-4->5-9"; "" for a user's dataset), split.
        seed: the run's seed (shift noise, validation slice, training order).
        model, dataset: names of the checkpoint and of the original data.
        arch, n_params, input_size, n_train: the model family (``forecast.family``): architecture, parameter
            count, input size ("CxHxW") and images one epoch runs over.
        hardware: where it trained.
        target_rule: the rule the run stopped by.
        target_acc: the accuracy the rule asked for (None: a censored plateau run).
        start_acc: the old model's accuracy on the new data before retraining.
        acc_gap: ``target_acc - start_acc``.
        base_acc, acc_drop, mean_conf, index_free: the forecast signals besides the index
            (``forecast.signals``): clean accuracy, ``base_acc - start_acc``, mean confidence, label-free index.
        epochs: fractional epochs to the target (a lower bound when ``censored``).
        censored: the run hit ``max_epochs`` before its target.
        max_epochs: the run's cap, in epochs.
        grad_norm, param_change: mean gradient norm, and parameter change (L2) at the end, up to ``epochs``.
        seconds: training wall time up to ``epochs``, in s.
        kwh, co2_kg: energy (kWh) and emissions (kg CO2e) up to ``epochs``.
        kwh_per_epoch: energy per full epoch trained, in kWh.
        energy_source: how the energy was known ("codecarbon-measured", "codecarbon-estimated"...).
        country_iso, intensity_g_per_kwh: the grid (ISO3) and its intensity, in g CO2e per kWh.
        versions: package versions that made it.
        sweep_id: the calibration sweep that made it (None: Validate runs and imported history).
        curve: the run's evaluation curve (``retraining.curve``; None: read from a file), not a CSV column.
    """

    run_id: str | None = None
    date: str | None = None
    run_kind: str
    index_kind: str
    index_value: float
    noise_floor: float | None = None
    shift: str | None = None
    shift_type: str | None = None
    shift_level: int | None = None
    seed: int | None = None
    model: str | None = None
    dataset: str | None = None
    arch: str | None = None
    n_params: int | None = None
    input_size: str | None = None
    n_train: int | None = None
    hardware: str | None = None
    target_rule: StoppingRule | None = None
    target_acc: float | None = None
    start_acc: float | None = None
    acc_gap: float | None = None
    base_acc: float | None = None
    acc_drop: float | None = None
    mean_conf: float | None = None
    index_free: float | None = None
    epochs: float
    censored: bool
    max_epochs: int | None = None
    grad_norm: float | None = None
    param_change: float | None = None
    seconds: float | None = None
    kwh: float | None = None
    co2_kg: float | None = None
    kwh_per_epoch: float | None = None
    energy_source: str | None = None
    country_iso: str | None = None
    intensity_g_per_kwh: float | None = None
    versions: str | None = None
    sweep_id: str | None = None
    curve: Curve | None = field(default=None, repr=False)

    def to_row(self) -> dict[str, Any]:
        """The record as a row of the records CSV and store: the stopping rule as its label, censored 0/1."""
        row = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "curve"}
        row["target_rule"] = self.target_rule.describe() if self.target_rule is not None else None
        row["censored"] = int(self.censored)
        return row

    def store_row(self) -> dict[str, Any]:
        """``to_row`` with the run's curve points under ``forecast.curves.CURVE_KEY``: the store saves both at once."""
        row = self.to_row()
        if self.curve is not None:
            row[CURVE_KEY] = [asdict(point) for point in self.curve.points]
        return row

    @classmethod
    def from_row(cls, row: Any) -> CalibrationRecord:
        """A record from a row of a records file or store (a dict, or a validated frame's row; NaN is empty).

        Columns it does not know are ignored; the stopping rule's label is read back into fields here.
        """
        values = {}
        for f in fields(cls):
            if f.name == "curve":  # not a column: a file's row has no curve
                continue
            value = row.get(f.name)
            if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
                continue
            values[f.name] = int(value) if f.name in _INTS else value
        values["target_rule"] = StoppingRule.from_label(values.get("target_rule"))
        values["censored"] = bool(int(values.get("censored", 0)))
        return cls(**values)
