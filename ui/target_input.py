"""The team's target on the Forecast page: what "done" means for a retraining run (``ForecastSettings``'s
``target_kind`` and ``target_value``, ``forecast.targets``)."""

from __future__ import annotations

import streamlit as st

from ui.kept import kept

__all__ = ["TARGETS", "target_settings"]

TARGETS = ("Within some points of the old model's accuracy", "An accuracy on the new data")


def target_settings() -> dict:
    """The team's target (``ForecastSettings.target_kind`` and ``target_value``): what "done" means."""
    kind = st.radio(
        "Retraining is done when the new-data accuracy is",
        TARGETS,
        **kept("fc_target", options=TARGETS),
        horizontal=True,
    )
    if kind == TARGETS[1]:
        value = st.number_input("Target accuracy", 0.01, 1.0, step=0.01, **kept("fc_target_acc", 0.95), format="%.3f")
        return {"target_kind": "acc", "target_value": float(value)}
    points = st.number_input(
        "Points below the old model's clean accuracy",
        0.0,
        50.0,
        step=0.5,
        **kept("fc_target_points", 2.0),
        help="2 points: back to within 0.02 of the accuracy the old model had on its own data.",
    )
    return {"target_kind": "drop", "target_value": float(points) / 100}
