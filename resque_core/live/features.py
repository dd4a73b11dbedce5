"""What the refinement reads off a run's evaluations so far: the curve features, the same for a live run and
for a library curve replayed as if it were live (``live.replay``).

A run is seen at ``epoch`` e through its evaluations up to e, (epoch, accuracy on the new data) pairs. Each
feature is a number or NaN (not observable yet; the models take NaN as "unknown"):

- ``log_epoch``: log(1 + e);
- ``gap_best``: target minus the best accuracy so far (positive until the target is reached);
- ``gap_start``: target minus the accuracy before any training (NaN without an evaluation at epoch 0);
- ``slope``: how fast the best accuracy rose over the second half of what was observed, per epoch (NaN
  without an evaluation at or before e/2);
- ``log_eta``: log(1 + epochs to close ``gap_best`` at that speed), capped at 1000 epochs;
- ``log_budget``: log of the epochs left before the cap.

The prior (``live.prior``) adds ``prior_log_epochs`` and ``prior_log_width`` (its point and 80% width on
log(1 + epochs)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["CURVE_FEATURES", "PRIOR_FEATURES", "START_EPOCH", "curve_features"]

CURVE_FEATURES: tuple[str, ...] = ("log_epoch", "gap_best", "gap_start", "slope", "log_eta", "log_budget")
PRIOR_FEATURES: tuple[str, ...] = ("prior_log_epochs", "prior_log_width")
START_EPOCH = 0.05  # an evaluation at or before this many epochs counts as the accuracy before training
_MIN_SLOPE = 1e-4  # accuracy per epoch below which a curve counts as flat
_MAX_ETA = 1000.0


def curve_features(
    epochs: Sequence[float], accs: Sequence[float], target_acc: float, max_epochs: float, at: float
) -> list[float]:
    """The ``CURVE_FEATURES`` of a run seen at epoch ``at`` (evaluations after ``at`` are ignored).

    ``epochs`` must be sorted and hold at least one evaluation at or before ``at``.
    """
    t, a = np.asarray(epochs, float), np.asarray(accs, float)
    seen = t <= at + 1e-9
    t, a = t[seen], a[seen]
    if len(t) == 0:
        raise ValueError("no evaluation at or before the epoch the run is seen at")
    best = np.maximum.accumulate(a)
    gap_best = target_acc - float(best[-1])
    gap_start = target_acc - float(a[0]) if t[0] <= START_EPOCH else math.nan
    slope = log_eta = math.nan
    if at > 0 and t[0] <= at / 2:
        slope = (float(best[-1]) - float(np.interp(at / 2, t, best))) / (at / 2)
        log_eta = math.log1p(min(max(gap_best, 0.0) / max(slope, _MIN_SLOPE), _MAX_ETA))
    log_budget = math.log(max(max_epochs - at, 1e-3))
    return [math.log1p(at), gap_best, gap_start, slope, log_eta, log_budget]
