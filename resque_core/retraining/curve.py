"""A retraining run's evaluation curve: how validation accuracy rose with the epochs, seconds and kWh spent.

Kept with every record so that the epochs to any target accuracy can be read after the run, not only to
the target it stopped at. Time and energy are known per epoch (``EpochRecord``); at an evaluation within
an epoch they are that epoch's share, pro rata to the steps taken.
"""

from __future__ import annotations

from dataclasses import dataclass

from resque_core.retraining.results import EpochRecord, RetrainResult

__all__ = ["Curve", "CurvePoint", "run_curve"]


@dataclass(frozen=True)
class CurvePoint:
    """One evaluation of a run.

    ``epoch``: fractional epochs trained (0: before any step); ``val_acc``: accuracy (0..1) on the validation
    slice the run's target is judged on; ``seconds``: cumulative training seconds (evaluations excluded);
    ``energy_kwh``: cumulative training energy in kWh (None: no meter).
    """

    epoch: float
    val_acc: float
    seconds: float
    energy_kwh: float | None


@dataclass(frozen=True)
class Curve:
    """A run's evaluations in order, the first at epoch 0 (the accuracy it started from)."""

    points: tuple[CurvePoint, ...]


def run_curve(result: RetrainResult) -> Curve:
    """The evaluation curve of ``result``: one point per evaluation, with the time and energy spent up to it."""
    metered = result.energy_kwh is not None and all(h.energy_kwh is not None for h in result.history)
    points = []
    for point in result.evals:
        seconds, kwh = _spent(result.history, point.epoch)
        points.append(CurvePoint(point.epoch, point.val_acc, seconds, kwh if metered else None))
    return Curve(tuple(points))


def _spent(history: tuple[EpochRecord, ...], epoch: float) -> tuple[float, float]:
    """Training seconds and kWh up to ``epoch`` (within an epoch, its share by the steps taken)."""
    start = seconds = kwh = 0.0
    for record in history:
        end = start + record.fraction
        if record.fraction > 0 and epoch <= end + 1e-9:
            share = min(max((epoch - start) / record.fraction, 0.0), 1.0)
            return seconds + share * record.seconds, kwh + share * (record.energy_kwh or 0.0)
        start, seconds, kwh = end, seconds + record.seconds, kwh + (record.energy_kwh or 0.0)
    return seconds, kwh
