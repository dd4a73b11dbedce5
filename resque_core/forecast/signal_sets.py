"""Candidate signal sets fitted on the records, and the choice of one for the evidence a user gives.

Each set of ``forecast.signals.candidate_sets`` the records carry is fitted (a curve per measure) and
scored by its held-out epochs error, on the same runs as the other sets of its label mode. ``choose``
takes the set with the smallest held-out error among those the user can give, and says why it rests on
fewer signals when it does (the records lack one, or the user did not give it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resque_core.errors import RecordsError
from resque_core.forecast.fidelity import HeldOut, heldout_groups
from resque_core.forecast.signals import LABELS, SIGNALS, SignalChoice, candidate_sets, signal_words
from resque_core.units import number_text

__all__ = ["SetFit", "choose", "evidence", "fit_sets", "outside_ranges"]

FitCurves = Callable[[pd.DataFrame, list[str]], dict]  # uncensored runs, columns -> a model per measure
CheckHeldOut = Callable[[pd.DataFrame, list[str]], "HeldOut | None"]  # runs, columns -> held-out epochs


@dataclass(frozen=True)
class SetFit:
    """One candidate signal set fitted on the runs carrying it: a curve per measure and its held-out error.

    Attributes:
        signals: names in ``forecast.signals.SIGNALS``; models: measure -> fitted interval model.
        ranges: records column -> (min, max) of the uncensored runs the curves were fitted on.
        heldout_mae_epochs: held-out epochs MAE (NaN: no check); n_groups and scheme: of that check.
        n_runs: uncensored runs behind the curves.
    """

    signals: tuple[str, ...]
    models: dict
    ranges: dict[str, tuple[float, float]]
    heldout_mae_epochs: float
    n_groups: int
    scheme: str
    n_runs: int

    @property
    def key(self) -> str:
        return "+".join(self.signals)

    @property
    def error(self) -> float:
        """The held-out MAE to rank by (no check ranks last)."""
        return self.heldout_mae_epochs if math.isfinite(self.heldout_mae_epochs) else math.inf


def fit_sets(
    runs: pd.DataFrame,
    index_kind: str,
    minimum: int,
    fit_curves: FitCurves,
    check: CheckHeldOut,
    index_done: tuple[HeldOut | None, dict],
) -> dict[tuple[str, ...], SetFit]:
    """Every candidate set the records carry, scored on the runs that carry all of its label mode's signals.

    ``index_done``: the index's held-out check and curves on every run, already made by the forecaster.
    Records without a mode's columns: the labelled mode falls back to the index alone, the label-free one is skipped.
    """
    sets: dict[tuple[str, ...], SetFit] = {}
    for labels in LABELS[: 1 if index_kind == "task" else None]:
        candidates = candidate_sets(index_kind, labels)
        columns = sorted({SIGNALS[s].column for group in candidates for s in group})
        rows = runs[runs[columns].notna().all(axis=1)].reset_index(drop=True)
        if (rows["censored"] == 0).sum() < minimum:
            if candidates[0] != ("index",):
                continue
            rows, candidates = runs, candidates[:1]
        for signals in candidates:
            done = index_done if signals == ("index",) and len(rows) == len(runs) else None
            sets[signals] = _fit_set(rows, signals, fit_curves, check, done)
    return sets


def _fit_set(rows: pd.DataFrame, signals: tuple[str, ...], fit_curves, check, done) -> SetFit:
    columns = [SIGNALS[s].column for s in signals]
    heldout, models = done if done is not None else (check(rows, columns), None)
    usable = rows[rows["censored"] == 0]
    models = models if models is not None else fit_curves(usable, columns)
    ranges = {c: (float(usable[c].min()), float(usable[c].max())) for c in columns}
    groups, scheme = heldout_groups(rows)
    mae = heldout.mae if heldout is not None else float("nan")
    return SetFit(signals, models, ranges, mae, len(pd.unique(groups)), scheme, len(usable))


def choose(
    sets: Mapping[tuple[str, ...], SetFit], index_kind: str, labels: str, given: set[str], shift_type: str | None
) -> tuple[SignalChoice, SetFit]:
    """The set of ``labels``' candidates with the smallest held-out error among those ``given``, and why not more.

    Raises:
        RecordsError: no set can be used (label-free evidence, records without label-free signals).
    """
    mode = [sets[c] for c in candidate_sets(index_kind, labels) if c in sets]
    usable = [fit for fit in mode if set(fit.signals) <= given]
    if shift_type is not None:
        if labels != "given":
            raise RecordsError("a shift type's own curves are of the labelled index: use labels 'given'")
        usable = [fit for fit in usable if fit.signals == ("index",)]
    if not usable:
        raise RecordsError(
            "these records carry no label-free signals (index_free, mean_conf): forecast with labelled new data, "
            "or use records from a calibration that computed them (python -m resque_core calibrate)"
        )
    best = min(usable, key=lambda fit: fit.error)
    curves = "pooled over all shift types" if shift_type is None else f"shift type {shift_type}"
    choice = SignalChoice(
        best.signals, labels, best.heldout_mae_epochs, best.n_groups, best.scheme,
        {fit.key: fit.heldout_mae_epochs for fit in usable},
        _fallback(index_kind, labels, mode, best) if shift_type is None else KNOWN_TYPE, curves,
    )  # fmt: skip
    return choice, best


KNOWN_TYPE = (
    "the shift type is known, and for a new level of a known type its own index curve forecasts at least as "
    "well as the accuracy drop's: 3.20 vs 3.31 epochs held out on the default calibration"
)


def _fallback(index_kind: str, labels: str, mode: list[SetFit], best: SetFit) -> str | None:
    """Why the forecast rests on fewer signals than a user with ``labels`` could give, or None."""
    possible = {s for group in candidate_sets(index_kind, labels) for s in group}
    missing = tuple(sorted(possible - {s for fit in mode for s in fit.signals}))
    if missing:
        return f"the records carry no {signal_words(missing).removeprefix('the ')}"
    better = [fit for fit in mode if fit.error < best.error]
    if better:
        top = min(better, key=lambda fit: fit.error)
        return f"with {signal_words(top.signals)} it would be {number_text(top.heldout_mae_epochs, 2)} epochs"
    return None


def evidence(values: np.ndarray, labels: str, acc_drop, mean_conf) -> dict[str, np.ndarray]:
    """The signals given, each an array as long as ``values`` (the index, labelled or label-free).

    Raises:
        RecordsError: unknown ``labels``, the accuracy drop without labels, a value out of range.
    """
    if labels not in LABELS:
        raise RecordsError(f"unknown labels {labels!r}; use one of {', '.join(LABELS)}")
    if labels == "predicted" and acc_drop is not None:
        raise RecordsError("the accuracy drop needs the new data's labels: leave it out, or use labels 'given'")
    given = {"index" if labels == "given" else "index_free": values}
    for name, value in (("acc_drop", acc_drop), ("mean_conf", mean_conf)):
        if value is not None:
            given[name] = np.broadcast_to(_as_signal(name, value), values.shape).astype(float)
    return given


def _as_signal(name: str, value) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise RecordsError(f"{name} must be a number, got {value!r}") from exc
    low = -1.0 if name == "acc_drop" else 0.0
    if not np.isfinite(array).all() or (array < low).any() or (array > 1).any():
        raise RecordsError(f"{name} must lie in [{low:g}, 1] (an accuracy share, not a percentage), got {value!r}")
    return array


def outside_ranges(x: np.ndarray, signals: Sequence[str], ranges: dict) -> np.ndarray:
    """Whether each row of signal values lies outside the fitted range of any of its signals."""
    outside = np.zeros(len(x), dtype=bool)
    for j, signal in enumerate(signals):
        low, high = ranges[SIGNALS[signal].column]
        outside |= (x[:, j] < low) | (x[:, j] > high)
    return outside
