"""An honest answer for a model the calibration library does not know.

For such a model the library's epochs are another family's. What it can still say: the library's
runs carried over in the cost unit that transferred best when each family was left out of the others
(``forecast.transfer``), with an interval made from those held-out families' errors, and what it would
take to do better: a self-calibration on the user's model, its time estimated by the planner
(``calibration.plan``) from a few timed training steps, and the one command that runs it.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from resque_core.calibration.config import SelfCalibration
from resque_core.calibration.library import library_family, library_records, train_epochs_by_key
from resque_core.calibration.plan import SAFETY, plan_self_calibration
from resque_core.errors import RecordsError
from resque_core.forecast.family import COST_UNITS, ModelFamily, UnitReference, family_key, family_of
from resque_core.forecast.transfer import TransferForecast, best_transfer_check, transfer_forecast

__all__ = ["UnknownModelAdvice", "self_calibration_command", "unknown_model_advice", "with_unknown_model_note"]


@dataclass(frozen=True)
class UnknownModelAdvice:
    """What the library says about a model of a family it lacks.

    Attributes:
        family: the user's model family.
        library: the families of the library's records ("SmallCNN 16x16x1", ...).
        transfer: the forecast carried across families, with leave-one-family-out intervals, in epochs
            (None: the library has fewer than two families with records to leave out).
        self_calibration_minutes: the time budget a self-calibration on this model needs, in minutes.
        command: the command that runs it.
    """

    family: ModelFamily
    library: tuple[str, ...]
    transfer: TransferForecast | None
    self_calibration_minutes: int
    command: str

    def sentence(self) -> str:
        """What the forecast rests on, and how to get a better one, in two or three sentences."""
        if self.transfer is not None:
            first = self.transfer.sentence()
        else:
            held = ", ".join(self.library) or "no named family"
            first = (
                f"The calibration library holds runs of {held} only, so no family could be left out to measure "
                "how far its epochs carry to another family's."
            )
        return (
            f"{first} A self-calibration on your model would take about {self.self_calibration_minutes} min: "
            f"{self.command}"
        )

    def to_dict(self) -> dict:
        t = self.transfer
        return {
            "family": self.family.describe(),
            "library": list(self.library),
            "transfer": None
            if t is None
            else {
                "epochs": {"point": t.point, "low": t.low, "high": t.high},
                "unit": t.unit,
                "signal": "acc_drop" if t.signal == "acc_drop" else "index",
                "lofo_mae_epochs": t.check.mae_epochs,
                "lofo_coverage": t.check.coverage,
                "n_families": t.check.n_families,
            },
            "self_calibration_minutes": self.self_calibration_minutes,
            "command": self.command,
            "sentence": self.sentence(),
        }


def with_unknown_model_note(
    forecast: Any, loaded: Any, data: Any, model: Any, original: str, acc_drop: float | None = None
) -> tuple[Any, Any]:
    """``(forecast, advice)``: a ``Forecast`` whose ``family_note`` says the records are of another family gets the
    library's advice appended (None: no note, or the model's family is in the library). The page, the
    ``forecast`` command and the report all show this one note. ``acc_drop``: the old model's accuracy
    drop on the labelled new data, when known (it may carry across families better than the index).
    """
    from dataclasses import replace

    if not forecast.family_note:
        return forecast, None
    labelled = forecast.signals is None or forecast.signals.labels == "given"
    acc_drop = acc_drop if labelled else None
    advice = unknown_model_advice(
        loaded, data, model, original, forecast.index, level=forecast.level, acc_drop=acc_drop
    )
    if advice is None:
        return forecast, None
    return replace(forecast, family_note=f"{forecast.family_note} {advice.sentence()}"), advice


def unknown_model_advice(
    loaded: Any,
    data: Any,
    model: Any,
    original: str,
    index: float,
    records: pd.DataFrame | None = None,
    scratch_epochs: float | None = None,
    level: float = 0.8,
    train_epochs: Mapping[str, float] | None = None,
    acc_drop: float | None = None,
) -> UnknownModelAdvice | None:
    """The advice for ``loaded`` (a ``LoadedModel``) at ``index``, or None when the library has its family.

    Args:
        data: its original data (``original`` names it in the command), for the planner's timed steps.
        model: the ``ModelSource`` it was loaded from (or a checkpoint path), for the command.
        records: the library's records (default: every calibrated family, ``library.library_records``).
        scratch_epochs: epochs the user's model needs from scratch, if known (the ``scratch_fraction`` unit);
            the ``train_fraction`` unit reads its original training's epochs from the checkpoint's ``epochs``.
        train_epochs: each library family's original training epochs by family key (default: the library's).
        acc_drop: the old model's accuracy drop on the labelled new data, if known: the forecast is then
            carried on whichever of it and the index held best when each family was left out.
    """
    family = family_of(loaded)
    if library_family(family.arch, family.input_size) is not None:
        return None
    records = records if records is not None else library_records()
    epochs = (getattr(loaded, "meta", None) or {}).get("epochs")
    reference = UnitReference(scratch_epochs=scratch_epochs, train_epochs=float(epochs) if epochs else None)
    minutes = self_calibration_minutes(loaded, data)
    return UnknownModelAdvice(
        family=family,
        library=tuple(sorted(family_key(records).dropna().unique())),
        transfer=_best_transfer(
            records,
            {"index_value": index, "acc_drop": acc_drop},
            reference,
            level,
            train_epochs or train_epochs_by_key(),
        ),  # fmt: skip
        self_calibration_minutes=minutes,
        command=self_calibration_command(model, original, minutes),
    )


def _best_transfer(
    records: pd.DataFrame,
    values: Mapping[str, float | None],
    reference: UnitReference,
    level: float,
    train_epochs: Mapping[str, float],
) -> TransferForecast | None:
    """The forecast on the signal (the index, the accuracy drop: those the user has, ``values``) and in the
    unit with the lowest leave-one-family-out MAE that the user's model has a reference for."""
    usable = tuple(u for u in COST_UNITS if _has(reference, u))
    signals = tuple(name for name, value in values.items() if value is not None)
    best = best_transfer_check(records, signals, usable, train_epochs, level)
    if best is None:
        return None
    return transfer_forecast(
        records, values[best.signal], best.unit, reference, train_epochs, level, signal=best.signal
    )


def _has(reference: UnitReference, unit: str) -> bool:
    try:
        reference.epochs_per_unit(unit)
    except RecordsError:
        return False
    return True


def self_calibration_minutes(loaded: Any, data: Any) -> int:
    """The ``--max-minutes`` a self-calibration of this model on ``data`` needs for the forecaster's records."""
    plan = plan_self_calibration(loaded, data, SelfCalibration(plan="auto"))
    return max(1, math.ceil(plan.estimated_s / SAFETY / 60))


def self_calibration_command(model: Any, original: str, minutes: int) -> str:
    """The one command that self-calibrates on the user's model (``model``: a ``ModelSource`` or a path)."""
    from resque_core.model.source import ModelSource

    source = model if isinstance(model, ModelSource) else ModelSource(checkpoint=str(model))
    words = ["python", "-m", "resque_core", "calibrate", *source.to_args()]
    return shlex.join([*words, "--original", str(original), "--max-minutes", str(minutes)])
