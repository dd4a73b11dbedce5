"""Landing page: the headline results first once they exist (a manager's answer above the fold, on a phone
too; a stale one stays shown, marked, with its re-run button), then what RESQUE does and the one-click demo."""

from __future__ import annotations

import streamlit as st

from ui import actions
from ui.errors import guard
from ui.look import announce
from ui.results import headline, report_download
from ui.routing import ensure_routed
from ui.stale import stale_mark
from ui.state import DONE, MISSING, STAGES, pipeline_status

ensure_routed()

state = st.session_state
st.title("RESQUE: what will retraining cost, and when should it run?")
answer = st.container()  # filled last, drawn first: the results of this very run, the demo's included
INTRO = (
    "Your model meets **shifted data**. Before retraining it, RESQUE runs the old model once over the original "
    "and the new data and turns the shift in its representations into a **forecast**: epochs, time, energy, "
    "CO2 and money, each with a prediction interval, and the **best time** to run on the grid.\n\n"
    "**Try it now**, no upload and no network: the demo uses the embedded handwritten digits with Gaussian "
    "noise (level 5), the shipped model and calibration, an example electricity price and an illustrative "
    "grid profile."
)


def all_shown() -> bool:
    """Every stage has a result, current or stale."""
    return all(s != MISSING for s in pipeline_status(state).values())


def all_done() -> bool:
    return all(s == DONE for s in pipeline_status(state).values())


about = st.expander("What RESQUE does, and the demo") if all_shown() else st.container()
with about:
    st.markdown(INTRO)
    label = "Run the demo again" if all_shown() else "Run the demo"
    if st.button(label, type="primary", key="run_demo", icon=":material/play_arrow:"):
        bar = st.progress(0.0, text="Computing the index…")

        def progress(done: int, total: int) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=f"Embedding {done} / {total} images")

        with guard("running the demo"):
            actions.run_demo(state, progress)
        bar.empty()
        if all_done():
            announce("Results ready: the forecast and the best start are at the top of the page.")
    if not all_shown():
        st.info(
            "Or go step by step: **Data & model** → **Index** → **Forecast** → **Schedule** (left sidebar).",
            icon=":material/route:",
        )

if all_shown():
    with answer:
        stale_mark(state, STAGES, key="home_rerun")
        headline(state)
        if all_done():  # the report: current results only
            report_download(state, key="home_report")
