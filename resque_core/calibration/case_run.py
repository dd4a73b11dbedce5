"""One case of a calibration sweep, retrained by the sweep's target rule: its runs and their records.

``run_case`` runs the case's from-scratch reference when the shift has none yet, then the retraining
run; under the "reachable" rule (and the first seed of a "case" sweep) the fine-tuning trains until its
best settles the target, and both records are read from its recorded evaluations (``SweepConfig``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch

from resque_core.calibration.cases import Case
from resque_core.calibration.config import SweepConfig
from resque_core.calibration.metadata import RecordMetadata
from resque_core.calibration.record import CalibrationRecord
from resque_core.calibration.rows import make_row
from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.loop import retrain
from resque_core.retraining.results import EpochRecord
from resque_core.retraining.rule import StoppingRule
from resque_core.retraining.targets import noise_band, plateau_onset, reachable_settled_acc

__all__ = ["EpochHook", "run_case", "train_from_scratch"]

EpochHook = Callable[[str, EpochRecord, int], None]  # (run kind, the epoch's record, the run's cap)


def run_case(
    model: torch.nn.Module,
    case: Case,
    seed: int,
    cfg: SweepConfig,
    metadata: RecordMetadata,
    should_stop: Callable[[], bool],
    on_epoch: EpochHook | None = None,
) -> list[CalibrationRecord]:
    """Retrain on one case (and first run its from-scratch reference if it has none); its records.

    ``on_epoch`` hears every finished epoch of every run, with the run's kind ("scratch" or "retrain").
    """
    if cfg.target_rule == "reachable" or (cfg.target_rule == "case" and case.finetune0_acc is None):
        return _run_reachable_case(model, case, seed, cfg, metadata, should_stop, on_epoch)
    run = functools.partial(_retrain_row, model, case, seed, cfg, metadata, should_stop, on_epoch)
    if cfg.target_rule == "case":  # the shift's reference is known: aim at the case's target
        row = run(target_rule="case", finetune_acc=case.finetune0_acc, reference_margin=_case_margin(case, cfg))
        return [] if row is None else [row]
    rows = []
    if case.scratch_acc is None:
        scratch = _scratch_run(model, case, seed, cfg, metadata, should_stop, on_epoch)
        if scratch is None:
            return rows
        rows.append(scratch)
    row = run(target_rule=cfg.target_rule)
    return rows if row is None else [*rows, row]


def _retrain_row(
    model, case: Case, seed: int, cfg: SweepConfig, metadata: RecordMetadata, should_stop, on_epoch, **rule
):
    """Retrain until ``rule``'s target (``RetrainConfig`` fields) or the cap; its record (None: cancelled)."""
    config = _config(case, seed, cfg, max_epochs=cfg.max_epochs, **rule)
    hook = _hook(on_epoch, "retrain", cfg.max_epochs)
    result = retrain(model, case.train, case.val, config, metadata.meter, hook, should_stop)
    if result.cancelled:
        return None
    return make_row(metadata, case.facts, seed, "retrain", result, result.epochs, result.censored)


def _hook(on_epoch: EpochHook | None, run_kind: str, cap: int) -> Callable[[EpochRecord], None] | None:
    return None if on_epoch is None else lambda record: on_epoch(run_kind, record, cap)


def _run_reachable_case(
    model: torch.nn.Module,
    case: Case,
    seed: int,
    cfg: SweepConfig,
    metadata: RecordMetadata,
    should_stop: Callable[[], bool],
    on_epoch: EpochHook | None = None,
) -> list[CalibrationRecord]:
    """The "reachable" rule: the reference is the better of the from-scratch and the fine-tuned best.

    The fine-tuning (the retraining run) trains to the cap, or until its accuracy is back at the old
    model's clean accuracy and its best settles the target (so its curve answers any team target up
    to the clean accuracy, ``forecast.targets``); the target is then set, and both records are read from the
    recorded evaluations (``threshold_epoch``) and costed up to the epoch the target was reached.
    Under the "case" rule this is the shift's first seed: its fine-tuned best becomes the case's
    reference (``Case.finetune0_acc``), which the other seeds aim at (``run_case``).
    """
    scratch = None
    if case.scratch_acc is None:
        scratch = train_from_scratch(model, case, seed, cfg, should_stop, metadata, on_epoch)
        if scratch is None:
            return []
    settled = reachable_settled_acc(case.facts.base_acc, cfg.tolerance, cfg.scratch_frac)
    stop_at = case.facts.base_acc - cfg.tolerance if case.scratch_acc >= settled else settled
    # trained on to the old model's clean accuracy (or the cap), the run's curve answers any target up to it
    stop_at = min(1.0, max(stop_at, case.facts.base_acc))
    config = _config(case, seed, cfg, target_rule="fixed", target_acc=stop_at, max_epochs=cfg.max_epochs)
    hook = _hook(on_epoch, "retrain", cfg.max_epochs)
    finetune = retrain(model, case.train, case.val, config, metadata.meter, hook, should_stop)
    if finetune.cancelled:
        return []
    reference = {"finetune_acc": finetune.best_val_acc}
    if cfg.target_rule == "case":
        case.scratch_cache[case.reference_key] = finetune.best_val_acc
        reference["reference_margin"] = _case_margin(case, cfg)
    target = _config(case, seed, cfg, target_rule=cfg.target_rule, **reference).resolve_target()
    rows = [] if scratch is None else [_row_at_target(metadata, case, seed, "scratch", scratch, target)]
    return [*rows, _row_at_target(metadata, case, seed, "retrain", finetune, target)]


def _case_margin(case: Case, cfg: SweepConfig) -> float:
    """What the "case" rule takes off the first seed's best: two standard errors of the validation slice."""
    return noise_band(case.finetune0_acc, len(case.val)) if cfg.case_margin else 0.0


def _row_at_target(
    metadata: RecordMetadata, case: Case, seed: int, run_kind: str, result, target: tuple[float | None, StoppingRule]
) -> CalibrationRecord:
    """A record for a run that may have trained past ``target``: epochs to it, costed up to them (censored if never)."""
    epochs = result.epochs_to(target[0])
    censored = epochs is None
    epochs = result.epochs if censored else epochs
    return make_row(metadata, case.facts, seed, run_kind, result, epochs, censored, target=target)


def train_from_scratch(
    model, case: Case, seed: int, cfg: SweepConfig, should_stop, metadata: RecordMetadata, on_epoch=None
):
    """The case's from-scratch run for ``scratch_epochs`` (None if cancelled); sets the case's scratch accuracy."""
    config = _config(case, seed, cfg, target_rule="fixed", target_acc=1.0, max_epochs=cfg.scratch_epochs)
    hook = _hook(on_epoch, "scratch", cfg.scratch_epochs)
    result = retrain(model, case.train, case.val, replace(config, from_scratch=True), metadata.meter, hook, should_stop)
    if result.cancelled:
        return None
    case.scratch_cache[case.facts.shift] = result.best_val_acc
    return result


def _config(case: Case, seed: int, cfg: SweepConfig, **kw: Any) -> RetrainConfig:
    facts = case.facts
    return RetrainConfig.of(cfg, base_acc=facts.base_acc, scratch_acc=case.scratch_acc, seed=seed, head=case.head, **kw)


def _scratch_run(
    model, case: Case, seed: int, cfg: SweepConfig, metadata: RecordMetadata, should_stop, on_epoch
) -> CalibrationRecord | None:
    """Train from scratch for ``scratch_epochs``; set the case's scratch accuracy; its record at the target."""
    result = train_from_scratch(model, case, seed, cfg, should_stop, metadata, on_epoch)
    if result is None:
        return None
    target, rule = _config(case, seed, cfg, target_rule=cfg.target_rule).resolve_target()
    if cfg.target_rule == "plateau":
        chance = 1.0 / len(case.val.tensors[1].unique())
        hit = plateau_onset(result.evals, cfg.plateau_delta, cfg.plateau_patience, len(case.val), chance)
        epochs, target = hit if hit is not None else (None, None)
    else:
        epochs = result.epochs_to(target)
    censored = epochs is None
    epochs = result.epochs if censored else epochs
    return make_row(metadata, case.facts, seed, "scratch", result, epochs, censored, target=(target, rule))
