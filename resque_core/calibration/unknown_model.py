"""What it would take to forecast a model the calibration library does not know from its own runs.

The headline forecast for such a model is the library's runs carried across families
(``calibration.model_forecast``, on the signal and in the cost unit ``best_transfer`` picks). What this
module adds, only when asked (it times a few training steps of the model): how long a self-calibration on
the user's model would take, estimated by the planner (``calibration.plan``), and the one command that runs
it, written with the model and data as the user named them (never a server's folder).
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from resque_core.calibration.config import SelfCalibration
from resque_core.calibration.library import library_family, library_records
from resque_core.calibration.plan import SAFETY, plan_self_calibration
from resque_core.errors import RecordsError
from resque_core.forecast.family import COST_UNITS, ModelFamily, UnitReference, family_key, family_of
from resque_core.forecast.transfer import TransferForecast, best_transfer_check, transfer_forecast

__all__ = [
    "DataChecks",
    "UnknownModelAdvice",
    "best_transfer",
    "self_calibration_command",
    "unknown_model_advice",
    "with_unknown_model_note",
]


@dataclass(frozen=True)
class UnknownModelAdvice:
    """How to get a forecast of the user's model from its own runs, for a model of a family the library lacks.

    Attributes:
        family: the user's model family.
        library: the families of the library's records ("SmallCNN 16x16x1", ...).
        self_calibration_minutes: the time budget a self-calibration on this model needs, in minutes.
        command: the command that runs it.
    """

    family: ModelFamily
    library: tuple[str, ...]
    self_calibration_minutes: int
    command: str

    def sentence(self) -> str:
        """The self-calibration offer, in one sentence."""
        return f"A self-calibration on your model would take about {self.self_calibration_minutes} min: {self.command}"

    def to_dict(self) -> dict:
        return {
            "family": self.family.describe(),
            "library": list(self.library),
            "self_calibration_minutes": self.self_calibration_minutes,
            "command": self.command,
            "sentence": self.sentence(),
        }


def with_unknown_model_note(
    forecast: Any, loaded: Any, data: Any, model: Any, original: str, checks: DataChecks | None = None
) -> tuple[Any, Any]:
    """``(forecast, advice)``: a ``Forecast`` whose ``family_note`` says the records are of another family gets the
    self-calibration offer appended (None: no note, or the model's family is in the library). The page, the
    ``forecast`` command and the report all show this one note.

    Args:
        data: the model's original data, opened (the planner times a few training steps on it).
        model: the ``ModelSource`` (or a checkpoint path) and ``original`` the data, as the command names them.
        checks: the data checks the user chose (a class map, a model used near chance), for the command.
    """
    from dataclasses import replace

    if not forecast.family_note:
        return forecast, None
    advice = unknown_model_advice(loaded, data, model, original, checks=checks)
    if advice is None:
        return forecast, None
    return replace(forecast, family_note=f"{forecast.family_note} {advice.sentence()}"), advice


def unknown_model_advice(
    loaded: Any,
    data: Any,
    model: Any,
    original: str,
    records: pd.DataFrame | None = None,
    checks: DataChecks | None = None,
) -> UnknownModelAdvice | None:
    """The advice for ``loaded`` (a ``LoadedModel``), or None when the library has its family.

    Args:
        data: its original data, for the planner's timed steps.
        model: the ``ModelSource`` it was loaded from (or a checkpoint path), and ``original`` its data, as the
            command should name them (the user's own words: a path they typed, an upload's file name).
        records: the library's records (default: every calibrated family, ``library.library_records``).
        checks: the data checks the user chose, repeated in the command.
    """
    family = family_of(loaded)
    if library_family(family.arch, family.input_size) is not None:
        return None
    records = records if records is not None else library_records()
    minutes = self_calibration_minutes(loaded, data)
    return UnknownModelAdvice(
        family=family,
        library=tuple(sorted(family_key(records).dropna().unique())),
        self_calibration_minutes=minutes,
        command=self_calibration_command(model, original, minutes, checks),
    )


def best_transfer(
    records: pd.DataFrame,
    values: Mapping[str, float | None],
    reference: UnitReference,
    level: float,
    train_epochs: Mapping[str, float],
) -> TransferForecast | None:
    """The forecast carried across families on the signal (the index, the accuracy drop: those the user has,
    ``values`` by column) and in the unit with the lowest leave-one-family-out MAE that the user's model has a
    reference for (None: fewer than two families to leave out)."""
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


@dataclass(frozen=True)
class DataChecks:
    """The checks on the original data a user chose, which the suggested ``calibrate`` command repeats.

    Attributes:
        class_map: the model output of each original class ("eight=8,five=5"), or None.
        accept_low_accuracy: the user chose to use a model that scores near chance on its original data.
    """

    class_map: str | None = None
    accept_low_accuracy: bool = False

    def to_args(self) -> list[str]:
        words = ["--class-map", self.class_map] if self.class_map else []
        return words + (["--accept-low-accuracy"] if self.accept_low_accuracy else [])


def self_calibration_command(model: Any, original: str, minutes: int, checks: DataChecks | None = None) -> str:
    """The one command that self-calibrates on the user's model (``model``: a ``ModelSource`` or a path)."""
    from resque_core.model.source import ModelSource

    source = model if isinstance(model, ModelSource) else ModelSource(checkpoint=str(model))
    words = ["python", "-m", "resque_core", "calibrate", *source.to_args(), "--original", str(original)]
    return shlex.join([*words, *(checks or DataChecks()).to_args(), "--max-minutes", str(minutes)])
