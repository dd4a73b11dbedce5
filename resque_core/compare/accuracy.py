"""The accuracy an option is expected to reach within a budget, and the chance it reaches the team's target, read
from the evaluation curves of the calibration runs most like it.

For each of the ``SIMILAR_RUNS`` runs nearest to the option (in the index and the accuracy drop, as the forecast
counts its unreached runs: ``forecast.unreached.nearest_rows``), take the best validation accuracy its curve had
reached by the budget's epoch: what a team that keeps its best checkpoint would have. A run is of another model
than the option, so its accuracy is carried over as a *gap*: how far below its own old model's clean accuracy it
stood, put under the option's reference accuracy (a retrained checkpoint's own clean accuracy; for training from
scratch, the best clean accuracy among that architecture's candidates). The point is the median of those carried
accuracies, the interval their quantiles at the forecast's level, and the chance of reaching the target T the share
of runs whose carried accuracy reached T. The same carrying sets the target the epochs are forecast to: T is a drop
of (reference - T) below each run's clean accuracy (``forecast.targets.Target``), so the two answers agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import resque_core.compare.checked as checked
from resque_core.errors import RecordsError
from resque_core.forecast.result import Interval
from resque_core.forecast.unreached import SIMILAR_RUNS, nearest_rows

__all__ = ["ExpectedAccuracy", "expected_accuracy"]


@dataclass(frozen=True)
class ExpectedAccuracy:
    """What an option is expected to reach within its budget.

    Attributes:
        accuracy: the carried best accuracy by the budget: median (point) and quantiles (low, high).
        p_reach_target: share of the similar runs whose carried accuracy reached the target by the budget.
        n_similar: runs it was read from; budget_epochs: the epochs it was read at.
        capped: the budget lay past the runs' epoch cap: their curves were read at their end.
    """

    accuracy: Interval
    p_reach_target: float
    n_similar: int
    budget_epochs: float
    capped: bool

    def to_dict(self) -> dict:
        return {
            "accuracy": self.accuracy.to_dict(),
            "p_reach_target": self.p_reach_target,
            "n_similar": self.n_similar,
            "budget_epochs": self.budget_epochs,
            "capped": self.capped,
        }

    @classmethod
    def from_dict(cls, doc: dict, where: str = "expected") -> ExpectedAccuracy:
        """Read back ``to_dict``'s layout, every number checked (``ReportError`` naming ``where``)."""
        return cls(
            accuracy=checked.interval(checked.field(doc, "accuracy", where), f"{where}.accuracy", 0.0, 1.0),
            p_reach_target=checked.number(checked.field(doc, "p_reach_target", where), f"{where}.p_reach_target", 0, 1),
            n_similar=int(checked.number(checked.field(doc, "n_similar", where), f"{where}.n_similar", 0, 1e9)),
            budget_epochs=checked.number(checked.field(doc, "budget_epochs", where), f"{where}.budget_epochs", 0, 1e9),
            capped=checked.boolean(checked.field(doc, "capped", where), f"{where}.capped"),
        )


def expected_accuracy(
    runs: pd.DataFrame,
    curves: pd.DataFrame,
    signals: dict[str, float | None],
    reference_acc: float,
    target_acc: float,
    budget_epochs: float,
    level: float = 0.8,
    k: int = SIMILAR_RUNS,
    floor_acc: float | None = None,
) -> ExpectedAccuracy:
    """The ``ExpectedAccuracy`` of an option from the ``k`` runs of ``runs`` (one run kind: retraining or from
    scratch) nearest to it in ``signals`` (record column -> the option's value; a None value is not used).
    ``floor_acc``: the accuracy the option already has on the new data (a checkpoint's, before any retraining):
    the best within any budget is at least that.

    Raises:
        RecordsError: no run with a curve and the signals, or a budget that is not a positive number of epochs.
    """
    if not (np.isfinite(budget_epochs) and budget_epochs > 0):
        raise RecordsError(f"the budget must be a positive number of epochs, not {budget_epochs!r}")
    columns = [c for c, v in signals.items() if v is not None and c in runs]
    have = runs[runs["run_id"].isin(curves["run_id"]) & runs["base_acc"].notna()].dropna(subset=columns)
    if have.empty:
        raise RecordsError("no calibration run has an evaluation curve to read an expected accuracy from")
    x = np.array([[signals[c] for c in columns]], float)
    nearest = have.iloc[nearest_rows(have, columns, x, k)[0]] if columns else have.head(k)
    by_run = dict(tuple(curves[curves["run_id"].isin(nearest["run_id"])].groupby("run_id", sort=False)))
    carried = []
    for run in nearest.itertuples(index=False):
        curve = by_run[run.run_id]
        best = float(curve.loc[curve["epoch"] <= budget_epochs + 1e-9, "val_acc"].max())
        floor = 0.0 if floor_acc is None else float(floor_acc)
        carried.append(min(max(reference_acc - (float(run.base_acc) - best), floor), 1.0))
    values = np.array(carried)
    tail = (1.0 - level) / 2.0
    low, point, high = np.quantile(values, [tail, 0.5, 1.0 - tail])
    return ExpectedAccuracy(
        accuracy=Interval(float(point), float(low), float(high)),
        p_reach_target=float(np.mean(values >= target_acc - 1e-12)),
        n_similar=len(values),
        budget_epochs=float(budget_epochs),
        capped=budget_epochs > _cap(nearest, curves) + 1e-9,
    )


def _cap(runs: pd.DataFrame, curves: pd.DataFrame) -> float:
    """The smallest epoch cap among ``runs`` (their curves' last epoch where no cap is recorded)."""
    caps = pd.to_numeric(runs.get("max_epochs"), errors="coerce") if "max_epochs" in runs else None
    if caps is not None and caps.notna().any():
        return float(caps.min())
    return float(curves[curves["run_id"].isin(runs["run_id"])].groupby("run_id")["epoch"].max().min())
