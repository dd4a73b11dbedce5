"""What a calibration sweep runs and its budget (``SweepConfig``), and self-calibration's settings
(``SelfCalibration``): the one object the dashboard and ``python -m resque_core calibrate`` both build,
so they differ only where the user sets something.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from resque_core.data import ShiftSpec
from resque_core.energy.meters import CodecarbonMeter, EnergyMeter

__all__ = [
    "PLANS",
    "PLATEAU_PATIENCE",
    "SELF_CALIBRATION_SHIFTS",
    "SWEEP_RULES",
    "SelfCalibration",
    "SweepConfig",
    "shifts_of",
]

# Ordered so that any first few cover the types and levels: a plan that fits a budget takes a prefix.
SELF_CALIBRATION_SHIFTS = (
    "gaussian_noise:3",
    "gaussian_blur:3",
    "contrast:3",
    "gaussian_noise:5",
    "gaussian_blur:5",
    "contrast:5",
    "gaussian_noise:1",
    "gaussian_blur:1",
    "gaussian_noise:4",
    "contrast:1",
)
PLANS = ("auto", "fixed")

SWEEP_RULES = ("reachable", "case", "plateau", "base-minus")
PLATEAU_PATIENCE = 8


@dataclass(frozen=True)
class SweepConfig:
    """What a calibration sweep runs, and its budget.

    Attributes:
        shifts: distribution shifts as "TYPE:LEVEL" strings.
        task_splits: (old classes, new classes) pairs, run with ``task_model`` and a new head.
        seeds: repetitions of every case.
        max_epochs: cap of a retraining run (reaching it marks the record censored).
        scratch_epochs: fixed budget of each from-scratch run.
        val_fraction: share of the shifted new data held out for validation (stratified).
        data_fraction: share of the source data used (stratified), for large user datasets.
        tolerance: points below the base accuracy that count as recovered.
        scratch_frac: fraction of the reference accuracy (the better of from scratch and fine-tuned) the
            "reachable" and "case" targets ask for.
        target_rule: the retraining runs' target rule ("reachable", the default: each run's target is
            ``min(base - tolerance, scratch_frac x max(scratch, its own fine-tuned best))``; "case": one
            target per shift for all its seeds, set by its first seed; "plateau" or "base-minus"; see
            ``resque_core.retraining.targets``); the from-scratch record is costed at the epoch the same rule is met.
        plateau_delta, plateau_patience: the "plateau" rule's band (None: two standard errors of the
            validation accuracy) and the evaluations that must stay in it.
        case_margin: the "case" rule takes two standard errors of the validation slice off the first
            seed's fine-tuned best (``RetrainConfig.reference_margin``), so the other seeds can reach it.
        split_seed: seed of the paper split (keep the one the model was trained with).
        max_minutes: wall-clock budget; the sweep stops cleanly between (or inside) runs.
        max_cases: count budget: the sweep stops after this many cases have a retraining record.
        lr, batch_size: training settings (Adam).
        device: where each run trains ("cpu"; the Ray executor with ``gpus_per_run`` > 0 runs them on "cuda").
    """

    shifts: tuple[str, ...] = ()
    task_splits: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()
    seeds: tuple[int, ...] = (0, 1, 2)
    max_epochs: int = 30
    scratch_epochs: int = 30
    val_fraction: float = 0.25
    data_fraction: float = 1.0
    tolerance: float = 0.02
    scratch_frac: float = 0.97
    target_rule: str = "reachable"
    plateau_delta: float | None = None
    plateau_patience: int = PLATEAU_PATIENCE
    case_margin: bool = True
    split_seed: int = 0
    max_minutes: float | None = None
    max_cases: int | None = None
    lr: float = 1e-3
    batch_size: int = 32
    device: str = "cpu"


def shifts_of(types: Iterable[str], levels: Iterable[int] = range(1, 6)) -> tuple[str, ...]:
    """Every ``TYPE:LEVEL`` of these shift types at these levels, checked (``ShiftError`` on a bad one)."""
    return tuple(str(ShiftSpec(kind, level)) for kind in types for level in levels)


@dataclass(frozen=True)
class SelfCalibration:
    """Self-calibration on a user's model: the shifts it simulates, its budgets, and its energy meter.

    With ``plan="auto"`` (the default) ``shifts``, ``seeds``, ``max_epochs``, ``scratch_epochs`` and
    ``data_fraction`` are upper limits: before starting, ``calibration.plan.plan_self_calibration``
    times a few training steps and picks a prefix of the shifts, the seeds, the caps and the fraction
    that fit ``max_minutes`` and still give the forecaster its 8 retraining records (or refuses, naming
    the budget that would). ``plan="fixed"`` runs them as given.

    Attributes:
        shifts: distribution shifts as "TYPE:LEVEL" strings, each one case (auto: the first ones are used).
        seeds: repetitions of every case (auto: at most this many, more only to fit the budget).
        max_epochs: cap of a retraining run (reaching it marks the record censored).
        scratch_epochs: budget of each from-scratch run.
        max_minutes: wall-clock budget (None: none); the sweep stops cleanly.
        max_cases: count budget (None: every case); the sweep stops after this many cases.
        data_fraction: share of the original data used (stratified), for large datasets.
        plan: "auto" (fit the budget) or "fixed" (run these settings as given).
        target_rule, plateau_delta, plateau_patience: when a retraining run counts as done (``SweepConfig``).
        measure_energy: meter every run with codecarbon (an estimate without power counters).
        country_iso: ISO3 code of the grid whose annual intensity turns kWh into CO2.
        tracking_mode: codecarbon's "process" (this process's share) or "machine".
        epoch_images: images one epoch of the user's real retraining runs over (the new data's training part);
            the records' seconds and kWh are scaled to it (``calibration.cost_scale``; None: to the full
            original data's when the runs train on a fraction of it).
    """

    shifts: tuple[str, ...] = SELF_CALIBRATION_SHIFTS
    seeds: int = 2
    max_epochs: int = 30
    scratch_epochs: int = 30
    max_minutes: float | None = None
    max_cases: int | None = None
    data_fraction: float = 1.0
    target_rule: str = "reachable"
    plateau_delta: float | None = None
    plateau_patience: int = PLATEAU_PATIENCE
    measure_energy: bool = True
    country_iso: str = "DEU"
    tracking_mode: str = "process"
    plan: str = "auto"
    epoch_images: int | None = None

    def sweep_config(self) -> SweepConfig:
        """The sweep these settings run."""
        return SweepConfig(
            shifts=tuple(str(ShiftSpec.parse(s)) for s in self.shifts),
            seeds=tuple(range(self.seeds)),
            max_epochs=self.max_epochs,
            scratch_epochs=self.scratch_epochs,
            data_fraction=self.data_fraction,
            target_rule=self.target_rule,
            plateau_delta=self.plateau_delta,
            plateau_patience=self.plateau_patience,
            max_minutes=self.max_minutes,
            max_cases=self.max_cases,
        )

    def meter(self) -> EnergyMeter | None:
        """codecarbon on ``country_iso``'s grid, or None when energy is not measured."""
        return CodecarbonMeter(self.country_iso, tracking_mode=self.tracking_mode) if self.measure_energy else None
