"""The team's target: what "done" means for a retraining run (``ForecastSettings``'s ``target_kind`` and
``target_value``, ``forecast.targets``), on the Forecast page and, below the best candidate, on Compare models."""

from __future__ import annotations

import streamlit as st

from ui.kept import kept

__all__ = ["TARGETS", "target_settings"]

TARGETS = ("Within some points of the old model's accuracy", "An accuracy on the new data")


def target_settings(prefix: str = "fc", reference: str = "the old model's") -> dict:
    """The team's target (``target_kind`` "drop" or "acc", and ``target_value``): what "done" means.

    ``prefix`` starts the widgets' keys ("fc_target"); ``reference``: whose clean accuracy a drop is below.
    """
    options = (TARGETS[0].replace("the old model's", reference), TARGETS[1])
    kind = st.radio(
        "Retraining is done when the new-data accuracy is",
        options,
        **kept(f"{prefix}_target", options=options),
        horizontal=True,
    )
    if kind == options[1]:
        value = st.number_input(
            "Target accuracy", 0.01, 1.0, step=0.01, **kept(f"{prefix}_target_acc", 0.95), format="%.3f"
        )
        return {"target_kind": "acc", "target_value": float(value)}
    points = st.number_input(
        f"Points below {reference} clean accuracy",
        0.0,
        50.0,
        step=0.5,
        **kept(f"{prefix}_target_points", 2.0),
        help=f"2 points: back to within 0.02 of {reference} clean accuracy on its own data.",
    )
    return {"target_kind": "drop", "target_value": float(points) / 100}
