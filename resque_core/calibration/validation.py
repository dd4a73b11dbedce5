"""Validation: really retrain the old model on the new data here, and keep the run as a calibration record.

The run retrains to the team's target (``forecast.targets.Target``: an accuracy, or within D points of the
old model's clean accuracy), the same target its forecast is for, so the two compare like for like
(``calibration.like_for_like``). The dashboard's Validate page runs ``validate`` in a background thread and
``validation_record`` turns the measured run into the same record a calibration sweep writes
(``calibration.rows``), with its evaluation curve, so it carries the shift type, level, seed and kWh per
epoch, and answers any other target later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resque_core.calibration.cases import stratified_split
from resque_core.calibration.metadata import RecordMetadata
from resque_core.calibration.record import CalibrationRecord
from resque_core.calibration.rows import ShiftFacts, make_row
from resque_core.data import Preprocessed, Subset
from resque_core.energy.meters import CodecarbonMeter, EnergyMeter
from resque_core.errors import ResqueError, RetrainError
from resque_core.forecast.family import ModelFamily, family_of
from resque_core.forecast.targets import DEFAULT_TARGET, Target
from resque_core.live.prior import prior_of
from resque_core.live.tracker import track
from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.loop import retrain
from resque_core.retraining.results import EpochRecord, RetrainResult

log = logging.getLogger(__name__)

__all__ = [
    "LiveSettings",
    "ValidationSettings",
    "validate",
    "validation_family",
    "validation_record",
]


@dataclass(frozen=True)
class ValidationSettings:
    """How a validation run retrains: to the team's target (``forecast.targets``), the one its forecast is for.

    Attributes:
        target: the accuracy the run retrains to (default: within 2 points of the old model's clean accuracy).
        max_epochs: the cap; a run that hits it before the target is censored.
        base_acc: the old model's accuracy on its original data, in [0, 1] (a "drop" target needs it).
        val_fraction: share of the new data held out (stratified) to measure accuracy on.
        seed: seed of the split and of the training order.
        head: "keep" the classifier (distribution shift) or a "new" one (task shift).
        measure_energy: meter the run with codecarbon (an estimate without power counters).
        country_iso: ISO3 code of the grid whose annual intensity turns kWh into CO2.
    """

    target: Target = DEFAULT_TARGET
    max_epochs: int = 10
    base_acc: float | None = None
    val_fraction: float = 0.25
    seed: int = 0
    head: str = "keep"
    measure_energy: bool = True
    country_iso: str = "DEU"

    def target_acc(self) -> float:
        """T, the accuracy on the new data the run stops at.

        Raises:
            RetrainError: a drop target without the old model's clean accuracy, or a T outside (0, 1].
        """
        goal = self.target.accuracy(self.base_acc)
        if goal is None:
            raise RetrainError(
                f"the target ({self.target.label}) needs the old model's clean accuracy, and this checkpoint records "
                "none: give it with --base-acc (e.g. 0.95), or give the target as an accuracy with --target-acc"
            )
        if not 0 < goal <= 1:
            raise RetrainError(f"the target accuracy {goal:.3g} ({self.target.label}) is not in (0, 1]")
        return goal

    def retrain_config(self) -> RetrainConfig:
        """A fixed target at ``target_acc`` up to the cap: what the forecast's epochs run to."""
        return RetrainConfig.of(
            self,
            target_rule="fixed",
            target_acc=self.target_acc(),
            base_acc=self.base_acc,
            seed=self.seed,
            head=self.head,
            device="auto",
        )

    def meter(self) -> EnergyMeter | None:
        return CodecarbonMeter(self.country_iso, tracking_mode="process") if self.measure_energy else None


def validate(
    loaded: Any,
    new_data: Any,
    settings: ValidationSettings,
    progress: Callable[[EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    live: LiveSettings | None = None,
) -> RetrainResult:
    """Retrain ``loaded.model`` (a copy) on ``new_data``, holding out ``settings.val_fraction`` to validate on.

    With ``live``, the run is tracked as a live run (``live.track``), as a team's own loop is: each evaluation
    in the records database as it happens, listed by the Runs page and ``runs`` with what is left.
    """
    data = Preprocessed(new_data, loaded.input_spec)
    train_idx, val_idx = stratified_split(data.targets, settings.val_fraction, settings.seed)
    parts = (loaded.model, Subset(data, train_idx), Subset(data, val_idx), settings.retrain_config())
    if live is None:
        return retrain(*parts, meter=settings.meter(), progress=progress, should_stop=should_stop)
    with live.track(settings) as run:
        spent = [0.0]

        def each_epoch(record: EpochRecord) -> None:
            if record.energy_kwh is not None:  # the run's own meter, epoch by epoch, is the tracker's energy
                spent[0] += record.energy_kwh
                run.energy(spent[0])
            if progress is not None:
                progress(record)

        result = retrain(
            *parts, meter=settings.meter(), progress=each_epoch, should_stop=should_stop,
            evaluated=lambda point: run.evaluated(point.epoch, point.val_acc),
        )  # fmt: skip
        if result.cancelled:
            run.stopped("cancelled")
    return result


@dataclass(frozen=True)
class LiveSettings:
    """How a validation run is tracked live: its ``name``, the ``prior`` forecast it checks, the database."""

    name: str
    prior: Any = None
    db: Any = None

    def track(self, settings: ValidationSettings) -> Any:
        prior = self.prior
        if prior is not None:
            try:
                prior = prior_of(prior)
            except ResqueError as exc:  # a forecast without finite epochs: the run is tracked without it
                log.warning("validation run tracked without its forecast as prior: %s", exc)
                prior = None
        return track(
            self.name, target_acc=settings.target_acc(), max_epochs=settings.max_epochs, prior=prior,
            country_iso=settings.country_iso, db=self.db, meter=None, keep_record=False,
        )  # fmt: skip


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
) -> CalibrationRecord:
    """The measured run as one calibration record, costed at the epochs it took (a sweep's columns).

    ``family`` (``validation_family``) fills the model family columns; None leaves them empty.
    """
    country = settings.country_iso if settings.measure_energy else ""
    labels = RecordMetadata(model, dataset, "validate", None, country, family=family)
    shift = ShiftFacts.of_report(report, result.start_acc, family.n_train if family else None)
    return make_row(labels, shift, settings.seed, "retrain", result, result.epochs, result.censored)
