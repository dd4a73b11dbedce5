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
Cases run first seed first, so a budget that runs out still covers every shift. Each case is retrained by
``calibration.case_run.run_case``; this module runs the cases within the budgets.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import torch

from resque_core.calibration.case_run import EpochHook, run_case, train_from_scratch
from resque_core.calibration.cases import Case, class_label
from resque_core.calibration.config import SweepConfig
from resque_core.calibration.metadata import RecordMetadata
from resque_core.calibration.pending import PendingRows
from resque_core.calibration.progress import SweepClock, SweepEvent
from resque_core.calibration.record import CalibrationRecord
from resque_core.errors import RetrainError


@dataclass(frozen=True)
class SweepResult:
    """The records of a sweep and how it went (``wall_s`` in seconds).

    ``runs_planned`` and ``runs_done`` count training runs (retraining and from scratch), ``cases_*``
    retraining cases; ``budget`` names the budget that stopped it ("time budget", "count budget", or "").
    ``energy_kwh`` is every metered epoch's energy in kWh, dropped runs included (None: not measured):
    what the sweep consumed, more than its records' costs, which stop at each run's target.
    ``interrupted``: its ``should_stop`` asked it to stop (a signal, a cancel button); the case then
    in progress was abandoned, every finished one kept. ``unsaved``: the store rows of finished runs that
    ``on_rows`` could not save (a database locked past its busy timeout, tried again until the sweep ended;
    see ``calibration.pending``); they are in ``rows`` too, for the command to write elsewhere.
    """

    rows: tuple[CalibrationRecord, ...]
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
    unsaved: tuple[dict, ...] = ()


class Job(NamedTuple):
    """One case of a sweep: how to build it, its seed, the metadata of its records, and its shift (or split).

    ``builder`` (its ``DistCases`` or ``TaskCases``) lets an executor ship the data once per worker;
    ``prime_seed``: a resumed sweep already holds this shift's from-scratch record, made at that seed;
    its accuracy is recovered (the reference retrained, without a record) before the case runs.
    """

    make_case: Callable[[], tuple[torch.nn.Module, Case]]
    seed: int
    metadata: RecordMetadata
    shift: Hashable
    builder: Any = None
    prime_seed: int | None = None


class JobResult(NamedTuple):
    """How an executor ran one job: its records, or why it has none.

    ``error``: the case was skipped (a ``RetrainError``, as the serial loop does) or, with ``failed``, its
    worker died too often or it raised; ``kept``: a resumed sweep already holds its records.
    ``energy_kwh``: every epoch it metered, in kWh (None: unmetered or already counted by the epoch hook).
    """

    job: Job
    rows: list[CalibrationRecord]
    error: str | None = None
    failed: bool = False
    kept: bool = False
    energy_kwh: float | None = None
    node: str = ""
    status: str = ""


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

    ``on_rows`` gets each case's records as soon as the case ends, as store rows, each with its curve
    (``CalibrationRecord.store_row``: a store commits them there, so a crash loses at most the case in
    progress); a ``RecordsError`` there keeps them in memory, offered again later (``calibration.pending``),
    and the sweep goes on. ``should_stop`` is polled at every training step: True abandons the case in
    progress and ends the sweep (``interrupted``). ``executor`` (``calibration.executors``) runs the jobs and
    yields an ``JobResult`` for each as it ends; default: one after another, here.

    Returns every finished record; a budget that runs out stops the sweep cleanly and says so in the notes.
    """
    clock = SweepClock(started, cfg.max_minutes, progress)
    stop = should_stop or (lambda: False)

    def halt() -> bool:  # polled at every training step
        return clock.over() or stop()

    planned = jobs if cfg.max_cases is None else jobs[: cfg.max_cases]
    clock.runs_planned = len(planned) + len({(id(j.metadata), j.shift) for j in planned})
    tally = _Tally(PendingRows(on_rows))
    runner = run_serially if executor is None else executor.run
    for out in runner(planned, cfg, halt, clock):
        tally.add(out, clock)
    budget, interrupted = tally.stopped(len(jobs), cfg, stop())
    unsaved = tally.unsaved()
    return SweepResult(
        tuple(tally.rows),
        clock.runs_planned,
        len(tally.rows),
        bool(budget),
        clock.elapsed(),
        tuple(tally.notes),
        cases_planned=len(planned),
        cases_done=tally.done,
        budget=budget,
        energy_kwh=clock.energy_kwh,
        energy_estimated=clock.estimated,
        interrupted=interrupted,
        unsaved=unsaved,
    )


@dataclass
class _Tally:
    """What a sweep has so far: its records, the cases done and skipped, and its notes."""

    pending: PendingRows
    rows: list[CalibrationRecord] = field(default_factory=list)
    done: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, out: JobResult, clock: SweepClock) -> None:
        """Count one job's outcome, hand its records to the store (``pending``) and tell ``clock``."""
        if out.kept or out.error is not None:
            self.done += out.kept
            self.skipped += not out.kept
            self.notes += [] if out.kept else [f"{record_shift(out.job.shift)} seed {out.job.seed} {_why(out)}"]
            return
        if out.energy_kwh is not None:
            clock.energy_kwh = (clock.energy_kwh or 0.0) + out.energy_kwh
        saved = self.pending.save([record.store_row() for record in out.rows])
        self.rows += out.rows
        self.done += bool(out.rows) and out.rows[-1].run_kind == "retrain"
        clock.finish_case(out.rows)
        where = f" on {out.node}" if out.node else ""
        status = f" [{out.status}]" if out.status else ""
        status += "" if saved else f" [not saved yet, kept in memory: {len(self.pending.waiting)} runs]"
        clock.say("run", f"{record_shift(out.job.shift)} seed {out.job.seed}{where}: {_describe(out.rows)}{status}")

    def unsaved(self) -> tuple[dict, ...]:
        """The rows the store still refuses after its last tries; a note says how many and why."""
        rows = self.pending.finish()
        if rows:
            self.notes.append(f"{len(rows)} finished runs could not be saved to the records database: "
                              f"{self.pending.reason}")  # fmt: skip
        return rows

    def stopped(self, jobs: int, cfg: SweepConfig, interrupted: bool) -> tuple[str, bool]:
        """The budget that stopped the sweep ("" if none), and whether it was interrupted; notes either."""
        if interrupted:
            self.notes.append(f"interrupted after {self.done} of {jobs} cases: {len(self.rows)} finished runs kept")
            return "", True
        if self.done + self.skipped >= jobs:
            return "", False
        count_budget = cfg.max_cases is not None and self.done + self.skipped >= cfg.max_cases
        budget = "count budget" if count_budget else "time budget"
        limit = f"{cfg.max_cases} cases" if count_budget else f"{cfg.max_minutes:g} min"
        self.notes.append(f"{budget} of {limit} reached after {self.done} of {jobs} cases; stopped")
        return budget, False


def run_serially(jobs: list[Job], cfg: SweepConfig, halt: Callable[[], bool], clock: SweepClock):
    """The local executor: each job in order, in this process, telling ``clock`` of every case and epoch."""
    for job in jobs:
        if halt():
            return
        clock.say("case", f"{record_shift(job.shift)} seed {job.seed}")
        try:
            yield JobResult(job, run_job(job, cfg, halt, clock.epoch))
        except RetrainError as exc:
            yield JobResult(job, [], f"skipped: {exc}")


def run_job(
    job: Job, cfg: SweepConfig, halt: Callable[[], bool], on_epoch: EpochHook | None
) -> list[CalibrationRecord]:
    """One job's records (after recovering a resumed shift's from-scratch accuracy, see ``Job.prime_seed``)."""
    model, case = job.make_case()
    if job.prime_seed is not None and case.scratch_acc is None:
        ref_model, ref_case = job.builder.case(job.shift, job.prime_seed)
        train_from_scratch(ref_model, ref_case, job.prime_seed, cfg, halt, replace(job.metadata, meter=None))
    return run_case(model, case, job.seed, cfg, job.metadata, halt, on_epoch)


def record_shift(item: Hashable) -> str:
    """The ``shift`` its records carry for a job's item: a shift spec as is, a task split as "task:0-4->5-9"."""
    if isinstance(item, tuple):
        return f"task:{class_label(item[0])}->{class_label(item[1])}"
    return str(item)


def _why(out: JobResult) -> str:
    return f"failed: {out.error}" if out.failed else out.error


def _describe(rows: list[CalibrationRecord]) -> str:
    parts = [
        f"{r.run_kind} index={r.index_value:.4f} epochs={r.epochs:.2f}{' (censored)' if r.censored else ''}"
        for r in rows
    ]
    return "; ".join(parts) or "dropped (budget)"


def interleave(seeds: tuple[int, ...], groups: list[tuple[Any, tuple, RecordMetadata]]) -> list[Job]:
    """Jobs from ``(case builder, items, metadata)`` groups, seed by seed.

    Every item runs at the first seed before any runs at the next, so a budget that runs out early
    still covers every shift once.
    """
    return [
        Job(functools.partial(builder.case, item, seed), seed, metadata, item, builder)
        for seed in seeds
        for builder, items, metadata in groups
        for item in items
    ]
