"""Validation: really retrain the old model on the new data here, and keep the run as a calibration record.

The dashboard's Validate page runs ``validate`` in a background thread and ``validation_record``
turns the measured run into the same record a calibration sweep writes (``calibration.rows``), so
it carries the shift type, level, seed and kWh per epoch, and feeds the per-type curves.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resque_core.calibration.cases import stratified_split
from resque_core.calibration.labels import Labels
from resque_core.calibration.rows import make_row
from resque_core.data import Preprocessed, ShiftSpec, Subset
from resque_core.forecast.family import ModelFamily, family_of
from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.loop import retrain
from resque_core.retraining.meters import CodecarbonMeter, EnergyMeter
from resque_core.retraining.results import EpochRecord, RetrainResult

__all__ = [
    "VALIDATION_RULES",
    "ValidatedShift",
    "ValidationSettings",
    "validate",
    "validation_family",
    "validation_record",
]

VALIDATION_RULES = ("plateau", "base-minus")


@dataclass(frozen=True)
class ValidationSettings:
    """How a validation run retrains.

    Attributes:
        target_rule: "plateau" (until validation accuracy stops improving) or "base-minus" (until it
            reaches ``base_acc - tolerance``).
        max_epochs: the cap; a run that hits it is censored.
        tolerance: accuracy points below ``base_acc`` that count as recovered ("base-minus").
        base_acc: the old model's accuracy on its original data, in [0, 1] ("base-minus").
        val_fraction: share of the new data held out (stratified) to measure accuracy on.
        seed: seed of the split and of the training order.
        head: "keep" the classifier (distribution shift) or a "new" one (task shift).
        measure_energy: meter the run with codecarbon (an estimate without power counters).
        country_iso: ISO3 code of the grid whose annual intensity turns kWh into CO2.
    """

    target_rule: str = "plateau"
    max_epochs: int = 10
    tolerance: float = 0.02
    base_acc: float | None = None
    val_fraction: float = 0.25
    seed: int = 0
    head: str = "keep"
    measure_energy: bool = True
    country_iso: str = "DEU"

    def retrain_config(self) -> RetrainConfig:
        return RetrainConfig(
            target_rule=self.target_rule,
            base_acc=self.base_acc,
            tolerance=self.tolerance,
            max_epochs=self.max_epochs,
            seed=self.seed,
            head=self.head,
            device="auto",
        )

    def meter(self) -> EnergyMeter | None:
        return CodecarbonMeter(self.country_iso, tracking_mode="process") if self.measure_energy else None


@dataclass(frozen=True)
class ValidatedShift:
    """The shift a validation run retrained on, as its record states it (see ``calibration.rows.ShiftFacts``)."""

    index_kind: str
    index_value: float
    noise_floor: float | None
    shift: str
    shift_type: str
    shift_level: int | None
    start_acc: float
    n_train: int | None = None

    @classmethod
    def of(cls, report: Any, start_acc: float, n_train: int | None = None) -> ValidatedShift:
        """From an ``IndexReport``: a simulated shift gives its type and level, a new dataset neither."""
        spec = ShiftSpec.parse(report.shift) if report.shift else None
        return cls(
            index_kind=report.kind,
            index_value=float(report.value),
            noise_floor=report.noise_floor,
            shift=str(spec) if spec else "",
            shift_type=spec.kind if spec else "",
            shift_level=spec.level if spec else None,
            start_acc=start_acc,
            n_train=n_train,
        )


def validate(
    loaded: Any,
    new_data: Any,
    settings: ValidationSettings,
    progress: Callable[[EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RetrainResult:
    """Retrain ``loaded.model`` (a copy) on ``new_data``, holding out ``settings.val_fraction`` to validate on."""
    data = Preprocessed(new_data, loaded.input_spec)
    train_idx, val_idx = stratified_split(data.targets, settings.val_fraction, settings.seed)
    return retrain(
        loaded.model,
        Subset(data, train_idx),
        Subset(data, val_idx),
        settings.retrain_config(),
        meter=settings.meter(),
        progress=progress,
        should_stop=should_stop,
    )


def validation_family(loaded: Any, new_data: Any, settings: ValidationSettings) -> ModelFamily:
    """The family of the model ``validate`` retrains, with the images its training part holds."""
    targets = Preprocessed(new_data, loaded.input_spec).targets
    train_idx, _ = stratified_split(targets, settings.val_fraction, settings.seed)
    return family_of(loaded, n_train=len(train_idx))


def validation_record(
    result: RetrainResult,
    report: Any,
    settings: ValidationSettings,
    model: str,
    dataset: str,
    family: ModelFamily | None = None,
) -> dict:
    """The measured run as one calibration record, costed at the epochs it took (a sweep's columns).

    ``family`` (``validation_family``) fills the model family columns; None leaves them empty.
    """
    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    country = settings.country_iso if settings.measure_energy else ""
    labels = Labels(model, dataset, f"validate-{stamp}", None, country, family=family)
    shift = ValidatedShift.of(report, result.start_acc, family.n_train if family else None)
    return make_row(labels, shift, settings.seed, "retrain", result, result.epochs, result.censored)
