"""Plan a self-calibration before it starts: time a few steps of the user's model on its data, then
pick the shifts, seeds, epoch caps and data fraction that fit the time budget and still give the
forecaster the retraining records it needs.

The plan rests on a few timed steps (``calibration.step_times``) and the sweep time they imply
(``calibration.estimate``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from resque_core.calibration.config import SelfCalibration
from resque_core.calibration.estimate import SweepEstimator
from resque_core.calibration.step_times import StepTimes, measure_step_times
from resque_core.data.split import PAPER_FRACTIONS, part_sizes
from resque_core.errors import DataError, RetrainError
from resque_core.forecast.conformal import min_records
from resque_core.forecast.forecaster import MIN_RECORDS
from resque_core.units import duration_text

__all__ = [
    "BudgetTooSmall",
    "CalibrationPlan",
    "needed_records",
    "plan_self_calibration",
    "spread",
    "usable_fraction",
]

CAPS = (30, 20, 15, 10, 8, 6, 5, 4, 3, 2)
FRACTIONS = (1.0, 0.5, 0.25)
LOW_CAP = 5  # caps below this only at the smallest data fraction
SAFETY = 0.85  # plan to this share of the time left, for load and for the runs' own variation
SPARE_RECORDS = 2  # planned beyond the minimum when the budget allows: a run or two may end censored
MIN_IMAGES_PER_CLASS = 3  # at full data: 2 in the new half of the paper split, 1 to retrain on, 1 to validate on


class BudgetTooSmall(RetrainError):
    """The time budget cannot give the forecaster its minimum of records; ``needed_minutes`` would."""

    def __init__(self, message: str, needed_minutes: int):
        super().__init__(message)
        self.needed_minutes = needed_minutes


def needed_records(level: float = 0.8) -> int:
    """Uncensored retraining records the forecaster needs at interval ``level``."""
    return max(MIN_RECORDS, min_records(level))


@dataclass(frozen=True)
class CalibrationPlan:
    """What a self-calibration will run and about how long it takes.

    Attributes:
        settings: the concrete settings to run (``plan="fixed"``): shifts, seeds, caps, data fraction.
        cases: retraining runs (shifts x seeds, within any count budget).
        scratch_runs: from-scratch runs (one per shift).
        estimated_s: the sweep's estimated wall time, in seconds (an upper bound: runs go to their caps).
        model_name, n_images: what is calibrated, for the sentence.
        times: the measured step times the estimate rests on.
        needed: uncensored retraining records the forecaster needs.
        asked: the settings the user gave (the plan's caps and fraction are at most theirs; None: as planned).
    """

    settings: SelfCalibration
    cases: int
    scratch_runs: int
    estimated_s: float
    model_name: str
    n_images: int
    times: StepTimes
    needed: int = MIN_RECORDS  # max(MIN_RECORDS, min_records(0.8)) at the default level
    asked: SelfCalibration | None = None

    @property
    def runs(self) -> int:
        """Every training run: retraining plus from scratch."""
        return self.cases + self.scratch_runs

    @property
    def meets_minimum(self) -> bool:
        """True when the planned retraining runs are at least what the forecaster needs."""
        return self.cases >= self.needed

    def limits(self) -> tuple[str, ...]:
        """Where the runs are smaller than the user's retraining, in plain words: a lower epoch cap than asked
        (the forecast cannot exceed it) and a fraction of the data (fewer images per epoch)."""
        s, asked = self.settings, self.asked or self.settings
        out = []
        if s.max_epochs < asked.max_epochs:
            out.append(
                f"runs stopped at {s.max_epochs} epochs (you asked {asked.max_epochs}) to fit the time budget: the "
                f"forecast cannot exceed {s.max_epochs} epochs; give a larger budget to keep your cap"
            )
        if s.data_fraction < 1:
            out.append(
                f"runs trained on {s.data_fraction:g} of the original data, so their epochs hold fewer images than "
                "your retraining's: their seconds and kWh are scaled to your epochs, their epoch counts are not"
            )
        return tuple(out)

    def sentence(self) -> str:
        """What it will do, in one sentence: "12 runs of resnet18 on 3,000 images, epoch cap 6, ...: about 9 min"."""
        s = self.settings
        fraction = f", data fraction {s.data_fraction:g}" if s.data_fraction < 1 else ""
        shifts = f"{len(s.shifts)} shift{'s' * (len(s.shifts) != 1)} x {s.seeds} seed{'s' * (s.seeds != 1)}"
        text = (
            f"{self.runs} runs ({self.cases} retraining, {self.scratch_runs} from scratch; {shifts}) of "
            f"{self.model_name} on {self.n_images:,} images, epoch cap {s.max_epochs}{fraction}: "
            f"about {_minutes(self.estimated_s)}"
        )
        if not self.meets_minimum:
            text += f"; {self.cases} retraining runs are fewer than the {self.needed} the forecaster needs"
        if s.max_minutes is not None and self.estimated_s > 60 * s.max_minutes:
            text += f"; more than the budget of {s.max_minutes:g} min, so it may stop early"
        return text


def plan_self_calibration(loaded: Any, data: Any, settings: SelfCalibration, spent_s: float = 0.0) -> CalibrationPlan:
    """The plan for ``settings`` on this model and data (the original dataset, before any fraction).

    With ``plan="auto"`` and a time budget, the planner chooses how many of ``settings.shifts``, how
    many seeds (up to ``settings.seeds``), the epoch caps (up to ``max_epochs``) and the data fraction
    (up to ``data_fraction``) so that the sweep fits ``max_minutes`` less ``spent_s`` already spent,
    preferring high caps and the full data, then as many shifts as fit (without a budget: every shift,
    at the fewest seeds that give the minimum). With ``plan="fixed"``, a count budget under the minimum,
    or too few shifts x seeds for the minimum, it runs the settings as given and only estimates.

    Raises:
        BudgetTooSmall: the budget cannot fit the records the forecaster needs, even at the smallest
            caps and data fraction; the message says which budget would.
    """
    asked = settings
    t0 = time.monotonic()
    times = measure_step_times(loaded, data, settings)
    spent_s += time.monotonic() - t0
    n_images = len(data)
    name = (loaded.arch or {}).get("name") or type(loaded.model).__name__
    estimate = SweepEstimator(times, n_images, settings, has_accuracy=loaded.accuracy is not None)
    chosen = replace(settings, plan="fixed")
    floor = usable_fraction(np.asarray(data.targets), settings.sweep_config().val_fraction, settings.data_fraction)
    if settings.plan == "auto" and not _count_limited(settings) and next(_designs(settings), None) is not None:
        budget_s = math.inf if settings.max_minutes is None else 60 * settings.max_minutes - spent_s
        settings = replace(settings, shifts=spread(settings.shifts))
        chosen = _choose(estimate, settings, SAFETY * budget_s, floor)
        if chosen is None:
            raise _too_small(estimate, settings, name, n_images, spent_s, floor)
    return CalibrationPlan(chosen, *estimate.runs(chosen), estimate(chosen), name, n_images, times, asked=asked)


def usable_fraction(targets: np.ndarray, val_fraction: float, most: float = 1.0) -> float:
    """The smallest data fraction (of 1 and ``FRACTIONS``, at most ``most``) that leaves every class images to
    retrain on and to validate on in the shifted new part.

    Raises:
        DataError: even ``most`` of the data leaves a class too few images; the message names it.
    """
    counts = np.bincount(targets.astype(int)) if len(targets) else np.zeros(0, dtype=int)
    smallest = int(counts[counts > 0].min()) if (counts > 0).any() else 0

    def fits(fraction: float) -> bool:
        kept = smallest if fraction >= 1 else min(smallest - 1, max(1, round(fraction * smallest)))
        new = sum(part_sizes(kept, PAPER_FRACTIONS)[1:])
        val = min(new - 1, max(1, round(val_fraction * new)))
        return new - val >= 1 and val >= 1

    usable = [f for f in sorted({most, *FRACTIONS}) if f <= most and fits(f)]
    if not usable:
        raise DataError(
            f"the smallest class of the original data has {smallest} image(s): too few to self-calibrate "
            f"(each class needs about {MIN_IMAGES_PER_CLASS}: the new half of the split must keep images to retrain "
            "on and to validate on); add images" + (" or raise the data fraction" if most < 1 else "")
        )
    return usable[0]


def _too_small(
    estimate: SweepEstimator, settings: SelfCalibration, name: str, n_images: int, spent_s: float, floor: float = 0.0
):
    cheapest = min(_designs(settings, floor=floor), key=estimate)
    needed = math.ceil((estimate(cheapest) / SAFETY + spent_s) / 60)
    return BudgetTooSmall(
        f"{needed_records()} retraining runs of {name} on {n_images:,} images need about {needed} min, even with "
        f"{len(cheapest.shifts)} shifts x {cheapest.seeds} seeds, epoch cap {cheapest.max_epochs} and data fraction "
        f"{cheapest.data_fraction:g} (a training step of 32 images takes "
        f"{duration_text(estimate.times.train_step_s, 2)} here); "
        f"the budget is {settings.max_minutes:g} min: give it {needed} min",
        needed,
    )


def _count_limited(settings: SelfCalibration) -> bool:
    return settings.max_cases is not None and settings.max_cases < needed_records()


def _designs(settings: SelfCalibration, records: int | None = None, floor: float = 0.0):
    """Candidate settings with ``records`` retraining runs (default: the minimum), in order of preference:
    high caps and full data first, more shifts before more seeds; no data fraction under ``floor``."""
    records = needed_records() if records is None else records
    fractions = {f for f in (settings.data_fraction, *FRACTIONS) if floor <= f <= settings.data_fraction}
    fractions = sorted(fractions, reverse=True)
    for i, fraction in enumerate(fractions):
        floor = min(CAPS) if i == len(fractions) - 1 else LOW_CAP
        for cap in (c for c in CAPS if floor <= c <= settings.max_epochs):
            for seeds in range(1, settings.seeds + 1):
                shifts = math.ceil(records / seeds)
                if shifts <= len(settings.shifts):
                    yield replace(
                        settings,
                        plan="fixed",
                        shifts=settings.shifts[:shifts],
                        seeds=seeds,
                        max_epochs=cap,
                        scratch_epochs=min(cap, settings.scratch_epochs),
                        data_fraction=fraction,
                    )


def _choose(
    estimate: SweepEstimator, settings: SelfCalibration, available_s: float, floor: float = 0.0
) -> SelfCalibration | None:
    """The first design that fits with spare records (else with the minimum), then with as many more shifts as fit."""
    designs = [*_designs(settings, needed_records() + SPARE_RECORDS, floor), *_designs(settings, floor=floor)]
    for design in designs:
        if estimate(design) <= available_s:
            more = len(design.shifts)
            while more < len(settings.shifts) and estimate(replace(design, shifts=settings.shifts[: more + 1])) <= (
                available_s
            ):
                more += 1
            return replace(design, shifts=settings.shifts[:more])
    return None


def spread(shifts: tuple[str, ...]) -> tuple[str, ...]:
    """The shifts ordered so that any first few cover the types and the range of levels (3, 5, 1, 4, 2)."""
    order = {3: 0, 5: 1, 1: 2, 4: 3, 2: 4}
    types = list(dict.fromkeys(s.partition(":")[0] for s in shifts))
    key = lambda s: (order.get(int(s.partition(":")[2]), 5), types.index(s.partition(":")[0]))  # noqa: E731
    return tuple(sorted(shifts, key=key))


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds < 600 else f"{seconds / 60:.0f} min"
