"""A Validate run beside its forecast, like for like: the same target, then per measure the forecast's point and
interval, the measured value, and whether the interval covered it.

A run that hit its cap before the target measured a lower bound (the real cost is higher), so its interval is
known to have missed only when its high end lies below what was already spent; otherwise coverage is unknown.
The Validate page and ``python -m resque_core validate`` show the same rows (``Comparison``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resque_core.forecast.targets import Target
from resque_core.retraining.results import RetrainResult
from resque_core.units import bound_text, measure_label, measure_text, range_text

__all__ = ["COMPARED", "Compared", "Comparison", "compare", "records_cap_note"]

COMPARED = ("epochs", "seconds", "kwh")


@dataclass(frozen=True)
class Compared:
    """One measure of the run beside its forecast, in the measure's units (epochs, s, kWh).

    Attributes:
        measure: "epochs", "seconds" or "kwh".
        point, low, high: the forecast and its interval (None: the forecast has no figure for it).
        measured: what the run took (None: not measured, e.g. energy without a meter).
        censored: the run hit its cap first, so ``measured`` is a lower bound.
        covered: the interval held the measured value (None: cannot tell, a lower bound inside or above it,
            or a side missing).
    """

    measure: str
    point: float | None
    low: float | None
    high: float | None
    measured: float | None
    censored: bool
    covered: bool | None

    def covered_text(self) -> str:
        if self.covered is None:
            return "cannot tell (the run stopped at its cap)" if self.censored and self.measured is not None else "–"
        return "yes" if self.covered else "no"

    def row(self) -> dict[str, str]:
        """The row in words, as the page's table and the CLI print it."""
        known = self.point is not None
        return {
            "measure": measure_label(self.measure),
            "forecast": measure_text(self.measure, self.point) if known else "–",
            "interval": range_text(self.measure, self.low, self.high) if known else "–",
            "measured": _measured_text(self.measure, self.measured, self.censored),
            "covered": self.covered_text(),
        }

    def to_dict(self) -> dict:
        return {
            "measure": self.measure,
            "point": self.point,
            "low": self.low,
            "high": self.high,
            "measured": self.measured,
            "censored": self.censored,
            "covered": self.covered,
        }


@dataclass(frozen=True)
class Comparison:
    """The run beside its forecast.

    Attributes:
        target: the target the run retrained to.
        target_acc: its accuracy on the new data (0..1).
        forecast_target: the target the forecast is for, in words (None: no forecast).
        measures: one ``Compared`` per measure of ``COMPARED``.
        note: one sentence when the forecast does not answer the run's target (records without curves), else None.
    """

    target: Target
    target_acc: float
    forecast_target: str | None
    measures: tuple[Compared, ...]
    note: str | None = None

    @property
    def heading(self) -> str:
        """ "target: accuracy 0.873 on the new data (within 2 points of the old model's clean accuracy)"."""
        goal = f"target: accuracy {self.target_acc:.3f} on the new data"
        return goal if self.target.kind == "acc" else f"{goal} ({self.target.label})"

    def rows(self) -> list[dict[str, str]]:
        return [m.row() for m in self.measures]

    def to_dict(self) -> dict:
        return {
            "target": {**self.target.to_dict(), "accuracy": self.target_acc},
            "forecast_target": self.forecast_target,
            "measures": {m.measure: m.to_dict() for m in self.measures},
            "note": self.note,
        }


def compare(result: RetrainResult, forecast: Any, target: Target, target_acc: float) -> Comparison:
    """``result`` (a run retrained to ``target_acc``) beside ``forecast`` (a ``Forecast``; None: none), per measure."""
    measured = {"epochs": result.epochs, "seconds": result.seconds, "kwh": result.energy_kwh}
    rows = []
    for measure in COMPARED:
        interval = forecast.measures.get(measure) if forecast is not None else None
        value = measured[measure]
        rows.append(
            Compared(
                measure,
                interval.point if interval else None,
                interval.low if interval else None,
                interval.high if interval else None,
                value,
                bool(result.censored),
                _covered(interval, value, bool(result.censored)),
            )
        )
    forecast_target = getattr(forecast, "target", None) if forecast is not None else None
    return Comparison(target, target_acc, forecast_target, tuple(rows), _note(forecast, target))


def _covered(interval: Any, value: float | None, censored: bool) -> bool | None:
    if interval is None or value is None:
        return None
    if censored:  # the real value is above ``value``: a miss only when even the high end is below it
        return False if interval.high < value else None
    return bool(interval.low <= value <= interval.high)


def _note(forecast: Any, target: Target) -> str | None:
    if forecast is None:
        return "no forecast to compare with: compute one first"
    if getattr(forecast, "target_note", None):
        return forecast.target_note
    if forecast.target != target.label:
        return f"the forecast is for {forecast.target}, this run for {target.label}: they do not compare like for like"
    return None


def _measured_text(measure: str, value: float | None, censored: bool) -> str:
    if measure == "epochs":
        return bound_text(value, censored)
    text = measure_text(measure, value)
    return f">= {text}" if censored and value is not None else text


def records_cap_note(records: Any, max_epochs: int) -> str | None:
    """One sentence when the records' runs stopped at a lower epoch cap than this run's (a self-calibration fitted to
    a budget), so their forecast cannot reach what this run may take; None otherwise."""
    runs = records[records["run_kind"] == "retrain"] if "run_kind" in records else records
    caps = runs["max_epochs"].dropna() if "max_epochs" in runs else []
    if len(caps) == 0 or float(caps.max()) >= max_epochs:
        return None
    cap = float(caps.max())
    return (
        f"the records' runs stopped at {cap:g} epochs: the forecast cannot exceed {cap:g} epochs, and this run may "
        f"go to {max_epochs}"
    )
