"""The from-scratch curves a forecast is set beside: each measure of the from-scratch runs against the index.

Capped runs stay in at their cap (dropping them would keep only the fastest scratch runs), so the
figures are lower bounds when many hit it; the share that did is returned with the curves. With few
runs the curve falls back to a constant with jackknife+ intervals, then to the observed range.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from resque_core.forecast.conformal import JackknifePlus, min_records, select_model
from resque_core.forecast.fidelity import heldout_groups
from resque_core.forecast.result import MEASURES
from resque_core.forecast.run_facts import carrying

__all__ = ["ObservedRange", "fit_scratch"]


class ObservedRange:
    """Too few scratch runs for an interval: median, and the observed min and max."""

    kind = "range"

    def __init__(self, y: np.ndarray) -> None:
        self.values = (float(np.median(y)), float(np.min(y)), float(np.max(y)))

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(np.full(np.shape(x), v) for v in self.values)


def fit_scratch(
    frame: pd.DataFrame,
    index_kind: str,
    level: float,
    method: str,
    kinds: Sequence[str],
    minimum: int,
    column: str = "index_value",
) -> tuple[dict, float]:
    """Curves of every measure of the from-scratch runs against ``column``, and the share of them capped.

    Args:
        level, method, kinds: the forecaster's interval level, interval method and curve families.
        minimum: runs a fitted curve needs (fewer: a constant, then the observed range).
    """
    rows = frame[(frame["index_kind"] == index_kind) & (frame["run_kind"] == "scratch")]
    rows = rows[rows[column].notna()]
    capped_share = float(rows["censored"].mean()) if len(rows) else 0.0
    models: dict = {}
    for measure in MEASURES:
        have = carrying(rows, measure)
        x, y = have[column].to_numpy(), have[measure].to_numpy()
        groups = heldout_groups(have)[0]
        if len(have) >= max(minimum, min_records(level)):
            models[measure] = select_model(x, y, level, method, kinds, groups)
        elif len(have) >= min_records(level):
            models[measure] = JackknifePlus("constant", level, method).fit(x, y, groups)
        elif len(have):
            models[measure] = ObservedRange(y)
    return models, capped_share
