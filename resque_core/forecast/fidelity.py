"""Held-out checks of a forecast: leave one shift type (or one run) out, predict it, score it.

Censored runs (the epoch cap was hit) only give a lower bound on the cost. They never
train a curve; when held out, they count as covered when the interval's high end reaches
the observed lower bound, and they are left out of the mean absolute error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from resque_core.errors import RecordsError


class IntervalModel(Protocol):
    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class HeldOut:
    """Held-out forecasts of one measure, one entry per run, in the measure's units.

    Attributes:
        scheme: "leave-one-shift-type-out" or "leave-one-out".
        observed, point, low, high: measured value and its held-out forecast and interval.
        censored: True where the observed value is only a lower bound.
    """

    scheme: str
    observed: np.ndarray
    point: np.ndarray
    low: np.ndarray
    high: np.ndarray
    censored: np.ndarray

    @property
    def covered(self) -> np.ndarray:
        inside = (self.low <= self.observed) & (self.observed <= self.high)
        return np.where(self.censored, self.high >= self.observed, inside)

    @property
    def coverage(self) -> float:
        """Share of held-out runs whose interval covers them (censored: high >= lower bound)."""
        return float(np.mean(self.covered))

    @property
    def mae(self) -> float:
        """Mean absolute error of the point forecasts over the uncensored runs."""
        keep = ~self.censored
        return float(np.mean(np.abs(self.point[keep] - self.observed[keep]))) if keep.any() else float("nan")

    @property
    def n_censored(self) -> int:
        return int(self.censored.sum())


def heldout_groups(frame: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Leave one shift type out (3+ types), else one shift out (3+ shifts, seeds kept together), else one run."""
    for column, scheme in (("shift_type", "leave-one-shift-type-out"), ("shift", "leave-one-shift-out")):
        values = frame[column] if column in frame else pd.Series([None] * len(frame), dtype=object)
        if values.notna().all() and values.nunique() >= 3:
            return values.to_numpy(dtype=object), scheme
    return np.arange(len(frame)), "leave-one-out"


def leave_group_out(
    x: np.ndarray,
    y: np.ndarray,
    censored: np.ndarray,
    groups: np.ndarray,
    fit: Callable[[np.ndarray, np.ndarray, np.ndarray], IntervalModel],
    scheme: str = "leave-one-group-out",
) -> HeldOut:
    """Fit on all groups but one (uncensored runs only), predict the left-out group, for each group.

    ``fit(x, y, groups)`` gets the training runs and their group labels.

    Raises:
        RecordsError: leaving a group out leaves too few runs to fit.
    """
    x, y, censored = (np.asarray(a, dtype=float) for a in (x, y, censored))
    censored = censored.astype(bool)
    point, low, high = (np.full(len(x), np.nan) for _ in range(3))
    for group in pd.unique(groups):
        out = groups == group
        train = ~out & ~censored & np.isfinite(y)
        try:
            model = fit(x[train], y[train], groups[train])
        except RecordsError as exc:
            raise RecordsError(f"held-out check, leaving out {group!r}: {exc}") from exc
        point[out], low[out], high[out] = model.predict(x[out])
    return HeldOut(scheme, y, point, low, high, censored)
