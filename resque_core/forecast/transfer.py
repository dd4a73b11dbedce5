"""Forecasting across model families: leave one family out, in a cost unit that may transfer.

A model the calibration library does not know gets its forecast from the other families' runs, in a
cost unit (``forecast.family.COST_UNITS``), with an interval built from *held-out-family* errors:
each family in turn is left out, a monotone curve of the cost (in the unit) against the signal (the
index) is fitted on the rest, and the left-out family's errors say how wrong a curve is for a family
it never saw. ``leave_one_family_out`` measures that (MAE in epochs, coverage of the interval, the
interval itself made from the other families' held-out errors only); ``transfer_forecast`` is the
forecast for a new model. With fewer than two families there is nothing to leave out: both refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from resque_core.errors import RecordsError
from resque_core.forecast.family import (
    COST_UNITS,
    UNIT_LABELS,
    MissingReference,
    UnitReference,
    family_key,
    from_unit,
    to_unit,
    unit_reference,
)
from resque_core.forecast.monotone import fit_curve

__all__ = [
    "TransferCheck",
    "best_transfer_check",
    "TransferForecast",
    "leave_one_family_out",
    "transfer_checks",
    "transfer_forecast",
    "usable_runs",
]

MIN_RUNS_PER_FAMILY = 4


@dataclass(frozen=True)
class TransferCheck:
    """How well one cost unit carries a forecast to a family left out.

    Attributes:
        unit: the cost unit ("epochs", "scratch_fraction", "train_fraction").
        n_families: families left out in turn.
        n_runs: their uncensored retraining runs.
        mae_epochs: mean absolute error of the held-out forecasts, in epochs (each family's own).
        coverage: share of held-out runs inside their ``level`` interval.
        width_epochs: mean width of those intervals, in epochs.
        level: nominal coverage of the intervals.
        per_family_mae: MAE in epochs of each family when left out.
        signal: the column the curve was fitted on ("index_value"; "acc_drop").
        per_family: each family left out: {"mae_epochs", "coverage", "width_epochs", "n_runs"}.
    """

    unit: str
    n_families: int
    n_runs: int
    mae_epochs: float
    coverage: float
    width_epochs: float
    level: float
    per_family_mae: Mapping[str, float]
    signal: str = "index_value"
    per_family: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class TransferForecast:
    """Epochs for a model of a family the library lacks, with a leave-one-family-out interval.

    Attributes:
        point, low, high: epochs (the user's model's, through its ``UnitReference``).
        unit: the cost unit the library's runs were carried in.
        families: the library's families behind it.
        check: the leave-one-family-out check of that unit.
    """

    point: float
    low: float
    high: float
    unit: str
    families: tuple[str, ...]
    check: TransferCheck
    signal: str = "index_value"

    def sentence(self) -> str:
        """One sentence saying where the figure comes from and how well that held for a family left out."""
        c = self.check
        basis = "the accuracy drop" if self.signal == "acc_drop" else "the index"
        return (
            f"Your model's family is not in the calibration library, so its epochs ({self.point:.1f}, "
            f"{c.level:.0%} interval {self.low:.1f}-{self.high:.1f}) come from {basis} on {len(self.families)} other "
            f"families' runs ({', '.join(self.families)}) in {UNIT_LABELS[self.unit]}, with leave-one-family-out "
            "intervals "
            f"(a family left out was forecast with MAE {c.mae_epochs:.1f} epochs, {c.coverage:.0%} of its runs "
            "inside the interval)."
        )


def usable_runs(records: pd.DataFrame, index_kind: str = "dist") -> pd.DataFrame:
    """Uncensored retraining runs of ``index_kind`` that name their family, with a ``family`` column."""
    runs = records[(records["run_kind"] == "retrain") & (records["index_kind"] == index_kind)]
    runs = runs[(runs["censored"] == 0) & runs["epochs"].notna() & runs["index_value"].notna()].copy()
    runs["family"] = family_key(runs)
    return runs[runs["family"].notna()]


def leave_one_family_out(
    records: pd.DataFrame,
    unit: str,
    train_epochs: Mapping[str, float] | None = None,
    level: float = 0.8,
    kind: str = "linear",
    index_kind: str = "dist",
    signal: str = "index_value",
) -> TransferCheck:
    """Leave each family out in turn: fit on the rest in ``unit``, forecast it, score in its own epochs.

    ``train_epochs`` maps a family key ("SmallCNN 16x16x1") to its original training's epochs (the
    ``train_fraction`` unit). A left-out family's interval is made from the held-out errors of the
    *other* families only (each left out of the rest), so nothing of it leaks into its own interval.
    ``signal``: the column the curve is fitted on (the index; "acc_drop" for the baseline).

    Raises:
        RecordsError: fewer than two families with enough runs, or a unit a family has no reference for.
    """
    runs, refs = _families(records, train_epochs, index_kind)
    runs = _carrying(runs, signal)
    errors, inside, widths, per_family, scores = [], [], [], {}, {}
    for family in [f for f in refs if (runs["family"] == f).any()]:
        held = runs[runs["family"] == family]
        rest = runs[runs["family"] != family]
        curve = _fit(rest, unit, refs, kind, signal)
        point = from_unit(curve(held[signal].to_numpy(dtype=float)), unit, refs[family])
        low, high = _band(rest, unit, {k: v for k, v in refs.items() if k != family}, level, kind, signal)
        lo = np.maximum(point + from_unit(low, unit, refs[family]), 0.0)
        hi = point + from_unit(high, unit, refs[family])
        y = held["epochs"].to_numpy(dtype=float)
        errors.append(np.abs(point - y))
        inside.append((y >= lo) & (y <= hi))
        widths.append(hi - lo)
        per_family[family] = float(np.mean(np.abs(point - y)))
        scores[family] = {"mae_epochs": per_family[family], "coverage": float(np.mean(inside[-1])),
                          "width_epochs": float(np.mean(hi - lo)), "n_runs": len(y)}  # fmt: skip
    errors, inside, width = np.concatenate(errors), np.concatenate(inside), float(np.concatenate(widths).mean())
    return TransferCheck(
        unit, len(refs), len(errors), float(errors.mean()), float(inside.mean()), width, level, per_family, signal,
        scores,
    )  # fmt: skip


def transfer_checks(
    records: pd.DataFrame,
    units: tuple[str, ...] = COST_UNITS,
    train_epochs: Mapping[str, float] | None = None,
    level: float = 0.8,
    kind: str = "linear",
    signal: str = "index_value",
) -> list[TransferCheck]:
    """``leave_one_family_out`` for each unit a family has a reference for, best (lowest MAE in epochs) first."""
    checks = []
    for unit in units:
        try:
            checks.append(leave_one_family_out(records, unit, train_epochs, level, kind, signal=signal))
        except MissingReference:
            continue  # some family lacks this unit's reference: the unit cannot be checked
    return sorted(checks, key=lambda c: c.mae_epochs)


def best_transfer_check(
    records: pd.DataFrame,
    signals: tuple[str, ...] = ("index_value",),
    units: tuple[str, ...] = COST_UNITS,
    train_epochs: Mapping[str, float] | None = None,
    level: float = 0.8,
) -> TransferCheck | None:
    """The (signal, unit) pair with the lowest leave-one-family-out MAE in epochs, or None when no pair can
    be checked (fewer than two families, no reference, no run carrying the signal).

    What a model the library lacks is forecast with (``calibration.unknown_model``), and what the
    fidelity benchmark scores as the product's leave-one-family-out figure.
    """
    best = None
    for signal in signals:
        try:
            checks = transfer_checks(records, units, train_epochs, level, signal=signal)
        except RecordsError:
            continue
        if checks and (best is None or checks[0].mae_epochs < best.mae_epochs):
            best = checks[0]
    return best


def transfer_forecast(
    records: pd.DataFrame,
    index: float,
    unit: str,
    reference: UnitReference,
    train_epochs: Mapping[str, float] | None = None,
    level: float = 0.8,
    kind: str = "linear",
    index_kind: str = "dist",
    signal: str = "index_value",
) -> TransferForecast:
    """Epochs at ``index`` for a model of a new family (``reference``: its own unit reference).

    ``signal``: what ``index`` is (the index, or "acc_drop": the user's accuracy drop). The curve is
    fitted on every family; the interval adds the families' held-out errors (each left out of the
    rest), converted with the new model's reference.
    """
    runs, refs = _families(records, train_epochs, index_kind)
    runs = _carrying(runs, signal)
    curve = _fit(runs, unit, refs, kind, signal)
    point = float(from_unit(curve(np.array([float(index)])), unit, reference)[0])
    low, high = _band(runs, unit, refs, level, kind, signal)
    lo = max(point + float(from_unit(low, unit, reference)), 0.0)
    hi = point + float(from_unit(high, unit, reference))
    check = leave_one_family_out(records, unit, train_epochs, level, kind, index_kind, signal)
    return TransferForecast(max(point, 0.0), lo, hi, unit, tuple(refs), check, signal)


def _families(
    records: pd.DataFrame, train_epochs: Mapping[str, float] | None, index_kind: str
) -> tuple[pd.DataFrame, dict[str, UnitReference]]:
    """The usable runs of families with enough of them, and each family's unit reference."""
    runs = usable_runs(records, index_kind)
    counts = runs["family"].value_counts()
    keep = sorted(counts[counts >= MIN_RUNS_PER_FAMILY].index)
    if len(keep) < 2:
        named = ", ".join(keep) or "none"
        raise RecordsError(
            f"leaving one model family out needs at least two families with {MIN_RUNS_PER_FAMILY}+ uncensored "
            f"runs each; these records have {len(keep)} ({named}): calibrate another family "
            "(python -m resque_core calibrate --family NAME)"
        )
    family_of_row = family_key(records)
    refs = {f: unit_reference(records[family_of_row == f], (train_epochs or {}).get(f)) for f in keep}
    return runs[runs["family"].isin(keep)], refs


def _carrying(runs: pd.DataFrame, signal: str) -> pd.DataFrame:
    """The runs with a value of ``signal``; a RecordsError when none has one."""
    runs = runs[runs[signal].notna()] if signal in runs else runs.iloc[:0]
    if runs.empty:
        raise RecordsError(f"no usable run carries {signal!r}")
    return runs


def _fit(runs: pd.DataFrame, unit: str, refs: Mapping[str, UnitReference], kind: str, signal: str = "index_value"):
    """A monotone (increasing) curve of the cost in ``unit`` against the index (or ``signal``), over these runs."""
    values = np.concatenate([_in_unit(g, unit, refs[f]) for f, g in runs.groupby("family")])
    x = np.concatenate([g[signal].to_numpy(dtype=float) for _, g in runs.groupby("family")])
    return fit_curve(kind, x, values, increasing=True)


def _in_unit(runs: pd.DataFrame, unit: str, ref: UnitReference) -> np.ndarray:
    return to_unit(runs["epochs"].to_numpy(dtype=float), unit, ref)


def _band(
    runs: pd.DataFrame,
    unit: str,
    refs: Mapping[str, UnitReference],
    level: float,
    kind: str,
    signal: str = "index_value",
) -> tuple[float, float]:
    """Quantiles (in ``unit``) of the errors of each of these families when left out of the others.

    With one family there is no one to leave out: its in-sample errors stand in (optimistic).
    """
    families = [f for f in refs if (runs["family"] == f).any()]
    residuals = []
    for family in families:
        held = runs[runs["family"] == family]
        rest = runs[runs["family"] != family] if len(families) > 1 else held
        curve = _fit(rest, unit, {k: v for k, v in refs.items() if k in set(rest["family"])}, kind, signal)
        residuals.append(_in_unit(held, unit, refs[family]) - curve(held[signal].to_numpy(dtype=float)))
    residuals = np.concatenate(residuals)
    alpha = (1 - level) / 2
    low, high = np.quantile(residuals, [alpha, 1 - alpha])
    return float(low), float(high)
