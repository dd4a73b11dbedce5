"""Validation: really retrain the old model on the new data here, and keep the run as a calibration record.

The dashboard's Validate page runs ``validate`` in a background thread and ``validation_record``
turns the measured run into the same record a calibration sweep writes (``calibration.rows``), so
it carries the shift type, level, seed and kWh per epoch, and feeds the per-type curves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from resque_core.calibration.cases import stratified_split
from resque_core.calibration.metadata import RecordMetadata
from resque_core.calibration.record import CalibrationRecord
from resque_core.calibration.rows import ShiftFacts, make_row
from resque_core.data import Preprocessed, Subset
from resque_core.energy.meters import CodecarbonMeter, EnergyMeter
from resque_core.forecast.family import ModelFamily, family_of
from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.loop import retrain
from resque_core.retraining.results import EpochRecord, RetrainResult
from resque_core.retraining.rule import StoppingRule
from resque_core.units import bound_text, measure_label, measure_text

__all__ = [
    "VALIDATION_RULES",
    "RecordsRule",
    "ValidationSettings",
    "records_rule",
    "validate",
    "comparison",
    "rule_for_records",
    "validation_family",
    "validation_record",
]

VALIDATION_RULES = ("plateau", "base-minus")


@dataclass(frozen=True)
class RecordsRule:
    """The stopping rule of the retraining records a forecast was fitted on.

    Attributes:
        label: the records' ``target_rule`` labels, joined ("plateau(0.01x6)"; "" when they carry none).
        name: the rule they were made by ("plateau", "base-minus", "reachable"...); None when mixed or unknown.
        stopping: the one rule every record stopped by; None when they carry several labels or none.
    """

    label: str
    name: str | None
    stopping: StoppingRule | None = None

    @property
    def tolerance(self) -> float | None:
        """The "base-minus" records' tolerance (accuracy points, 0..1; "base-2pt" -> 0.02); None for other rules."""
        return self.stopping.tolerance if self.stopping is not None and self.name == "base-minus" else None

    @property
    def reproducible(self) -> bool:
        """Whether one validation run can stop by the same rule (the "case" and "reachable" rules need a
        from-scratch run too)."""
        return self.name in VALIDATION_RULES

    def same_as(self, run_rule: StoppingRule) -> bool:
        """Whether a run that stopped by ``run_rule`` (``RetrainResult.target_rule``) used this rule, band and
        tolerance."""
        return self.name is not None and run_rule.describe() == self.label

    def settings_for(self, settings: ValidationSettings) -> ValidationSettings:
        """``settings`` with the records' plateau band and patience when both stop at a plateau.

        (The "base-minus" tolerance is the user's to set; a page offers the records' as its default.)
        """
        rule = self.stopping
        if settings.target_rule == self.name == "plateau" and rule is not None and rule.plateau_patience is not None:
            return replace(settings, plateau_delta=rule.plateau_delta, plateau_patience=rule.plateau_patience)
        return settings


def records_rule(records: Any, index_kind: str | None = None) -> RecordsRule:
    """The stopping rule of ``records``' retraining runs (of ``index_kind`` when given)."""
    rows = records[records["run_kind"] == "retrain"] if "run_kind" in records else records
    if index_kind is not None and "index_kind" in rows:
        rows = rows[rows["index_kind"] == index_kind]
    labels = sorted({str(v) for v in rows.get("target_rule", []) if isinstance(v, str) and v.strip()})
    rules = [StoppingRule.from_label(label) for label in labels]
    names = {rule.name for rule in rules}
    name = names.pop() if len(names) == 1 else None
    return RecordsRule("; ".join(labels), name, rules[0] if len(rules) == 1 else None)


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
        plateau_delta, plateau_patience: the "plateau" rule's band (0..1; None: two standard errors of
            the window's mean accuracy) and the evaluations that must stay in it.
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
    plateau_delta: float | None = 0.01
    plateau_patience: int = 6

    def retrain_config(self) -> RetrainConfig:
        return RetrainConfig.of(self, base_acc=self.base_acc, seed=self.seed, head=self.head, device="auto")

    def meter(self) -> EnergyMeter | None:
        return CodecarbonMeter(self.country_iso, tracking_mode="process") if self.measure_energy else None


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
) -> CalibrationRecord:
    """The measured run as one calibration record, costed at the epochs it took (a sweep's columns).

    ``family`` (``validation_family``) fills the model family columns; None leaves them empty.
    """
    country = settings.country_iso if settings.measure_energy else ""
    labels = RecordMetadata(model, dataset, "validate", None, country, family=family)
    shift = ShiftFacts.of_report(report, result.start_acc, family.n_train if family else None)
    return make_row(labels, shift, settings.seed, "retrain", result, result.epochs, result.censored)


def rule_for_records(rule: RecordsRule, settings: ValidationSettings) -> tuple[ValidationSettings, str]:
    """``settings`` stopping by the records' rule where one run can reproduce it, and a sentence saying what was done.

    A "base-minus" record rule brings its tolerance, a "plateau" one its band and patience. Records
    whose rule one run cannot reproduce (the "case" and "reachable" rules, mixed or unknown labels) leave
    ``settings`` as they are, and the sentence says the epochs will not compare like with like.
    """
    if not rule.label:
        return settings, f"the records carry no stopping rule; this run stops by {settings.target_rule}"
    if not rule.reproducible:
        return settings, (
            f"the records stop by `{rule.label}` ({rule.name or 'mixed rules'}), which one run cannot reproduce; "
            f"this run stops by {settings.target_rule}, so its epochs do not compare like with like"
        )
    chosen = replace(settings, target_rule=rule.name)
    if rule.tolerance is not None:
        chosen = replace(chosen, tolerance=rule.tolerance)
    return rule.settings_for(chosen), f"this run stops by the records' rule `{rule.label}`"


def comparison(result: RetrainResult, forecast: Any, rule: RecordsRule | None) -> list[dict[str, str]]:
    """Measured vs forecast, per measure, in words (a censored count as ">= N"), and each side's stopping rule.

    The Validate page and ``python -m resque_core validate`` show these rows.
    """
    measured = {"epochs": bound_text(result.epochs, result.censored), "seconds": result.seconds}
    measured["kwh"] = result.energy_kwh
    rows = []
    for measure, value in measured.items():
        iv = forecast.measures.get(measure) if forecast is not None else None
        rows.append(
            {
                "measure": measure_label(measure),
                "measured": value if isinstance(value, str) else measure_text(measure, value),
                "forecast (modeled)": measure_text(measure, iv.point) if iv else "–",
                "interval": f"{measure_text(measure, iv.low)} – {measure_text(measure, iv.high)}" if iv else "–",
            }
        )
    if rule is not None:
        same = rule.same_as(result.target_rule)
        rows.append(
            {
                "measure": "Stopping rule",
                "measured": result.target_rule.describe(),
                "forecast (modeled)": rule.label or "–",
                "interval": "the same rule" if same else "the rules differ: not like with like",
            }
        )
    return rows
