"""The sidebar: pipeline state (done / stale / missing) and the active scenario."""

from __future__ import annotations

from collections.abc import MutableMapping

import streamlit as st

from ui.plain_text import literal
from ui.state import DONE, STALE, pipeline_status

BADGES = {
    DONE: (":material/check_circle:", "green", "done"),
    STALE: (":material/update:", "orange", "stale: an input upstream changed"),
    "missing": (":material/radio_button_unchecked:", "gray", "missing"),
}
LABELS = {"data": "Data", "model": "Model", "index": "Index", "forecast": "Forecast", "schedule": "Schedule"}


def render_sidebar(state: MutableMapping) -> None:
    """Pipeline status badges and the active scenario's name."""
    st.markdown("**Pipeline**")
    for stage, status in pipeline_status(state).items():
        icon, colour, text = BADGES[status]
        st.markdown(f"{icon} {LABELS[stage]}: :{colour}[{text}]")
    st.markdown(f"**Active scenario:** {literal(state['scenario_name'])}")
    saved = len(state["scenarios"])
    if saved:
        st.caption(f"{saved} saved scenario{'s' if saved != 1 else ''}")
