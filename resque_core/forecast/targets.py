"""The team's target: how many epochs until the new-data accuracy reaches T, read from the stored curves.

A record's own ``epochs`` follow the rule its sweep ran by (``target_rule``; the library's "reachable"
rule lets every run set its own goal). A team asks something else: "back to 95% on the new data"
(``Target.acc(0.95)``) or "back within 2 points of where the old model was" (``Target.drop(0.02)``, the
default). Every record with an evaluation curve (``forecast.curves``) answers any such T:
``at_target`` rewrites each run's epochs, seconds, kWh and CO2 to the first evaluation at which its
validation accuracy reached T (linearly interpolated between evaluations, as ``retraining.targets``
does), and marks it censored when its curve never got there. A censored run says "not within the
epochs it trained": its cap when it ran to the cap, or the epoch it stopped at (the library's
fine-tuning stops once it is back at the old model's clean accuracy, so a T above that accuracy is
censored there; ``Unreached`` says which).

The forecaster then fits the targeted records exactly as it fits a sweep's own: runs that reached T
give the curves, and ``unreached_among`` counts, among the runs most like the user's, how many never
reached T ("3 of 10 similar runs had not reached 0.95 after 30 epochs"): the chance of never getting
there, stated beside the forecast of the epochs if it does. Records without curves keep their own rule,
and the forecast says so (``TargetedRecords.note``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resque_core.errors import RecordsError

__all__ = [
    "DEFAULT_DROP",
    "DEFAULT_TARGET",
    "RECORDS_RULE",
    "Target",
    "TargetedRecords",
    "Unreached",
    "at_target",
    "target_of",
    "unreached_among",
]

DEFAULT_DROP = 0.02  # "within 2 points of the old model's clean accuracy"
SIMILAR_RUNS = 10  # how many runs most like the user's the chance of never reaching T is counted on


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
    """

    frame: pd.DataFrame
    target: Target
    asked: Target
    n_without_curve: int = 0

    @property
    def note(self) -> str | None:
        """One sentence when the records answer another target than asked, or leave runs out; else None."""
        if self.asked.kind != "records" and self.target.kind == "records":
            return (
                f"these records carry no evaluation curves, so the forecast is for their own target rule, not for "
                f"{self.asked.label}; records made by this version (calibrate, validate) carry curves"
            )
        if self.n_without_curve:
            return f"{self.n_without_curve} run(s) without an evaluation curve are left out of the {self.target.short} forecast"
        return None


def at_target(records: pd.DataFrame, curves: pd.DataFrame | None, target: Target) -> TargetedRecords:
    """``records`` with every run's epochs, censoring, seconds, kWh and CO2 at ``target`` (read from ``curves``).

    Runs without a curve are left out; when no run has one (or ``target`` is ``RECORDS_RULE``) the records are
    returned as they are, answering their own rule. ``grad_norm`` and ``param_change`` are known only at a
    record's own rule, so a targeted frame leaves them empty.
    """
    if target.kind == "records" or curves is None or curves.empty or records.empty:
        return TargetedRecords(records, RECORDS_RULE, target)
    by_run = {run: part for run, part in curves.groupby("run_id", sort=False)}
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
    return TargetedRecords(pd.DataFrame(rows, columns=records.columns), target, target, missing)


def _at(row: dict, curve: pd.DataFrame, goal: float, target: Target) -> dict:
    """One record at accuracy ``goal``: its epochs to it (censored at its last evaluation if never) and their cost."""
    epochs, acc = curve["epoch"].to_numpy(float), curve["val_acc"].to_numpy(float)
    hit = np.flatnonzero(acc >= goal - 1e-12)
    if len(hit) == 0:
        at, censored = float(epochs[-1]), 1
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
        target_acc=goal,
        target_rule=target.short,
        acc_gap=goal - row["start_acc"] if row.get("start_acc") is not None and not pd.isna(row["start_acc"]) else None,
        grad_norm=None,
        param_change=None,
        seconds=_cumulative(curve, "seconds", at),
    )
    kwh = _cumulative(curve, "energy_kwh", at)
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


def _cumulative(curve: pd.DataFrame, column: str, epoch: float) -> float | None:
    """A cumulative column (seconds, kWh) at ``epoch``, interpolated between evaluations (None: not recorded)."""
    known = curve[curve[column].notna()]
    if known.empty:
        return None
    return float(np.interp(epoch, known["epoch"].to_numpy(float), known[column].to_numpy(float)))


@dataclass(frozen=True)
class Unreached:
    """How many of the runs most like the user's never reached the target.

    Attributes:
        n_unreached: runs among ``n_similar`` whose curve never reached the target.
        n_similar: runs counted (the ``SIMILAR_RUNS`` nearest in the forecast's signals).
        epochs: the epochs those runs had trained when they stopped (the cap, for most: the largest of them).
        at_cap: whether every unreached run trained to its cap (else some stopped at the old model's clean
            accuracy, below a target above it).
        target: the target's label.
    """

    n_unreached: int
    n_similar: int
    epochs: float
    at_cap: bool
    target: str

    @property
    def share(self) -> float:
        return self.n_unreached / self.n_similar if self.n_similar else 0.0

    def sentence(self) -> str:
        """ "3 of 10 similar runs had not reached accuracy 0.95 on the new data after 30 epochs"."""
        if self.n_unreached == 0:
            return f"all {self.n_similar} similar runs reached {self.target}"
        after = f"after {self.epochs:.3g} epochs" if self.at_cap else "when they stopped (some before their cap)"
        return f"{self.n_unreached} of {self.n_similar} similar runs had not reached {self.target} {after}"

    def to_dict(self) -> dict:
        return {
            "n_unreached": self.n_unreached,
            "n_similar": self.n_similar,
            "share": self.share,
            "epochs": self.epochs,
            "at_cap": self.at_cap,
            "sentence": self.sentence(),
        }


def unreached_among(runs: pd.DataFrame, columns: list[str], x: np.ndarray, target: Target, k: int = SIMILAR_RUNS):
    """For each row of ``x`` (values of ``columns``), the ``Unreached`` of the ``k`` runs nearest to it.

    Distances are taken on each column scaled by its spread over ``runs``; runs lacking a column are not counted.
    """
    have = runs.dropna(subset=list(columns))
    if have.empty:
        return [None] * len(x)
    values = have[list(columns)].to_numpy(float)
    scale = values.std(axis=0)
    scale[~(scale > 0)] = 1.0
    censored = have["censored"].to_numpy(int).astype(bool)
    stopped = have["epochs"].to_numpy(float)
    caps = pd.to_numeric(have.get("max_epochs", pd.Series(np.nan, index=have.index)), errors="coerce").to_numpy(float)
    out = []
    for row in np.atleast_2d(np.asarray(x, float)):
        distance = np.sqrt((((values - row) / scale) ** 2).sum(axis=1))
        nearest = np.argsort(distance, kind="stable")[: min(k, len(have))]
        lost = nearest[censored[nearest]]
        at_cap = bool(np.all(np.isnan(caps[lost]) | (stopped[lost] >= caps[lost] - 1e-6))) if len(lost) else True
        epochs = float(np.max(stopped[lost])) if len(lost) else _largest(caps[nearest])
        label = "their own target" if target.kind == "records" else target.label
        out.append(Unreached(int(len(lost)), int(len(nearest)), epochs, at_cap, label))
    return out


def _largest(values: np.ndarray) -> float:
    known = values[~np.isnan(values)]
    return float(known.max()) if len(known) else 0.0
