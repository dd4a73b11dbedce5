"""The team's target: how many epochs until the new-data accuracy reaches T, read from the stored curves.

A record's own ``epochs`` follow the rule its sweep ran by (``target_rule``; the library's "reachable"
rule lets every run set its own goal). A team asks something else: "back to 95% on the new data"
(``Target.acc(0.95)``) or "back within 2 points of where the old model was" (``Target.drop(0.02)``, the
default). Every record with an evaluation curve (``forecast.curves``) answers any such T:
``at_target`` rewrites each run's epochs, seconds, kWh and CO2 to the first evaluation at which its
validation accuracy reached T (linearly interpolated between evaluations, as ``retraining.targets``
does). A run whose curve never got there (``reached`` 0) either trained its whole cap, and then counts
at the cap: what the team spends on such a run is the cap, so the forecast is of min(epochs to T, cap),
the restricted mean of survival analysis, which runs censored at the cap determine exactly; or it
stopped before its cap (the library's fine-tuning stops once it is back at the old model's clean
accuracy, so a T above that accuracy is not known there), and is censored: a lower bound, kept out of
the curves.

The forecaster then fits the targeted records exactly as it fits a sweep's own, and ``unreached_among``
counts, among the runs most like the user's, how many never reached T ("3 of 10 similar runs had not
reached 0.95 after 30 epochs"): the chance of spending the whole cap without getting there, stated
beside the forecast. Records without curves keep their own rule,
and the forecast says so (``TargetedRecords.note``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resque_core.errors import RecordsError
from resque_core.forecast.unreached import SIMILAR_RUNS, Unreached, unreached_among

__all__ = [
    "DEFAULT_DROP",
    "DEFAULT_TARGET",
    "RECORDS_RULE",
    "Target",
    "TargetedRecords",
    "SIMILAR_RUNS",
    "Unreached",
    "at_target",
    "frame_at_target",
    "target_of",
    "unreached_among",
]

DEFAULT_DROP = 0.02  # "within 2 points of the old model's clean accuracy"


@dataclass(frozen=True)
class Target:
    """The accuracy a retraining run is done at.

    Attributes:
        kind: "drop" (within ``value`` of the old model's clean accuracy: T = base_acc - value), "acc" (T =
            ``value``, an accuracy on the new data) or "records" (each record's own rule, its ``epochs``).
        value: the drop (a share, 0.02 = 2 points) or the accuracy (0..1); None for "records".
    """

    kind: str
    value: float | None = None

    @classmethod
    def drop(cls, points: float) -> Target:
        return cls("drop", float(points))

    @classmethod
    def acc(cls, accuracy: float) -> Target:
        return cls("acc", float(accuracy))

    def accuracy(self, base_acc: float | None) -> float | None:
        """T for a run whose old model's clean accuracy is ``base_acc`` (None: not defined for it)."""
        if self.kind == "acc":
            return self.value
        if self.kind == "drop" and base_acc is not None and not pd.isna(base_acc):
            return float(base_acc) - float(self.value)
        return None

    @property
    def label(self) -> str:
        """The target in words, as every page, report and CLI line names it."""
        if self.kind == "acc":
            return f"accuracy {self.value:.3g} on the new data"
        if self.kind == "drop" and self.value < 0:  # a target above the old model (``compare``'s weaker candidates)
            return f"{-100 * self.value:.3g} points above the old model's clean accuracy"
        if self.kind == "drop":
            return f"within {100 * self.value:.3g} points of the old model's clean accuracy"
        return "each record's own target rule"

    @property
    def short(self) -> str:
        """A few characters for a table or chart ("acc >= 0.95", "base - 2 pt")."""
        if self.kind == "acc":
            return f"acc >= {self.value:.3g}"
        if self.kind == "drop":
            return f"base - {100 * self.value:.3g} pt"
        return "records' rule"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "value": self.value, "label": self.label}


DEFAULT_TARGET = Target.drop(DEFAULT_DROP)
RECORDS_RULE = Target("records")


def target_of(target_acc: float | None = None, target_drop: float | None = None, *, default: Target = DEFAULT_TARGET):
    """The ``Target`` a request names: an accuracy (0 < T <= 1) or a drop (0 <= D < 1), not both; neither: ``default``.

    Raises:
        RecordsError: both given, or a value out of range or not a number.
    """
    if target_acc is not None and target_drop is not None:
        raise RecordsError("give the target as an accuracy (--target-acc) or as a drop (--target-drop), not both")
    if target_acc is not None:
        value = _number(target_acc, "the target accuracy")
        if not 0 < value <= 1:
            raise RecordsError(f"the target accuracy must be in (0, 1], e.g. 0.95; got {target_acc!r}")
        return Target.acc(value)
    if target_drop is not None:
        value = _number(target_drop, "the target drop")
        if not 0 <= value < 1:
            raise RecordsError(
                f"the target drop must be a share in [0, 1), e.g. 0.02 for 2 points below the old model's clean "
                f"accuracy; got {target_drop!r}"
            )
        return Target.drop(value)
    return default


def _number(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RecordsError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise RecordsError(f"{what} must be a finite number, not {value!r}")
    return number


@dataclass(frozen=True)
class TargetedRecords:
    """Records rewritten to a target.

    Attributes:
        frame: the records, each run's epochs and costs at the target (its own rule where ``target`` is
            ``RECORDS_RULE``).
        target: the target the frame answers (``RECORDS_RULE`` when the records carry no curves).
        asked: the target the caller asked for.
        n_without_curve: runs left out because they carry no curve (or no clean accuracy for a drop target).
        reason: why the records answer their own rule although curves were there (too few runs reached it).
    """

    frame: pd.DataFrame
    target: Target
    asked: Target
    n_without_curve: int = 0
    reason: str | None = None

    @property
    def note(self) -> str | None:
        """One sentence when the records answer another target than asked, or leave runs out; else None."""
        if self.reason:
            return self.reason
        if self.asked.kind != "records" and self.target.kind == "records":
            return (
                f"these records carry no evaluation curves, so the forecast is for their own target rule, not for "
                f"{self.asked.label}; records made by this version (calibrate, validate) carry curves"
            )
        if self.n_without_curve:
            left = f"{self.n_without_curve} run(s) without an evaluation curve"
            return f"{left} are left out of the {self.target.short} forecast"
        return None


def at_target(records: pd.DataFrame, curves: pd.DataFrame | None, target: Target) -> TargetedRecords:
    """``records`` with every run's epochs, censoring, seconds, kWh and CO2 at ``target`` (read from ``curves``), and
    ``reached`` (1: its curve reached the target; 0: it spent its cap, or stopped, without).

    Runs without a curve are left out; when no run has one (or ``target`` is ``RECORDS_RULE``) the records are
    returned as they are, answering their own rule. ``grad_norm`` and ``param_change`` are known only at a
    record's own rule, so a targeted frame leaves them empty.
    """
    if target.kind == "records" or curves is None or curves.empty or records.empty:
        return TargetedRecords(records, RECORDS_RULE, target)
    points = curves[list(_POINT_COLUMNS)].to_numpy(dtype=float)
    by_run = {run: points[rows] for run, rows in curves.groupby("run_id", sort=False).indices.items()}
    rows, missing = [], 0
    for row in records.to_dict("records"):
        part = by_run.get(row.get("run_id"))
        goal = target.accuracy(row.get("base_acc"))
        if part is None or goal is None:
            missing += 1
            continue
        rows.append(_at(row, part, goal, target))
    if not rows:
        return TargetedRecords(records, RECORDS_RULE, target)
    return TargetedRecords(pd.DataFrame(rows, columns=[*records.columns, "reached"]), target, target, missing)


def frame_at_target(
    records: pd.DataFrame, curves: pd.DataFrame | None, asked: Target, index_kind: str, needed: int
) -> tuple[pd.DataFrame, TargetedRecords]:
    """``records`` (already validated) at ``asked`` (``at_target``), validated, as the forecaster fits them.

    When fewer than ``needed`` of the retraining runs reached ``asked`` (a small self-calibration, a target
    few runs got to), the records answer their own rule instead, and the note says how many reached it.
    """
    from resque_core.forecast.records import validate_records

    targeted = at_target(records, curves, asked)
    if targeted.target.kind == "records":  # the records as given: validated once, by the caller
        return records, targeted
    frame = validate_records(targeted.frame)
    frame["reached"] = targeted.frame["reached"].to_numpy()  # validation keeps the row order, drops the column
    runs = frame[(frame["index_kind"] == index_kind) & (frame["run_kind"] == "retrain")]
    reached = int((runs["censored"] == 0).sum())
    if reached >= needed:
        return frame, targeted
    note = (
        f"only {reached} of {len(runs)} runs reached {asked.label} within their cap, too few to forecast it (the "
        f"forecaster needs {needed}): this forecast is for the records' own target rule; choose a lower target, or "
        "calibrate with a larger epoch cap"
    )
    return records, TargetedRecords(records, RECORDS_RULE, asked, reason=note)


_POINT_COLUMNS = ("epoch", "val_acc", "seconds", "energy_kwh")  # a run's curve as an array, in this column order


def _at(row: dict, curve: np.ndarray, goal: float, target: Target) -> dict:
    """One record at accuracy ``goal``: its epochs to it (censored at its last evaluation if never) and their cost.

    ``curve``: the run's evaluations, one row each, in ``_POINT_COLUMNS`` order."""
    epochs, acc = curve[:, 0], curve[:, 1]
    hit = np.flatnonzero(acc >= goal - 1e-12)
    reached = int(len(hit) > 0)
    if not reached:  # spent its whole cap: an observation of min(epochs to T, cap); stopped earlier: a lower bound
        at, cap = float(epochs[-1]), row.get("max_epochs")
        censored = 0 if cap is not None and not pd.isna(cap) and at >= float(cap) - 1e-6 else 1
    elif hit[0] == 0:
        at, censored = float(epochs[0]), 0
    else:
        i = hit[0]
        share = (goal - acc[i - 1]) / (acc[i] - acc[i - 1]) if acc[i] > acc[i - 1] else 1.0
        at, censored = float(epochs[i - 1] + min(max(share, 0.0), 1.0) * (epochs[i] - epochs[i - 1])), 0
    out = dict(row)
    out.update(
        epochs=at,
        censored=censored,
        reached=reached,
        target_acc=goal,
        target_rule=target.short,
        acc_gap=goal - row["start_acc"] if row.get("start_acc") is not None and not pd.isna(row["start_acc"]) else None,
        grad_norm=None,
        param_change=None,
        seconds=_cumulative(curve, 2, at),
    )
    kwh = _cumulative(curve, 3, at)
    out["kwh"] = kwh
    intensity = row.get("intensity_g_per_kwh")
    if kwh is not None and intensity is not None and not pd.isna(intensity):
        out["co2_kg"] = kwh * float(intensity) / 1000
    elif kwh is not None and _positive(row.get("kwh")) and row.get("co2_kg") is not None and not pd.isna(row["co2_kg"]):
        out["co2_kg"] = kwh * float(row["co2_kg"]) / float(row["kwh"])
    else:
        out["co2_kg"] = None if kwh is None else (0.0 if kwh == 0 else None)
    return out


def _positive(value) -> bool:
    return value is not None and not pd.isna(value) and float(value) > 0


def _cumulative(curve: np.ndarray, column: int, epoch: float) -> float | None:
    """A cumulative column of ``curve`` (seconds, kWh) at ``epoch``, interpolated between evaluations (None: not
    recorded)."""
    known = ~np.isnan(curve[:, column])
    if not known.any():
        return None
    return float(np.interp(epoch, curve[known, 0], curve[known, column]))
