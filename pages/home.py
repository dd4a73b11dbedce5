"""Landing page: what RESQUE does, the one-click demo, and the headline results once they exist."""

from __future__ import annotations

import streamlit as st

from ui import actions
from ui.errors import guard
from ui.results import headline, report_download
from ui.routing import ensure_routed
from ui.stale import stale_mark
from ui.state import DONE, MISSING, STAGES, pipeline_status

ensure_routed()

state = st.session_state
st.title("RESQUE: what will retraining cost, and when should it run?")
st.markdown(
    "Your model meets **shifted data**. Before retraining it, RESQUE runs the old model once over the original "
    "and the new data and turns the shift in its representations into a **forecast**: epochs, time, energy, "
    "CO2 and money, each with a prediction interval, and the **best time** to run on the grid."
)
st.markdown(
    "**Try it now**, no upload and no network: the demo uses the embedded handwritten digits with Gaussian "
    "noise (level 5), the shipped model and calibration, and an illustrative grid profile."
)

if st.button("Run the demo", type="primary", key="run_demo", icon=":material/play_arrow:"):
    bar = st.progress(0.0, text="Computing the index…")

    def progress(done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"Embedding {done} / {total} images")

    with guard("running the demo"):
        actions.run_demo(state, progress)
    bar.empty()

if all(s != MISSING for s in pipeline_status(state).values()):  # a stale result stays shown, marked
    stale_mark(state, STAGES, key="home_rerun")
    headline(state)
    if all(s == DONE for s in pipeline_status(state).values()):  # the report: current results only
        report_download(state, key="home_report")
else:
    st.info(
        "Or go step by step: **Data & model** → **Index** → **Forecast** → **Schedule** (left sidebar).",
        icon=":material/route:",
    )
