"""How many of the runs most like the user's never reached the target: the chance of never getting there,
stated beside a forecast of the epochs if it does (``forecast.targets``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from resque_core.units import number_text

__all__ = ["SIMILAR_RUNS", "Unreached", "nearest_rows", "unreached_among"]

SIMILAR_RUNS = 10  # how many runs most like the user's the chance of never reaching T is counted on


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
        after = (
            f"after {number_text(self.epochs, 3)} epochs"
            if self.at_cap
            else "when they stopped (some before their cap)"
        )
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


def unreached_among(runs: pd.DataFrame, columns: list[str], x: np.ndarray, target: Any, k: int = SIMILAR_RUNS):
    """For each row of ``x`` (values of ``columns``), the ``Unreached`` of the ``k`` runs nearest to it, for
    ``target`` (a ``forecast.targets.Target``).

    Distances are taken on each column scaled by its spread over ``runs``; runs lacking a column are not counted.
    """
    have = runs.dropna(subset=list(columns))
    if have.empty:
        return [None] * len(x)
    lost_runs = (have["reached"] == 0) if "reached" in have else (have["censored"] == 1)  # never reached the target
    censored = lost_runs.to_numpy(bool)
    stopped = have["epochs"].to_numpy(float)
    caps = pd.to_numeric(have.get("max_epochs", pd.Series(np.nan, index=have.index)), errors="coerce").to_numpy(float)
    out = []
    for nearest in nearest_rows(have, columns, x, k):
        lost = nearest[censored[nearest]]
        at_cap = bool(np.all(np.isnan(caps[lost]) | (stopped[lost] >= caps[lost] - 1e-6))) if len(lost) else True
        epochs = float(np.max(stopped[lost])) if len(lost) else _largest(caps[nearest])
        label = "their own target" if target.kind == "records" else target.label
        out.append(Unreached(int(len(lost)), int(len(nearest)), epochs, at_cap, label))
    return out


def nearest_rows(runs: pd.DataFrame, columns: list[str], x: np.ndarray, k: int = SIMILAR_RUNS) -> list[np.ndarray]:
    """For each row of ``x`` (values of ``columns``), the positions in ``runs`` of the ``k`` runs nearest to it,
    nearest first: the runs "most like the user's". ``runs`` must have every column; distances are taken on
    each column scaled by its spread over ``runs`` (a column that does not vary counts in its own units)."""
    values = runs[list(columns)].to_numpy(float)
    scale = values.std(axis=0)
    scale[~(scale > 0)] = 1.0
    out = []
    for row in np.atleast_2d(np.asarray(x, float)):
        distance = np.sqrt((((values - row) / scale) ** 2).sum(axis=1))
        out.append(np.argsort(distance, kind="stable")[: min(k, len(runs))])
    return out


def _largest(values: np.ndarray) -> float:
    known = values[~np.isnan(values)]
    return float(known.max()) if len(known) else 0.0
