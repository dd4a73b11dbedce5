"""The refinement: epochs left to the target from the run's evaluations so far and the prior, learned from the
library's curves replayed as if live (``live.replay``).

Two learners of the same kind (``Learner``): gradient-boosted quantile regressions (scikit-learn's histogram
gradient boosting, which takes an unobserved feature as missing) from the curve features (``live.features``) to
the 10th, 50th and 90th percentiles of the epochs left (sorted where they cross: monotone rearrangement), and a
classifier for the chance of never reaching the
target within the cap; one reads the curve alone, the other the curve and the prior. ``Refiner`` blends them with
a weight, and widens (or narrows) the blended interval on log(1 + epochs) by a correction per stage of the run
(``STAGES``). The weight and the corrections are chosen on grouped folds of shift types (``live.tuning``), never
on the runs they are scored on. Why this method, and what it was measured against: ``docs/live.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resque_core.errors import ResqueError
from resque_core.live.features import CURVE_FEATURES, PRIOR_FEATURES

__all__ = ["STAGES", "Learner", "Refined", "Refiner", "fit_widen", "stage_of", "widen_scores"]

_SETTINGS = {"max_iter": 120, "max_depth": 4, "learning_rate": 0.06, "min_samples_leaf": 20, "random_state": 0}
STAGES: tuple[float, ...] = (0.0, 0.25, 1.0, 3.0)  # a stage starts at these epochs seen: [0], (0, 1), [1, 3), 3 on


def stage_of(epochs: np.ndarray | Sequence[float]) -> np.ndarray:
    """The stage (index into ``STAGES``) of each number of epochs seen."""
    seen = np.asarray(epochs, float)
    return np.where(seen <= 0, 0, np.searchsorted(STAGES, seen, side="right") - 1).clip(1 * (seen > 0), None)


@dataclass(frozen=True)
class Refined:
    """Per row: epochs left (point, low, high: the ``level`` interval) and the chance of never reaching the target
    within the cap; arrays of equal length."""

    point: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p_never: np.ndarray


class Learner:
    """One learner: epochs left (three quantiles) and the chance of never reaching the target, from the curve
    features (and the prior's, with ``use_prior``)."""

    def __init__(self, use_prior: bool, level: float = 0.8) -> None:
        self.use_prior, self.level = use_prior, level

    @property
    def features(self) -> list[str]:
        return [*CURVE_FEATURES, *(PRIOR_FEATURES if self.use_prior else ())]

    def fit(self, rows: pd.DataFrame) -> Learner:
        """Fit on replayed rows (``live.replay.replay_rows``: the features, ``left`` and ``never``)."""
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        from threadpoolctl import threadpool_limits

        if len(rows) < 50 or rows["never"].nunique() < 2:
            raise ResqueError(
                f"the refinement needs at least 50 replayed evaluations of reached and unreached runs, got {len(rows)}"
            )
        x, left = rows[self.features].to_numpy(float), rows["left"].to_numpy(float)
        tail = (1 - self.level) / 2
        quantile = lambda q: HistGradientBoostingRegressor(loss="quantile", quantile=q, **_SETTINGS)  # noqa: E731
        with threadpool_limits(limits=1, user_api="openmp"):  # threads fight a training loop (and each other)
            self.models_ = [quantile(q).fit(x, left) for q in (tail, 0.5, 1 - tail)]
            self.never_ = HistGradientBoostingClassifier(**_SETTINGS).fit(x, rows["never"].to_numpy(int))
        return self

    def predict(self, rows: pd.DataFrame) -> Refined:
        """Epochs left (clipped to [0, epochs left to the cap]) and the chance of never reaching the target."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):  # on a busy machine, threads cost seconds per row
            return self._predict(rows)

    def _predict(self, rows: pd.DataFrame) -> Refined:
        if not hasattr(self, "models_"):
            raise ResqueError("the refinement is not fitted yet")
        x = rows[self.features].to_numpy(float)
        budget = np.exp(rows["log_budget"].to_numpy(float))
        quantiles = np.sort([np.clip(m.predict(x), 0, budget) for m in self.models_], axis=0)  # rearranged
        p_never = self.never_.predict_proba(x)[:, list(self.never_.classes_).index(1)]
        return Refined(quantiles[1], quantiles[0], quantiles[2], p_never)


class Refiner:
    """The product's refinement: the curve-alone and curve-and-prior learners blended, its interval corrected.

    Args:
        weight: share of the curve-and-prior learner in the blend (0: the curve alone; without a prior the
            curve-alone learner answers whatever the weight).
        widen: correction on log(1 + epochs) added to each end of the interval, per stage (``STAGES``).
        use_prior: whether a prior is given (False: the curve-alone learner only).
    """

    def __init__(self, weight: float = 0.5, widen: Mapping[int, float] | None = None, use_prior: bool = True,
                 level: float = 0.8) -> None:  # fmt: skip
        self.weight, self.widen, self.use_prior, self.level = weight, dict(widen or {}), use_prior, level

    @property
    def _blended(self) -> tuple[bool, bool]:
        """Whether the curve-alone and the curve-and-prior learners take part."""
        both = self.use_prior and self.weight > 0
        return not (both and self.weight >= 1), both

    def fit(self, rows: pd.DataFrame) -> Refiner:
        """Fit the learners that take part on replayed rows (``live.replay.replay_rows``)."""
        curve, both = self._blended
        fitted = [Learner(use, self.level).fit(rows) if part else None for use, part in ((False, curve), (True, both))]
        return self.with_learners(*fitted)

    def with_learners(self, curve: Learner | None, both: Learner | None) -> Refiner:
        """Use learners already fitted (the benchmark shares them between the blend and the curve alone)."""
        takes_curve, takes_both = self._blended
        self.curve_, self.both_ = curve if takes_curve else None, both if takes_both else None
        return self

    def predict(self, rows: pd.DataFrame) -> Refined:
        from threadpoolctl import threadpool_limits

        if not hasattr(self, "curve_"):
            raise ResqueError("the refinement is not fitted yet")
        with threadpool_limits(limits=1, user_api="openmp"):
            curve = self.curve_._predict(rows) if self.curve_ is not None else None
            both = self.both_._predict(rows) if self.both_ is not None else None
        out = both if curve is None else blend(curve, both, self.weight)
        budget = np.exp(rows["log_budget"].to_numpy(float))
        return corrected(out, stage_of(np.expm1(rows["log_epoch"].to_numpy(float))), self.widen, budget)


def blend(curve: Refined, both: Refined | None, weight: float) -> Refined:
    """``weight`` of ``both`` and the rest of ``curve``, end by end (quantiles averaged); ``curve`` when no ``both``."""
    if both is None or weight <= 0:
        return curve
    mix = lambda a, b: (1 - weight) * a + weight * b  # noqa: E731
    return Refined(*(mix(getattr(curve, k), getattr(both, k)) for k in ("point", "low", "high", "p_never")))


def corrected(refined: Refined, stages: np.ndarray, widen: Mapping[int, float], budget: np.ndarray) -> Refined:
    """The interval widened by each row's stage correction on log(1 + epochs), kept within [0, budget]."""
    shift = np.array([widen.get(int(s), 0.0) for s in stages])
    low = np.clip(np.expm1(np.log1p(refined.low) - shift), 0, refined.point)
    high = np.clip(np.expm1(np.log1p(refined.high) + shift), refined.point, budget)
    return Refined(refined.point, low, high, refined.p_never)


def widen_scores(refined: Refined, left: np.ndarray) -> np.ndarray:
    """Conformal scores on log(1 + epochs): how far each truth lies outside its interval (negative: inside)."""
    y = np.log1p(left)
    return np.maximum(np.log1p(refined.low) - y, y - np.log1p(refined.high))


def fit_widen(scores: np.ndarray, level: float = 0.8) -> float:
    """The correction that makes intervals cover ``level`` of the scored rows (split-conformal quantile)."""
    scores = np.asarray(scores, float)
    n = len(scores)
    if n == 0:
        return 0.0
    q = min(math.ceil((n + 1) * level) / n, 1.0)
    return float(np.quantile(scores, q, method="higher"))
