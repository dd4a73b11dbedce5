"""Choosing the refinement's blend weight and interval corrections on runs it is not scored on.

The shift types of the rows given are split into ``folds`` groups; each group's rows are predicted by learners
fitted on the other groups (out of fold), and from those predictions come the weight of the curve-and-prior
learner (the candidate with the least mean absolute error; ties to the smaller weight) and, for every candidate,
the correction per stage that makes the blended intervals cover ``level`` (``refiner.fit_widen``). The benchmark
tunes inside each held-out fold (nested); ``bench/live_refinement.py --publish`` tunes on the whole library.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from resque_core.live.refiner import STAGES, Learner, Refined, blend, fit_widen, stage_of, widen_scores

__all__ = ["WEIGHTS", "Tuning", "tune"]

WEIGHTS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Tuning:
    """The chosen ``weight``; per candidate weight, its out-of-fold MAE (epochs) and its corrections per stage."""

    weight: float
    mae: dict[float, float]
    widen: dict[float, dict[int, float]]


def tune(rows: pd.DataFrame, folds: int = 3, level: float = 0.8, weights: tuple[float, ...] = WEIGHTS) -> Tuning:
    """The weight and corrections for ``rows`` (replayed rows with ``shift_type``), by grouped folds of types."""
    curve, both = _out_of_fold(rows, folds, level)
    left = rows["left"].to_numpy(float)
    stages = stage_of(rows["epoch"].to_numpy(float))
    mae, widen = {}, {}
    for w in weights:
        mixed = blend(curve, both, w)
        mae[w] = float(np.mean(np.abs(mixed.point - left)))
        scores = widen_scores(mixed, left)
        widen[w] = {k: fit_widen(scores[stages == k], level) for k in range(len(STAGES)) if (stages == k).any()}
    best = min(weights, key=lambda w: (round(mae[w], 6), w))
    return Tuning(best, mae, widen)


def _out_of_fold(rows: pd.DataFrame, folds: int, level: float) -> tuple[Refined, Refined]:
    types = np.array(sorted(rows["shift_type"].astype(str).unique()))
    n = len(rows)
    parts = {k: np.full(n, np.nan) for k in ("point", "low", "high", "p_never")}
    curve, both = {k: v.copy() for k, v in parts.items()}, {k: v.copy() for k, v in parts.items()}
    for k in range(folds):
        test = rows["shift_type"].astype(str).isin(set(types[k::folds])).to_numpy()
        for use_prior, into in ((False, curve), (True, both)):
            made = Learner(use_prior, level).fit(rows[~test]).predict(rows[test])
            for key in into:
                into[key][test] = getattr(made, key)
    return Refined(**curve), Refined(**both)
