"""What a sweep reports while it runs (``SweepEvent``, sent by its ``SweepClock``) and the one message it
ends with (``Outcome``).

Both the ``calibrate`` command (a line per event on stderr) and the dashboard (live, in a status box)
show these, so they say the same thing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from resque_core.calibration.record import CalibrationRecord
from resque_core.retraining.results import EpochRecord
from resque_core.units import energy_text

__all__ = ["Outcome", "SweepClock", "SweepEvent", "outcome"]


@dataclass(frozen=True)
class SweepEvent:
    """One step of a sweep, as it happens.

    Attributes:
        kind: "start" (measuring or preparing), "plan" (what it will do), "case" (a case begins),
            "epoch" (a run finished an epoch), "run" (a case's runs finished).
        message: the step in words (the plan's sentence, the case's shift and seed, ...).
        runs_done, runs_planned: training runs (retraining and from scratch) finished and planned.
        elapsed_s: seconds since the self-calibration started.
        left_s: seconds of the time budget left (None: no time budget).
        run_kind, epoch, max_epochs: the current run and its epoch (for "epoch" events).
        energy_kwh: energy metered so far, in kWh (None: not measured).
        energy_estimated: True when the meter estimated rather than measured it.
        plan_settings: for a self-calibration's "plan" event, the settings its plan chose (a
            ``SelfCalibration``): a resume fixes them (``--plan fixed``), since a new plan may differ.
    """

    kind: str
    message: str
    runs_done: int = 0
    runs_planned: int = 0
    elapsed_s: float = 0.0
    left_s: float | None = None
    run_kind: str = ""
    epoch: int | None = None
    max_epochs: int | None = None
    energy_kwh: float | None = None
    energy_estimated: bool = True
    plan_settings: Any = None

    @property
    def fraction(self) -> float:
        """Share of the planned runs done, in [0, 1] (the current run counted by its epochs)."""
        if not self.runs_planned:
            return 0.0
        within = self.epoch / self.max_epochs if self.epoch and self.max_epochs else 0.0
        return min(1.0, (self.runs_done + within) / self.runs_planned)

    def line(self) -> str:
        """One line, e.g. "[3/12 runs, 2.1 min, 6.9 min left] gaussian_noise:3 seed 0: retraining, epoch 2/6"."""
        clock = f"{self.elapsed_s / 60:.1f} min" + (
            f", {self.left_s / 60:.1f} min left" if self.left_s is not None else ""
        )
        runs = f"{self.runs_done}/{self.runs_planned} runs, " if self.runs_planned else ""
        text = self.message
        if self.kind == "epoch":
            run = "from scratch" if self.run_kind == "scratch" else "retraining"
            text += f": {run}, epoch {self.epoch}/{self.max_epochs}"
        if self.energy_kwh is not None:
            text += f" ({energy_text(self.energy_kwh)} so far, {'estimated' if self.energy_estimated else 'measured'})"
        return f"[{runs}{clock}] {text}"


class SweepClock:
    """A sweep's time budget and its progress reports: elapsed and left time, runs done, energy so far.

    ``say`` sends a ``SweepEvent`` to ``progress``; ``epoch`` is the per-epoch hook of every run; a
    from-scratch run counts as done once its case's fine-tuning starts, every run once its case ends.
    """

    def __init__(self, started: float | None, max_minutes: float | None, progress: Callable[[SweepEvent], None] | None):
        self.t0 = time.monotonic() if started is None else started
        self.deadline = self.t0 + 60 * max_minutes if max_minutes else math.inf
        self.progress, self.runs_planned, self.runs_done = progress, 0, 0
        self.case, self.last_kind, self.scratch_done = "", "", False
        self.energy_kwh: float | None = None
        self.estimated = True

    def over(self) -> bool:
        return time.monotonic() > self.deadline

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def say(self, kind: str, message: str, **fields: Any) -> None:
        if kind == "case":
            self.case, self.last_kind, self.scratch_done = message, "", False
        if self.progress is None:
            return
        left = None if math.isinf(self.deadline) else max(0.0, self.deadline - time.monotonic())
        done = self.runs_done + self.scratch_done
        event = SweepEvent(kind, message, done, self.runs_planned, self.elapsed(), left, **fields)
        self.progress(replace(event, energy_kwh=self.energy_kwh, energy_estimated=self.estimated))

    def epoch(self, run_kind: str, record: EpochRecord, cap: int) -> None:
        """A run finished an epoch: a retraining epoch after a from-scratch one means that run is done."""
        if record.energy_kwh is not None:
            self.energy_kwh = (self.energy_kwh or 0.0) + record.energy_kwh
        self.scratch_done = self.scratch_done or (self.last_kind == "scratch" and run_kind == "retrain")
        self.last_kind = run_kind
        self.say("epoch", self.case, run_kind=run_kind, epoch=record.epoch, max_epochs=cap)

    def finish_case(self, rows: list[CalibrationRecord]) -> None:
        self.runs_done += len(rows)
        self.scratch_done = False
        metered = [r for r in rows if r.kwh is not None]
        if metered:
            self.estimated = any(r.energy_source != "codecarbon-measured" for r in metered)


@dataclass(frozen=True)
class Outcome:
    """How a sweep ended, in one message.

    Attributes:
        usable: True when the forecaster can fit on the records (enough uncensored retraining runs).
        message: what happened, e.g. "12 runs in 8.7 min: the forecaster can use them".
        records: records written (retraining and from scratch).
        usable_records: uncensored retraining records.
        energy_kwh: energy of every metered epoch, in kWh (None: not measured).
        energy_estimated: True when that energy was estimated (codecarbon without power counters).
    """

    usable: bool
    message: str
    records: int
    usable_records: int
    energy_kwh: float | None = None
    energy_estimated: bool = True


def outcome(result, needed: int) -> Outcome:
    """The one message for a finished ``SweepResult``: success, or what ran out and what is missing."""
    rows = result.rows
    usable = sum(1 for r in rows if r.run_kind == "retrain" and not r.censored)
    energy, estimated = result.energy_kwh, result.energy_estimated
    minutes = f"{result.wall_s / 60:.1f} min"
    energy_note = ""
    if energy is not None:
        energy_note = f"; energy {energy_text(energy)} ({'estimated' if estimated else 'measured'})"
    records = f"{_count(usable, 'retraining record')}, the forecaster needs {needed} ({len(rows)} records saved)"
    if usable >= needed:
        message = f"{len(rows)} runs in {minutes}: the forecaster can use them"
    elif result.budget == "time budget":
        message = f"the time budget ran out after {result.runs_done} of {result.runs_planned} runs: {records}"
    elif result.budget:
        message = f"the {result.budget} stopped the sweep after {result.runs_done} runs: {records}"
    else:
        message = f"{len(rows)} runs in {minutes}, but {records}; give more shifts, seeds or a larger budget"
    message += energy_note
    return Outcome(usable >= needed, message, len(rows), usable, energy, estimated)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"
