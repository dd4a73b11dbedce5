"""Calibration sweeps: simulate shifts, compute each index, really retrain, measure, write records.

One sweep runs *cases*. A distribution-shift case is a shift (type and level) of the paper split's new
part; a task case is a class split with a new head. For each case the old model's index is computed,
the shifted data is split into a training part and a held-out validation slice, and the model is
retrained until ``SweepConfig.target_rule`` is met: by default the "reachable" target
``min(base - tolerance, scratch_frac x max(scratch, finetune))``, where *scratch* is the best accuracy
a from-scratch model reached on the same data in a fixed budget (one from-scratch run per case, on
the first seed; the epoch at which the same rule is met in it gives a "scratch" record) and
*finetune* the best the old model reaches when fine-tuned on it up to the cap (the retraining run
itself, trained to the cap, or until its best makes the target ``base - tolerance`` whatever else;
its epochs to target are read from its recorded evaluations, and it is costed up to them).
Seeds vary the shift's noise, the validation slice and the training order; the split itself stays
at ``split_seed`` (the default models were trained on its original part).
Cases run first seed first, so a budget that runs out still covers every shift.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import torch

from resque_core.calibration.cases import Case
from resque_core.calibration.config import SweepConfig
from resque_core.calibration.labels import Labels
from resque_core.calibration.rows import make_row
from resque_core.errors import RetrainError
from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.loop import retrain
from resque_core.retraining.targets import plateau_onset, reachable_settled_acc


@dataclass(frozen=True)
class SweepResult:
    """The records of a sweep and how it went (``wall_s`` in seconds)."""

    rows: tuple[dict, ...]
    runs_planned: int
    runs_done: int
    stopped_by_budget: bool
    wall_s: float
    notes: tuple[str, ...] = ()


def run_case(
    model: torch.nn.Module, case: Case, seed: int, cfg: SweepConfig, labels: Labels, should_stop: Callable[[], bool]
) -> list[dict]:
    """Retrain on one case (and first run its from-scratch reference if it has none); its records."""
    if cfg.target_rule == "reachable":
        return _run_reachable_case(model, case, seed, cfg, labels, should_stop)
    rows = []
    if case.scratch_acc is None:
        scratch = _scratch_run(model, case, seed, cfg, labels, should_stop)
        if scratch is None:
            return rows
        rows.append(scratch)
    config = _config(case, seed, cfg, target_rule=cfg.target_rule, max_epochs=cfg.max_epochs)
    result = retrain(model, case.train, case.val, config, meter=labels.meter, should_stop=should_stop)
    if result.cancelled:
        return rows
    rows.append(make_row(labels, case, seed, "retrain", result, result.epochs, result.censored))
    return rows


def _run_reachable_case(
    model: torch.nn.Module, case: Case, seed: int, cfg: SweepConfig, labels: Labels, should_stop: Callable[[], bool]
) -> list[dict]:
    """The "reachable" rule: the reference is the better of the from-scratch and the fine-tuned best.

    The fine-tuning (the retraining run) trains to the cap, or until its best accuracy settles the
    target at ``base - tolerance``; the target is then set, and both records are read from the
    recorded evaluations (``threshold_epoch``) and costed up to the epoch the target was reached.
    """
    scratch = None
    if case.scratch_acc is None:
        scratch = _train_from_scratch(model, case, seed, cfg, should_stop, labels)
        if scratch is None:
            return []
    settled = reachable_settled_acc(case.base_acc, cfg.tolerance, cfg.scratch_frac)
    stop_at = case.base_acc - cfg.tolerance if case.scratch_acc >= settled else settled
    config = _config(case, seed, cfg, target_rule="fixed", target_acc=stop_at, max_epochs=cfg.max_epochs)
    finetune = retrain(model, case.train, case.val, config, meter=labels.meter, should_stop=should_stop)
    if finetune.cancelled:
        return []
    target = _config(case, seed, cfg, target_rule="reachable", finetune_acc=finetune.best_val_acc).resolve_target()
    rows = [] if scratch is None else [_row_at_target(labels, case, seed, "scratch", scratch, target)]
    return [*rows, _row_at_target(labels, case, seed, "retrain", finetune, target)]


def _row_at_target(labels: Labels, case: Case, seed: int, run_kind: str, result, target: tuple[float, str]) -> dict:
    """A record for a run that may have trained past ``target``: epochs to it, costed up to them (censored if never)."""
    epochs = result.epochs_to(target[0])
    censored = epochs is None
    epochs = result.epochs if censored else epochs
    return make_row(labels, case, seed, run_kind, result, epochs, censored, target=target)


def _train_from_scratch(model, case: Case, seed: int, cfg: SweepConfig, should_stop, labels: Labels):
    """The case's from-scratch run for ``scratch_epochs`` (None if cancelled); sets the case's scratch accuracy."""
    config = _config(case, seed, cfg, target_rule="fixed", target_acc=1.0, max_epochs=cfg.scratch_epochs)
    result = retrain(
        model, case.train, case.val, replace(config, from_scratch=True), meter=labels.meter, should_stop=should_stop
    )
    if result.cancelled:
        return None
    case.scratch_cache[case.shift] = result.best_val_acc
    return result


def _config(case: Case, seed: int, cfg: SweepConfig, **kw: Any) -> RetrainConfig:
    return RetrainConfig(
        base_acc=case.base_acc,
        scratch_acc=case.scratch_acc,
        tolerance=cfg.tolerance,
        scratch_frac=cfg.scratch_frac,
        plateau_delta=cfg.plateau_delta,
        plateau_patience=cfg.plateau_patience,
        lr=cfg.lr,
        batch_size=cfg.batch_size,
        seed=seed,
        head=case.head,
        **kw,
    )


def _scratch_run(model, case: Case, seed: int, cfg: SweepConfig, labels: Labels, should_stop) -> dict | None:
    """Train from scratch for ``scratch_epochs``; set the case's scratch accuracy; its record at the target."""
    result = _train_from_scratch(model, case, seed, cfg, should_stop, labels)
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
    return make_row(
        labels, case, seed, "scratch", result, result.epochs if censored else epochs, censored, target=(target, rule)
    )


def run_sweep(
    jobs: list[tuple[Callable[[], tuple[torch.nn.Module, Case]], int, Labels]],
    cfg: SweepConfig,
    progress: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run ``(make_case, seed, labels)`` jobs in order within ``cfg.max_minutes`` and ``cfg.max_cases``.

    Returns every finished record; a budget that runs out stops the sweep cleanly and says so in the notes.
    """
    t0 = time.monotonic()
    deadline = t0 + 60 * cfg.max_minutes if cfg.max_minutes else math.inf
    over = lambda: time.monotonic() > deadline  # noqa: E731
    planned = len(jobs) if cfg.max_cases is None else min(len(jobs), cfg.max_cases)
    rows, done, skipped, notes = [], 0, 0, []
    for make_case, seed, labels in jobs:
        if over() or done >= planned:
            break
        model, case = make_case()
        try:
            new_rows = run_case(model, case, seed, cfg, labels, over)
        except RetrainError as exc:
            notes.append(f"{case.shift} seed {seed} skipped: {exc}")
            skipped += 1
            continue
        rows += new_rows
        done += bool(new_rows) and new_rows[-1]["run_kind"] == "retrain"
        if progress is not None:
            progress(f"[{done}/{planned}] {case.shift} seed {seed}: {_describe(new_rows)}")
    if done + skipped < len(jobs):
        budget = (
            f"count budget of {cfg.max_cases} cases"
            if cfg.max_cases is not None and done >= cfg.max_cases
            else f"time budget of {cfg.max_minutes:g} min"
        )
        notes.append(f"{budget} reached after {done} of {len(jobs)} cases; stopped")
    stopped = done + skipped < len(jobs)
    return SweepResult(tuple(rows), len(jobs), done, stopped, time.monotonic() - t0, tuple(notes))


def _describe(rows: list[dict]) -> str:
    parts = [
        f"{r['run_kind']} index={r['index_value']:.4f} epochs={r['epochs']:.2f}{' (censored)' if r['censored'] else ''}"
        for r in rows
    ]
    return "; ".join(parts) or "dropped (budget)"


def interleave(seeds: tuple[int, ...], groups: list[tuple[Any, tuple, Labels]]) -> list:
    """Jobs ``(make_case, seed, labels)`` from ``(case builder, items, labels)`` groups, seed by seed.

    Every item runs at the first seed before any runs at the next, so a budget that runs out early
    still covers every shift once.
    """
    return [
        (functools.partial(builder.case, item, seed), seed, labels)
        for seed in seeds
        for builder, items, labels in groups
        for item in items
    ]
