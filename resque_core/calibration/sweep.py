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
its epochs to target are read from its recorded evaluations, and it is costed up to them). The
"case" rule gives every seed of a shift one target, set by its first seed's best less two standard
errors of the validation slice; measured, it did not leave less seed noise (``bench/target_rules.py``).
Seeds vary the shift's noise, the validation slice and the training order; the split itself stays
at ``split_seed`` (the default models were trained on its original part).
Cases run first seed first, so a budget that runs out still covers every shift.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import torch

from resque_core.calibration.cases import Case, class_label
from resque_core.calibration.config import SweepConfig
from resque_core.calibration.labels import Labels
from resque_core.calibration.progress import SweepClock, SweepEvent
from resque_core.calibration.rows import make_row
from resque_core.errors import RetrainError
from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.loop import retrain
from resque_core.retraining.results import EpochRecord
from resque_core.retraining.targets import noise_band, plateau_onset, reachable_settled_acc

EpochHook = Callable[[str, EpochRecord, int], None]  # (run kind, the epoch's record, the run's cap)


@dataclass(frozen=True)
class SweepResult:
    """The records of a sweep and how it went (``wall_s`` in seconds).

    ``runs_planned`` and ``runs_done`` count training runs (retraining and from scratch), ``cases_*``
    retraining cases; ``budget`` names the budget that stopped it ("time budget", "count budget", or "").
    ``energy_kwh`` is every metered epoch's energy in kWh, dropped runs included (None: not measured):
    what the sweep consumed, more than its records' costs, which stop at each run's target.
    ``interrupted``: its ``should_stop`` asked it to stop (a signal, a cancel button); the case then
    in progress was abandoned, every finished one kept.
    """

    rows: tuple[dict, ...]
    runs_planned: int
    runs_done: int
    stopped_by_budget: bool
    wall_s: float
    notes: tuple[str, ...] = ()
    cases_planned: int = 0
    cases_done: int = 0
    budget: str = ""
    energy_kwh: float | None = None
    energy_estimated: bool = True
    interrupted: bool = False


class Job(NamedTuple):
    """One case of a sweep: how to build it, its seed, the labels of its records, and its shift (or split).

    ``builder`` (its ``DistCases`` or ``TaskCases``) lets an executor ship the data once per worker;
    ``prime_seed``: a resumed sweep already holds this shift's from-scratch record, made at that seed;
    its accuracy is recovered (the reference retrained, without a record) before the case runs.
    """

    make_case: Callable[[], tuple[torch.nn.Module, Case]]
    seed: int
    labels: Labels
    shift: Hashable
    builder: Any = None
    prime_seed: int | None = None


class Outcome(NamedTuple):
    """How an executor ran one job: its records, or why it has none.

    ``error``: the case was skipped (a ``RetrainError``, as the serial loop does) or, with ``failed``, its
    worker died too often or it raised; ``kept``: a resumed sweep already holds its records.
    ``energy_kwh``: every epoch it metered, in kWh (None: unmetered or already counted by the epoch hook).
    """

    job: Job
    rows: list[dict]
    error: str | None = None
    failed: bool = False
    kept: bool = False
    energy_kwh: float | None = None
    node: str = ""
    status: str = ""


def run_case(
    model: torch.nn.Module,
    case: Case,
    seed: int,
    cfg: SweepConfig,
    labels: Labels,
    should_stop: Callable[[], bool],
    on_epoch: EpochHook | None = None,
) -> list[dict]:
    """Retrain on one case (and first run its from-scratch reference if it has none); its records.

    ``on_epoch`` hears every finished epoch of every run, with the run's kind ("scratch" or "retrain").
    """
    if cfg.target_rule == "reachable" or (cfg.target_rule == "case" and case.finetune0_acc is None):
        return _run_reachable_case(model, case, seed, cfg, labels, should_stop, on_epoch)
    run = functools.partial(_retrain_row, model, case, seed, cfg, labels, should_stop, on_epoch)
    if cfg.target_rule == "case":  # the shift's reference is known: aim at the case's target
        row = run(target_rule="case", finetune_acc=case.finetune0_acc, reference_margin=_case_margin(case, cfg))
        return [] if row is None else [row]
    rows = []
    if case.scratch_acc is None:
        scratch = _scratch_run(model, case, seed, cfg, labels, should_stop, on_epoch)
        if scratch is None:
            return rows
        rows.append(scratch)
    row = run(target_rule=cfg.target_rule)
    return rows if row is None else [*rows, row]


def _retrain_row(model, case: Case, seed: int, cfg: SweepConfig, labels: Labels, should_stop, on_epoch, **rule):
    """Retrain until ``rule``'s target (``RetrainConfig`` fields) or the cap; its record (None: cancelled)."""
    config = _config(case, seed, cfg, max_epochs=cfg.max_epochs, **rule)
    hook = _hook(on_epoch, "retrain", cfg.max_epochs)
    result = retrain(model, case.train, case.val, config, labels.meter, hook, should_stop)
    if result.cancelled:
        return None
    return make_row(labels, case.facts, seed, "retrain", result, result.epochs, result.censored)


def _hook(on_epoch: EpochHook | None, run_kind: str, cap: int) -> Callable[[EpochRecord], None] | None:
    return None if on_epoch is None else lambda record: on_epoch(run_kind, record, cap)


def _run_reachable_case(
    model: torch.nn.Module,
    case: Case,
    seed: int,
    cfg: SweepConfig,
    labels: Labels,
    should_stop: Callable[[], bool],
    on_epoch: EpochHook | None = None,
) -> list[dict]:
    """The "reachable" rule: the reference is the better of the from-scratch and the fine-tuned best.

    The fine-tuning (the retraining run) trains to the cap, or until its best accuracy settles the
    target at ``base - tolerance``; the target is then set, and both records are read from the
    recorded evaluations (``threshold_epoch``) and costed up to the epoch the target was reached.
    Under the "case" rule this is the shift's first seed: its fine-tuned best becomes the case's
    reference (``Case.finetune0_acc``), which the other seeds aim at (``run_case``).
    """
    scratch = None
    if case.scratch_acc is None:
        scratch = _train_from_scratch(model, case, seed, cfg, should_stop, labels, on_epoch)
        if scratch is None:
            return []
    settled = reachable_settled_acc(case.facts.base_acc, cfg.tolerance, cfg.scratch_frac)
    stop_at = case.facts.base_acc - cfg.tolerance if case.scratch_acc >= settled else settled
    config = _config(case, seed, cfg, target_rule="fixed", target_acc=stop_at, max_epochs=cfg.max_epochs)
    hook = _hook(on_epoch, "retrain", cfg.max_epochs)
    finetune = retrain(model, case.train, case.val, config, labels.meter, hook, should_stop)
    if finetune.cancelled:
        return []
    reference = {"finetune_acc": finetune.best_val_acc}
    if cfg.target_rule == "case":
        case.scratch_cache[case.reference_key] = finetune.best_val_acc
        reference["reference_margin"] = _case_margin(case, cfg)
    target = _config(case, seed, cfg, target_rule=cfg.target_rule, **reference).resolve_target()
    rows = [] if scratch is None else [_row_at_target(labels, case, seed, "scratch", scratch, target)]
    return [*rows, _row_at_target(labels, case, seed, "retrain", finetune, target)]


def _case_margin(case: Case, cfg: SweepConfig) -> float:
    """What the "case" rule takes off the first seed's best: two standard errors of the validation slice."""
    return noise_band(case.finetune0_acc, len(case.val)) if cfg.case_margin else 0.0


def _row_at_target(labels: Labels, case: Case, seed: int, run_kind: str, result, target: tuple[float, str]) -> dict:
    """A record for a run that may have trained past ``target``: epochs to it, costed up to them (censored if never)."""
    epochs = result.epochs_to(target[0])
    censored = epochs is None
    epochs = result.epochs if censored else epochs
    return make_row(labels, case.facts, seed, run_kind, result, epochs, censored, target=target)


def _train_from_scratch(model, case: Case, seed: int, cfg: SweepConfig, should_stop, labels: Labels, on_epoch=None):
    """The case's from-scratch run for ``scratch_epochs`` (None if cancelled); sets the case's scratch accuracy."""
    config = _config(case, seed, cfg, target_rule="fixed", target_acc=1.0, max_epochs=cfg.scratch_epochs)
    hook = _hook(on_epoch, "scratch", cfg.scratch_epochs)
    result = retrain(model, case.train, case.val, replace(config, from_scratch=True), labels.meter, hook, should_stop)
    if result.cancelled:
        return None
    case.scratch_cache[case.facts.shift] = result.best_val_acc
    return result


def _config(case: Case, seed: int, cfg: SweepConfig, **kw: Any) -> RetrainConfig:
    facts = case.facts
    return RetrainConfig.of(cfg, base_acc=facts.base_acc, scratch_acc=case.scratch_acc, seed=seed, head=case.head, **kw)


def _scratch_run(model, case: Case, seed: int, cfg: SweepConfig, labels: Labels, should_stop, on_epoch) -> dict | None:
    """Train from scratch for ``scratch_epochs``; set the case's scratch accuracy; its record at the target."""
    result = _train_from_scratch(model, case, seed, cfg, should_stop, labels, on_epoch)
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
    return make_row(labels, case.facts, seed, "scratch", result, epochs, censored, target=(target, rule))


def run_sweep(
    jobs: list[Job],
    cfg: SweepConfig,
    progress: Callable[[SweepEvent], None] | None = None,
    started: float | None = None,
    on_rows: Callable[[list[dict]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    executor: Any = None,
) -> SweepResult:
    """Run the jobs in order within ``cfg.max_minutes`` (counted from ``started``, a ``time.monotonic()``
    reading, default now) and ``cfg.max_cases``, telling ``progress`` of every case, epoch and finished case.

    ``on_rows`` gets each case's records as soon as the case ends (a store commits them there, so a crash
    loses at most the case in progress). ``should_stop`` is polled at every training step: True abandons
    the case in progress and ends the sweep (``interrupted``). ``executor`` (``calibration.executors``) runs
    the jobs and yields an ``Outcome`` for each as it ends; default: one after another, here.

    Returns every finished record; a budget that runs out stops the sweep cleanly and says so in the notes.
    """
    clock = SweepClock(started, cfg.max_minutes, progress)
    stop = should_stop or (lambda: False)

    def halt() -> bool:  # polled at every training step
        return clock.over() or stop()

    planned = jobs if cfg.max_cases is None else jobs[: cfg.max_cases]
    clock.runs_planned = len(planned) + len({(id(j.labels), j.shift) for j in planned})
    rows, done, skipped, notes = [], 0, 0, []
    runner = run_serially if executor is None else executor.run
    for out in runner(planned, cfg, halt, clock):
        if out.kept or out.error is not None:
            done += out.kept
            skipped += not out.kept
            notes += [] if out.kept else [f"{record_shift(out.job.shift)} seed {out.job.seed} {_why(out)}"]
            continue
        if out.energy_kwh is not None:
            clock.energy_kwh = (clock.energy_kwh or 0.0) + out.energy_kwh
        if out.rows and on_rows is not None:
            on_rows(out.rows)
        rows += out.rows
        done += bool(out.rows) and out.rows[-1]["run_kind"] == "retrain"
        clock.finish_case(out.rows)
        where = f" on {out.node}" if out.node else ""
        status = f" [{out.status}]" if out.status else ""
        clock.say("run", f"{record_shift(out.job.shift)} seed {out.job.seed}{where}: {_describe(out.rows)}{status}")
    budget, interrupted = "", stop()
    if interrupted:
        notes.append(f"interrupted after {done} of {len(jobs)} cases: {len(rows)} finished runs kept")
    elif done + skipped < len(jobs):
        count_budget = cfg.max_cases is not None and done + skipped >= cfg.max_cases
        budget = "count budget" if count_budget else "time budget"
        limit = f"{cfg.max_cases} cases" if count_budget else f"{cfg.max_minutes:g} min"
        notes.append(f"{budget} of {limit} reached after {done} of {len(jobs)} cases; stopped")
    return SweepResult(
        tuple(rows),
        clock.runs_planned,
        len(rows),
        bool(budget),
        clock.elapsed(),
        tuple(notes),
        cases_planned=len(planned),
        cases_done=done,
        budget=budget,
        energy_kwh=clock.energy_kwh,
        energy_estimated=clock.estimated,
        interrupted=interrupted,
    )


def run_serially(jobs: list[Job], cfg: SweepConfig, halt: Callable[[], bool], clock: SweepClock):
    """The local executor: each job in order, in this process, telling ``clock`` of every case and epoch."""
    for job in jobs:
        if halt():
            return
        clock.say("case", f"{record_shift(job.shift)} seed {job.seed}")
        try:
            yield Outcome(job, run_job(job, cfg, halt, clock.epoch))
        except RetrainError as exc:
            yield Outcome(job, [], f"skipped: {exc}")


def run_job(job: Job, cfg: SweepConfig, halt: Callable[[], bool], on_epoch: EpochHook | None) -> list[dict]:
    """One job's records (after recovering a resumed shift's from-scratch accuracy, see ``Job.prime_seed``)."""
    model, case = job.make_case()
    if job.prime_seed is not None and case.scratch_acc is None:
        ref_model, ref_case = job.builder.case(job.shift, job.prime_seed)
        _train_from_scratch(ref_model, ref_case, job.prime_seed, cfg, halt, replace(job.labels, meter=None))
    return run_case(model, case, job.seed, cfg, job.labels, halt, on_epoch)


def record_shift(item: Hashable) -> str:
    """The ``shift`` its records carry for a job's item: a shift spec as is, a task split as "task:0-4->5-9"."""
    if isinstance(item, tuple):
        return f"task:{class_label(item[0])}->{class_label(item[1])}"
    return str(item)


def _why(out: Outcome) -> str:
    return f"failed: {out.error}" if out.failed else out.error


def _describe(rows: list[dict]) -> str:
    parts = [
        f"{r['run_kind']} index={r['index_value']:.4f} epochs={r['epochs']:.2f}{' (censored)' if r['censored'] else ''}"
        for r in rows
    ]
    return "; ".join(parts) or "dropped (budget)"


def interleave(seeds: tuple[int, ...], groups: list[tuple[Any, tuple, Labels]]) -> list[Job]:
    """Jobs from ``(case builder, items, labels)`` groups, seed by seed.

    Every item runs at the first seed before any runs at the next, so a budget that runs out early
    still covers every shift once.
    """
    return [
        Job(functools.partial(builder.case, item, seed), seed, labels, item, builder)
        for seed in seeds
        for builder, items, labels in groups
        for item in items
    ]
