"""RESQUE dashboard: ``streamlit run app.py`` (or ``make run``).

Routes with ``st.navigation`` over the thin pages in ``pages/``; shared session state is set up
once here. The sidebar shows the pipeline's state before the page runs, again as soon as the page
stores a result, and after it has run: it is never behind what the page shows.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.kept import remember
from ui.look import page_style, sidebar_closes_on_phones
from ui.routing import routed
from ui.sidebar import render_sidebar
from ui.state import init_state, on_result
from ui.uploads import removed_at_start

HERE = Path(__file__).resolve().parent  # absolute page paths: AppTest runs relative ones as the main script
PAGES = [
    st.Page(HERE / "pages/home.py", title="Start", icon=":material/home:", default=True),
    st.Page(HERE / "pages/data_model.py", title="Data & model", icon=":material/dataset:"),
    st.Page(HERE / "pages/index.py", title="Index", icon=":material/insights:"),
    st.Page(HERE / "pages/forecast.py", title="Forecast", icon=":material/query_stats:"),
    st.Page(HERE / "pages/schedule.py", title="Schedule", icon=":material/schedule:"),
    st.Page(HERE / "pages/validate.py", title="Validate", icon=":material/model_training:"),
    st.Page(HERE / "pages/runs.py", title="Runs", icon=":material/monitoring:"),
    st.Page(HERE / "pages/scenarios.py", title="Scenarios & report", icon=":material/compare:"),
    st.Page(HERE / "pages/compare.py", title="Compare models", icon=":material/balance:"),
]

# a shipped file, not ":material/eco:": Streamlit fetches a material icon's favicon from a font CDN (fails offline)
st.set_page_config(page_title="RESQUE dashboard", page_icon=str(HERE / "assets" / "favicon.png"), layout="wide")
page_style()  # page-wide CSS the theme options cannot reach (accessibility)
init_state(st.session_state)
remember(st.session_state)  # the form values entered so far, kept while their page is not shown
removed_at_start()  # once per server: upload folders a killed server left behind, older than a day
page = st.navigation(PAGES)
status_slot = st.sidebar.empty()


def draw_sidebar() -> None:
    with status_slot.container():
        render_sidebar(st.session_state)


draw_sidebar()
try:
    with routed(), on_result(draw_sidebar):
        page.run()
finally:
    draw_sidebar()
    sidebar_closes_on_phones()
