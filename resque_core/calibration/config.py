"""What a calibration sweep runs and its budget: one settings object for the default, the CLI and the page."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PLATEAU_PATIENCE", "SWEEP_RULES", "SweepConfig"]

SWEEP_RULES = ("reachable", "plateau", "base-minus")
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
            "reachable" target asks for.
        target_rule: the retraining runs' target rule ("reachable", "plateau" or "base-minus"; see
            ``resque_core.retraining.targets``); the from-scratch record is costed at the epoch the same rule is met.
        plateau_delta, plateau_patience: the "plateau" rule's band (None: two standard errors of the
            validation accuracy) and the evaluations that must stay in it.
        split_seed: seed of the paper split (keep the one the model was trained with).
        max_minutes: wall-clock budget; the sweep stops cleanly between (or inside) runs.
        lr, batch_size: training settings (Adam).
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
    split_seed: int = 0
    max_minutes: float | None = None
    lr: float = 1e-3
    batch_size: int = 32
