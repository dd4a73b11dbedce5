"""The evidence a forecast can rest on, and which signal set a forecast used, in words.

A user who has the new data's labels has the index, and for free the old model's accuracy drop (its
clean held-out accuracy minus its accuracy on the new data). A user without labels has the label-free
index (the new data grouped by the old model's predicted class) and the old model's mean confidence.
The forecaster scores every candidate set on the records, leaving one shift type out, and forecasts
from the one with the smallest held-out error among those the user can give (bench/RESULTS.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from resque_core.units import number_text

__all__ = ["LABELS", "SIGNALS", "Signal", "SignalChoice", "candidate_sets", "signal_words"]

LABELS: tuple[str, ...] = ("given", "predicted")  # the new data's labels: the user's own, or the old model's


@dataclass(frozen=True)
class Signal:
    """One forecast input: its records column and how a sentence names it."""

    name: str
    column: str
    words: str


SIGNALS: dict[str, Signal] = {
    "index": Signal("index", "index_value", "the index"),
    "acc_drop": Signal("acc_drop", "acc_drop", "the accuracy drop"),
    "index_free": Signal("index_free", "index_free", "the label-free index"),
    "mean_conf": Signal("mean_conf", "mean_conf", "the old model's confidence"),
}
SCHEME_UNITS = {"leave-one-shift-type-out": "shift types", "leave-one-shift-out": "shifts", "leave-one-out": "runs"}


def candidate_sets(index_kind: str, labels: str) -> tuple[tuple[str, ...], ...]:
    """The signal sets the forecaster compares, simplest first; the first of each is the fallback."""
    if index_kind == "task":
        return (("index",),)  # new classes: the old model's accuracy means nothing there
    if labels == "predicted":
        return (("index_free",), ("mean_conf",), ("index_free", "mean_conf"))
    return (("index",), ("acc_drop",), ("index", "acc_drop"))


def signal_words(signals: tuple[str, ...]) -> str:
    """ "the accuracy drop and the index" for ("acc_drop", "index")."""
    return " and ".join(SIGNALS[s].words for s in signals)


@dataclass(frozen=True)
class SignalChoice:
    """Which signals a forecast used, and how they did on the records held out by shift type.

    Attributes:
        signals: names in ``SIGNALS`` ("index", "acc_drop", "index_free", "mean_conf").
        labels: "given" (the user's labels) or "predicted" (label-free).
        heldout_mae_epochs: held-out mean absolute error of the epochs forecast, in epochs (NaN: no check).
        n_groups: shift types (or shifts, or runs: ``scheme``) the held-out check left out one at a time.
        scheme: "leave-one-shift-type-out", "leave-one-shift-out" or "leave-one-out".
        candidates: held-out epochs MAE of every signal set the records allowed ("index+acc_drop": 3.5).
        fallback: why the forecast rests on fewer signals than the user could give, or None.
        curves: "pooled over all shift types" or "shift type NAME".
    """

    signals: tuple[str, ...]
    labels: str
    heldout_mae_epochs: float
    n_groups: int
    scheme: str
    candidates: Mapping[str, float] = field(default_factory=dict)
    fallback: str | None = None
    curves: str = "pooled over all shift types"

    def sentence(self) -> str:
        """ "forecast from the index and the accuracy drop; held-out MAE 3.5 epochs on 8 shift types"."""
        alone = " alone" if len(self.signals) == 1 and self.fallback else ""
        text = f"forecast from {signal_words(self.signals)}{alone}"
        if self.curves != "pooled over all shift types":
            text += f" ({self.curves}'s own curves)"
        if math.isfinite(self.heldout_mae_epochs):
            unit = SCHEME_UNITS.get(self.scheme, "groups")
            whose = (
                "held-out MAE" if self.curves == "pooled over all shift types" else "the pooled curve's held-out MAE"
            )
            text += f"; {whose} {number_text(self.heldout_mae_epochs, 2)} epochs on {self.n_groups} {unit}"
        else:
            text += "; no held-out check (a held-out fold had too few records)"
        return text + (f" ({self.fallback})" if self.fallback else "")

    def to_dict(self) -> dict:
        return {
            "signals": list(self.signals),
            "labels": self.labels,
            "heldout_mae_epochs": self.heldout_mae_epochs,
            "n_groups": self.n_groups,
            "scheme": self.scheme,
            "candidates": dict(self.candidates),
            "fallback": self.fallback,
            "sentence": self.sentence(),
        }
