"""Plan a self-calibration before it starts: time a few steps of the user's model on its data, then
pick the shifts, seeds, epoch caps and data fraction that fit the time budget and still give the
forecaster the retraining records it needs.

The estimate adds up what a sweep does (``DistCases`` and ``run_sweep``): read and preprocess the
original and new parts, embed them for the index, then per case shift the new part, embed it, and
retrain (from scratch once per shift, fine-tuning once per seed), each run evaluated on the
validation slice about four times per epoch. Fine-tuning runs are counted up to their cap, so the
estimate is an upper bound when the target is met early.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from resque_core.calibration.cases import stratified_split
from resque_core.calibration.config import SelfCalibration
from resque_core.data.split import PAPER_FRACTIONS, part_sizes
from resque_core.errors import DataError, RetrainError
from resque_core.forecast.conformal import min_records
from resque_core.forecast.forecaster import MIN_RECORDS
from resque_core.retraining.steps import evaluate, materialize, train_step

__all__ = [
    "BudgetTooSmall",
    "CalibrationPlan",
    "StepTimes",
    "needed_records",
    "plan_self_calibration",
    "spread",
    "usable_fraction",
]

CAPS = (30, 20, 15, 10, 8, 6, 5, 4, 3, 2)
FRACTIONS = (1.0, 0.5, 0.25)
LOW_CAP = 5  # caps below this only at the smallest data fraction
SAFETY = 0.85  # plan to this share of the time left, for load and for the runs' own variation
PROBE_SAMPLES = 64
SPARE_RECORDS = 2  # planned beyond the minimum when the budget allows: a run or two may end censored
# codecarbon's cost per metered epoch (a start and a stop) and its first start (a throw-away tracker that
# detects the hardware), in seconds, measured on the 2-core calibration machine.
METER_EPOCH_S, METER_START_S = 0.15, 3.0
MIN_IMAGES_PER_CLASS = 3  # at full data: 2 in the new half of the paper split, 1 to retrain on, 1 to validate on
NEW_SHARE, ORIGINAL_SHARE = 0.5, 0.7  # the paper split's new part (parts 2+3) and original part (1+3)


class BudgetTooSmall(RetrainError):
    """The time budget cannot give the forecaster its minimum of records; ``needed_minutes`` would."""

    def __init__(self, message: str, needed_minutes: int):
        super().__init__(message)
        self.needed_minutes = needed_minutes


def needed_records(level: float = 0.8) -> int:
    """Uncensored retraining records the forecaster needs at interval ``level``."""
    return max(MIN_RECORDS, min_records(level))


@dataclass(frozen=True)
class StepTimes:
    """What one sample costs on this machine, in seconds: a training step (a batch), a forward pass, reading."""

    train_step_s: float
    forward_s_per_sample: float
    read_s_per_sample: float


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
    """

    settings: SelfCalibration
    cases: int
    scratch_runs: int
    estimated_s: float
    model_name: str
    n_images: int
    times: StepTimes
    needed: int = MIN_RECORDS  # max(MIN_RECORDS, min_records(0.8)) at the default level

    @property
    def runs(self) -> int:
        """Every training run: retraining plus from scratch."""
        return self.cases + self.scratch_runs

    @property
    def meets_minimum(self) -> bool:
        """True when the planned retraining runs are at least what the forecaster needs."""
        return self.cases >= self.needed

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
    t0 = time.monotonic()
    times = measure_step_times(loaded, data, settings)
    spent_s += time.monotonic() - t0
    n_images = len(data)
    name = (loaded.arch or {}).get("name") or type(loaded.model).__name__
    estimate = _Estimator(times, n_images, settings, has_accuracy=loaded.accuracy is not None)
    chosen = replace(settings, plan="fixed")
    floor = usable_fraction(np.asarray(data.targets), settings.sweep_config().val_fraction, settings.data_fraction)
    if settings.plan == "auto" and not _count_limited(settings) and next(_designs(settings), None) is not None:
        budget_s = math.inf if settings.max_minutes is None else 60 * settings.max_minutes - spent_s
        settings = replace(settings, shifts=spread(settings.shifts))
        chosen = _choose(estimate, settings, SAFETY * budget_s, floor)
        if chosen is None:
            raise _too_small(estimate, settings, name, n_images, spent_s, floor)
    return CalibrationPlan(chosen, *estimate.runs(chosen), estimate(chosen), name, n_images, times)


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
    estimate: _Estimator, settings: SelfCalibration, name: str, n_images: int, spent_s: float, floor: float = 0.0
):
    cheapest = min(_designs(settings, floor=floor), key=estimate)
    needed = math.ceil((estimate(cheapest) / SAFETY + spent_s) / 60)
    return BudgetTooSmall(
        f"{needed_records()} retraining runs of {name} on {n_images:,} images need about {needed} min, even with "
        f"{len(cheapest.shifts)} shifts x {cheapest.seeds} seeds, epoch cap {cheapest.max_epochs} and data fraction "
        f"{cheapest.data_fraction:g} (a training step of 32 images takes {estimate.times.train_step_s:.2g} s here); "
        f"the budget is {settings.max_minutes:g} min: give it {needed} min",
        needed,
    )


def measure_step_times(loaded: Any, data: Any, settings: SelfCalibration) -> StepTimes:
    """Time reading, a forward pass and training steps of the model on a small stratified sample of ``data``."""
    from resque_core.data import Preprocessed, Shifted, ShiftSpec, Subset

    fraction = min(1.0, PROBE_SAMPLES / max(len(data), 1))
    sample = Subset(data, stratified_split(np.asarray(data.targets), fraction, 0)[1]) if fraction < 1 else data
    shift = ShiftSpec.parse(settings.shifts[0]) if settings.shifts else None
    view = Shifted(sample, shift, 0) if shift is not None else sample
    t0 = time.perf_counter()
    x, y = materialize(Preprocessed(view, loaded.input_spec))
    read_s = (time.perf_counter() - t0) / len(y)
    device = torch.device("cpu")
    t0 = time.perf_counter()
    evaluate(loaded.model, x, y, device)
    forward_s = (time.perf_counter() - t0) / len(y)
    return StepTimes(_train_step_s(loaded.model, x, y, batch_size=32), forward_s, read_s)


def _train_step_s(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int, steps: int = 3) -> float:
    """Seconds of one training step on a copy of ``model``: the median of ``steps`` after a warm-up step
    (a shared machine's passing spike then does not set the plan)."""
    import copy
    import statistics

    net = copy.deepcopy(model).train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    xb, yb = x[:batch_size], y[:batch_size]
    if len(yb) < batch_size:  # a tiny sample: repeat it to a full batch
        reps = math.ceil(batch_size / len(yb))
        xb, yb = xb.repeat(reps, *[1] * (xb.dim() - 1))[:batch_size], yb.repeat(reps)[:batch_size]
    train_step(net, optimizer, xb, yb, torch.device("cpu"))
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        train_step(net, optimizer, xb, yb, torch.device("cpu"))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


class _Estimator:
    """Estimated wall time of the sweep some settings ask for, from measured step times."""

    def __init__(self, times: StepTimes, n_images: int, settings: SelfCalibration, has_accuracy: bool):
        self.times, self.n_images, self.has_accuracy = times, n_images, has_accuracy
        self.max_cases = settings.max_cases
        self.meter_epoch_s = METER_EPOCH_S if settings.measure_energy else 0.0
        self.meter_start_s = METER_START_S if settings.measure_energy else 0.0

    def runs(self, s: SelfCalibration) -> tuple[int, int]:
        """(retraining runs, from-scratch runs): the first jobs of the seed-major order, within any count budget."""
        jobs = len(s.shifts) * s.seeds if s.max_cases is None else min(len(s.shifts) * s.seeds, s.max_cases)
        return jobs, min(len(s.shifts), jobs)

    def __call__(self, s: SelfCalibration) -> float:
        t, n = self.times, self.n_images * s.data_fraction
        n_new, n_orig = NEW_SHARE * n, ORIGINAL_SHARE * n
        n_val = max(1.0, 0.25 * n_new)
        steps = max(1, math.ceil((n_new - n_val) / 32))
        every = max(1, steps // 4)
        evals = steps // every + (steps % every > 0)
        epoch_s = steps * t.train_step_s + evals * n_val * t.forward_s_per_sample + self.meter_epoch_s
        passes = 2 + (not self.has_accuracy)  # embed original, embed new (noise floor), base accuracy
        setup_s = (n_orig + n_new) * t.read_s_per_sample + passes * n_orig * t.forward_s_per_sample
        case_s = n_new * (t.read_s_per_sample + t.forward_s_per_sample) + 2 * n_val * t.forward_s_per_sample
        cases, scratch = self.runs(s)
        return (
            setup_s
            + self.meter_start_s
            + cases * (case_s + s.max_epochs * epoch_s)
            + scratch * (n_val * t.forward_s_per_sample + s.scratch_epochs * epoch_s)
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
    estimate: _Estimator, settings: SelfCalibration, available_s: float, floor: float = 0.0
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
